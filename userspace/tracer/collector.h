// Turns the BPF side's tables into processes of a Report: per-CPU values summed, live threads
// brought up to the end of the trace, exited threads from their rows and their process's
// fold, syscalls named and grouped by process.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "model/report.h"
#include "tracer/exited_threads.h"

extern "C" {
#include "iophase.h"
}

namespace iophase {

struct MapFds {
    int procs = -1;
    int sys_stats = -1;
    int drops = -1;
    int uring_stats = -1;
    int thread_iter = -1;  // the link of the task iterator that dumps live threads
};

// What userspace knows about a process that the maps do not hold.
struct ProcessInfo {
    std::string comm;
    std::string cmdline;
    pid_t ppid = 0;
    // fds registered with its epoll instances at attach (/proc/PID/fdinfo), by EPOLLET.
    std::uint64_t epoll_registered_et = 0;
    std::uint64_t epoll_registered_lt = 0;
};

struct LiveThread {
    pid_t tid = 0;
    bool seeded = false;
    iop_thread state{};
};

// One consistent reading of the BPF side's tables.
struct KernelTables {
    std::vector<LiveThread> live;
    std::map<pid_t, iop_proc> procs;
    std::vector<std::pair<iop_sys_key, iop_sys_stats>> syscalls;
    std::vector<std::pair<iop_uring_key, iop_uring_stats>> io_uring;
};

// Reads the tables in the order that keeps a snapshot consistent while threads exit: the
// live threads first, then the processes (with their count of exits folded), then
// `drain_exits` (which must hand every exit row submitted so far to the ExitedThreads).
KernelTables read_kernel_tables(const MapFds &fds, const std::function<void()> &drain_exits);

// The processes of a report. `end_ns` (CLOCK_MONOTONIC) closes every live thread's interval.
// `known` supplies names for processes, and is updated from /proc for the live ones.
std::vector<ProcessReport> build_processes(const KernelTables &tables, ExitedThreads &exited,
                                           std::uint64_t end_ns,
                                           std::map<pid_t, ProcessInfo> &known);

// Sum of the BPF drop counters of every kind but `except`.
std::uint64_t collect_drops(const MapFds &fds, std::uint32_t except);
// The BPF drop counter of one kind (enum iop_drop).
std::uint64_t collect_drop(const MapFds &fds, std::uint32_t which);

}  // namespace iophase
