// Processes and threads of a running server, from /proc.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace servertest {

// `pid` and every process descended from it, parents before children.
std::vector<pid_t> process_tree(pid_t pid);

// "pid:comm" of each process and "tid:comm(syscall nr)" of each of its threads, one line per
// process: what a failure message needs to tell which thread does what.
std::string describe_tree(pid_t pid);

}  // namespace servertest
