// The kernel's own account of CPU time: one row of /proc/stat, in ns (counted in ticks).
#pragma once

#include <optional>
#include <string>

namespace bpftest {

struct CpuTimes {
    double user_ns = 0;
    double nice_ns = 0;
    double system_ns = 0;
    double idle_ns = 0;
    double iowait_ns = 0;
    double irq_ns = 0;
    double softirq_ns = 0;
    double steal_ns = 0;  // what the hypervisor took from the vCPUs

    double interrupt_ns() const { return irq_ns + softirq_ns; }
    double busy_ns() const { return user_ns + nice_ns + system_ns + irq_ns + softirq_ns; }
};

// The row named `row`: "cpu" for all CPUs together, "cpu1" for CPU 1; nullopt without one.
std::optional<CpuTimes> read_cpu_times(const std::string &row);

}  // namespace bpftest
