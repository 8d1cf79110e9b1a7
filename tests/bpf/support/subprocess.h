// A child process started by a test, with its stdout and stderr captured to files. The
// destructor kills (SIGKILL) and reaps it if it is still running, so no test leaves one behind.
// Started in a process group of its own, it is killed with the whole group: a server's workers
// go with it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace bpftest {

class Subprocess {
  public:
    enum class Group { kShared, kOwn };

    // Starts argv[0] (a path) with argv; stdout and stderr go to the given files.
    // Throws std::runtime_error if it cannot be spawned.
    Subprocess(const std::vector<std::string> &argv, const std::string &stdout_path,
               const std::string &stderr_path, Group group = Group::kShared);
    Subprocess(const Subprocess &) = delete;
    Subprocess &operator=(const Subprocess &) = delete;
    ~Subprocess();

    pid_t pid() const { return pid_; }

    // Waits up to `timeout` for it to exit. Returns its exit status (128 + signal if it
    // was killed by a signal), or nothing on timeout (it keeps running).
    std::optional<int> wait_for(std::chrono::milliseconds timeout);

    // Sends a signal to it (to its group, if it has its own).
    void signal(int signo) const;

    // Sends SIGKILL and reaps it (no-op once it has been reaped).
    void kill();

  private:
    pid_t pid_ = -1;
    bool reaped_ = false;
    Group group_;
};

// Runs a command to completion (killed after `timeout`) and returns its exit status, or -1
// on timeout.
int run_to_completion(const std::vector<std::string> &argv, const std::string &stdout_path,
                      const std::string &stderr_path, std::chrono::milliseconds timeout);

}  // namespace bpftest
