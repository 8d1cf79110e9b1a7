// Loader of syscall_counter.bpf.c for tools/bench_overhead.sh:
//   syscall_counter PID [--clock | --everywhere]
// Attaches, says "attached" on stderr, and on SIGINT prints the count (and mean call time).
// --everywhere is --clock plus a timed no-op on each other tracepoint iophase attaches.
#include <bpf/libbpf.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <unistd.h>

#include "syscall_counter.skel.h"

namespace {
volatile std::sig_atomic_t stop = 0;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: syscall_counter PID [--clock | --everywhere]\n");
        return 2;
    }
    std::signal(SIGINT, [](int) { stop = 1; });
    std::signal(SIGTERM, [](int) { stop = 1; });
    syscall_counter_bpf *skel = syscall_counter_bpf::open();
    if (skel == nullptr) {
        std::fprintf(stderr, "syscall_counter: cannot open the BPF object\n");
        return 1;
    }
    skel->rodata->target_tgid = static_cast<__u32>(std::atoi(argv[1]));
    const std::string_view mode = argc > 2 ? argv[2] : "";
    const bool everywhere = mode == "--everywhere";
    skel->rodata->read_clock = everywhere || mode == "--clock";
    for (bpf_program *prog :
         {skel->progs.on_sched_switch, skel->progs.on_sched_waking, skel->progs.on_copy_in_start,
          skel->progs.on_copy_in_end, skel->progs.on_copy_out_start, skel->progs.on_copy_out_end,
          skel->progs.on_data_ready, skel->progs.on_softirq_entry, skel->progs.on_softirq_exit,
          skel->progs.on_hardirq_entry, skel->progs.on_hardirq_exit}) {
        bpf_program__set_autoload(prog, everywhere);
    }
    if (syscall_counter_bpf::load(skel) != 0 || syscall_counter_bpf::attach(skel) != 0) {
        std::fprintf(stderr, "syscall_counter: cannot load or attach\n");
        syscall_counter_bpf::destroy(skel);
        return 1;
    }
    std::fprintf(stderr, "syscall_counter: attached\n");
    while (stop == 0) {
        pause();
    }
    const auto calls = skel->bss->calls;
    std::printf("%llu calls", static_cast<unsigned long long>(calls));
    if (skel->rodata->read_clock && calls > 0) {
        std::printf(", %.0f ns per call", static_cast<double>(skel->bss->total_ns) / calls);
    }
    std::printf("\n");
    syscall_counter_bpf::destroy(skel);
    return 0;
}
