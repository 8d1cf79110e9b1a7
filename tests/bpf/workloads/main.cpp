// Small programs of known behaviour for the bpf tests: each subcommand makes a known number of
// known syscalls with known delays, so the test can compare iophase's report with the truth.
#include <cstdio>
#include <string_view>

#include "workloads.h"

namespace {

struct Subcommand {
    std::string_view name;
    int (*run)(const workload::Options &);
    std::string_view what;
};

constexpr Subcommand kSubcommands[] = {
    {"blocking-recv", workload::blocking_recv,
     "--delay-ms D --bytes N --repeat K: a peer thread sleeps D then sends N bytes, K times"},
    {"counted-recv", workload::counted_recv,
     "--messages N --bytes B: exactly N send() and N recv() of B bytes"},
    {"nonblocking-recv", workload::nonblocking_recv,
     "--calls N: N recv() on an empty non-blocking socket (all EAGAIN)"},
    {"large-recv", workload::large_recv,
     "--bytes N: queue N bytes first, then take them with one recv()"},
    {"select", workload::select_fds,
     "--fds K --ready M --rounds R --idle-rounds T: select over K pipes"},
    {"poll", workload::poll_fds, "--fds K --ready M --rounds R --idle-rounds T: poll over K pipes"},
    {"epoll", workload::epoll_fds,
     "--fds K --ready M --rounds R --idle-rounds T: epoll_wait, K pipes added with EPOLLET"},
    {"cpu-burn", workload::cpu_burn,
     "--threads T --burn-ms B --nap-ms S: threads burn B ms of CPU, reporting schedstat"},
    {"pipe-activity", workload::pipe_activity,
     "--run-ms D [--wait-for-sigusr1 1]: write and read a pipe every 2 ms for D ms, then exit"},
    {"fork-and-thread", workload::fork_and_thread,
     "--writes N: after start, fork a child that writes N times, and start a thread"},
    {"fixed-syscalls", workload::fixed_syscalls,
     "--writes W --reads R --sleeps S --messages M --polls P: fixed syscall counts"},
    {"touch", workload::touch_file, "--path FILE: create FILE (shows the command ran)"},
    {"thread-churn", workload::thread_churn,
     "--per-second N --seconds S: start and end N threads a second (3 getppid each)"},
    {"thread-server", workload::thread_server,
     "--connections N --bytes B: a thread per connection serves N requests of a client process"},
    {"bulk-recv", workload::bulk_recv,
     "--bytes N: receive N bytes over loopback TCP in 64 KiB recv calls (a thread sends)"},
    {"bulk-send", workload::bulk_send,
     "--bytes N: after SIGUSR1, write 256 KiB and then send N bytes over loopback TCP to a "
     "forked receiver"},
    {"uring-recv", workload::uring_recv,
     "--delay-ms D --bytes N --repeat K: an io_uring recv waits D for a peer's N bytes, K times"},
};

int usage() {
    std::fprintf(stderr, "usage: bpf_workload SUBCOMMAND [--name value ...] [--facts FILE]\n");
    for (const auto &subcommand : kSubcommands) {
        std::fprintf(stderr, "  %-17.*s %.*s\n", static_cast<int>(subcommand.name.size()),
                     subcommand.name.data(), static_cast<int>(subcommand.what.size()),
                     subcommand.what.data());
    }
    return 2;
}

}  // namespace

int main(int argc, char **argv) {
    if (argc < 2) {
        return usage();
    }
    for (const auto &subcommand : kSubcommands) {
        if (subcommand.name == argv[1]) {
            return subcommand.run(workload::Options(argc, argv, 2));
        }
    }
    return usage();
}
