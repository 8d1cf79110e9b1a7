// strace attached to a running server (`strace -f -ttt -T -y -o FILE -p PID...`), and its log
// read back as calls with the moment each returned, so a count can be taken over any interval.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "support/subprocess.h"
#include "support/syscall_rows.h"
#include "support/temp_dir.h"

namespace servertest {

struct StraceCall {
    std::string name;
    std::string fd_kind;   // of the first argument, from -y's annotation; "" if it has none
    double exit_time = 0;  // seconds since the epoch, as -ttt prints them
    bool error = false;
};

// Every call in a log that returned (exit, exit_group and execve without a return are left
// out: iophase never sees them return either).
std::vector<StraceCall> parse_strace_log(const std::string &text);

// Counts of the calls that returned in [from, to] (seconds since the epoch), with the fd kind
// for the calls iophase gives one (read/write-like and socket-only calls), "" for the others.
SyscallRows strace_rows(const std::vector<StraceCall> &calls, double from, double to);

// strace on every thread of the given processes and the processes they fork.
class StraceRun {
  public:
    // Returns once strace has attached to every pid (throws after 10 s).
    StraceRun(const bpftest::TempDir &dir, const std::vector<pid_t> &pids);

    // Detaches (SIGINT) and returns the calls it saw.
    std::vector<StraceCall> stop();

  private:
    const bpftest::TempDir &dir_;
    std::unique_ptr<bpftest::Subprocess> process_;
};

// True if strace is installed.
bool have_strace();

}  // namespace servertest
