// Burning a known amount of the calling thread's CPU time, measured by its own CPU clock: the
// cpu-burn workload and the tests that burn inside their own process share it.
#pragma once

#include <time.h>

#include <cstdlib>

namespace workload {

inline long long thread_cpu_ns() {
    timespec now{};
    if (::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now) != 0) {
        std::abort();  // no CPU clock: no burn could be measured
    }
    return now.tv_sec * 1'000'000'000LL + now.tv_nsec;
}

inline void burn_cpu(long long ns) {
    const long long until = thread_cpu_ns() + ns;
    volatile unsigned long sink = 1;
    while (thread_cpu_ns() < until) {
        // Enough arithmetic between clock reads that syscalls stay a small part of the burn.
        for (int i = 0; i < 200'000; ++i) {
            sink = sink * 6364136223846793005UL + 1442695040888963407UL;
        }
    }
}

}  // namespace workload
