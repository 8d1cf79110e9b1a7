// Small process facts and controls the compare runner needs from /proc and the scheduler.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace iophase::compare {

// Peak resident set size (VmHWM) of a live process in KiB; nullopt if it is gone.
std::optional<std::uint64_t> peak_rss_kb(pid_t pid);

// The live children of `pid` (from /proc/PID/task/*/children).
std::vector<pid_t> children_of(pid_t pid);

// Pins every thread of `pid` to one CPU (threads and children it creates later inherit
// it). Returns false if the process is gone or the CPU does not exist.
bool pin_process_to_cpu(pid_t pid, int cpu);

// Pins the calling thread (and the threads it creates later) to one CPU.
bool pin_this_thread_to_cpu(int cpu);

// Raises the soft open-files limit to the hard limit so thousands of idle connections fit
// (the demo servers inherit it). Returns the new soft limit.
std::uint64_t raise_open_files_limit();

}  // namespace iophase::compare
