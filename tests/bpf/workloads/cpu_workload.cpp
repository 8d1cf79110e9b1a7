// Threads that burn a known amount of CPU with short naps in between, recording the kernel's
// own account of their on-CPU time (/proc/self/task/TID/schedstat, first field) around it.
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "burn_cpu.h"
#include "workloads.h"

namespace workload {

namespace {

using std::chrono::milliseconds;

// The first schedstat field (ns on CPU) is brought up to date when the thread is switched
// out, so sleep briefly first: the value read right after waking is exact.
long long schedstat_on_cpu_ns(pid_t tid) {
    std::this_thread::sleep_for(milliseconds(1));
    std::ifstream in("/proc/self/task/" + std::to_string(tid) + "/schedstat");
    long long on_cpu = -1;
    in >> on_cpu;
    if (!in) {
        die("reading schedstat");
    }
    return on_cpu;
}

struct ThreadRecord {
    pid_t tid = 0;
    long long on_cpu_ns = 0;
};

}  // namespace

int cpu_burn(const Options &options) {
    const long threads = options.get_int("threads", 2);
    const long long burn_ns = options.get_int("burn-ms", 300) * 1'000'000LL;
    const auto nap = milliseconds(options.get_int("nap-ms", 10));
    constexpr int kSlices = 5;

    std::vector<ThreadRecord> records(threads);
    std::vector<std::thread> workers;
    for (long i = 0; i < threads; ++i) {
        workers.emplace_back([&, i] {
            const auto tid = static_cast<pid_t>(::syscall(SYS_gettid));
            const long long start = schedstat_on_cpu_ns(tid);
            for (int slice = 0; slice < kSlices; ++slice) {
                burn_cpu(burn_ns / kSlices);
                std::this_thread::sleep_for(nap);  // also block a bit
            }
            records[i] = ThreadRecord{tid, schedstat_on_cpu_ns(tid) - start};
        });
    }
    for (auto &worker : workers) {
        worker.join();
    }

    Facts facts(options);
    facts.add("threads", threads);
    for (long i = 0; i < threads; ++i) {
        facts.add("thread." + std::to_string(i) + ".tid", records[i].tid);
        facts.add("thread." + std::to_string(i) + ".on_cpu_ns", records[i].on_cpu_ns);
    }
    facts.write();
    return 0;
}

}  // namespace workload
