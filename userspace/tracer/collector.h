// Turns the BPF maps into a Report: sums per-CPU values, folds each thread's open interval up
// to the end of the trace, and groups threads and syscalls by process.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>

#include "model/report.h"

namespace iophase {

struct MapFds {
    int threads = -1;
    int dead_threads = -1;
    int sys_stats = -1;
    int procs = -1;
    int drops = -1;
    int uring_stats = -1;
};

// What userspace knows about a process that the maps do not hold.
struct ProcessInfo {
    std::string comm;
    std::string cmdline;
};

// Reads the maps. `end_ns` (CLOCK_MONOTONIC) closes every live thread's interval.
// `known` supplies names for processes, and is updated from /proc for the live ones.
std::vector<ProcessReport> collect_processes(const MapFds &fds, std::uint64_t end_ns,
                                             std::map<pid_t, ProcessInfo> &known);

// Sum of the BPF drop counters of every kind but `except`.
std::uint64_t collect_drops(const MapFds &fds, std::uint32_t except);
// The BPF drop counter of one kind (enum iop_drop).
std::uint64_t collect_drop(const MapFds &fds, std::uint32_t which);

}  // namespace iophase
