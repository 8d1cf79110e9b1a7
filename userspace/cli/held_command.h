// The command of `iophase trace -- CMD`: forked at once, held before its exec until the tracer
// has registered it (so not one of its syscalls is missed), and waited for at the end, when its
// exit status goes into the report.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "common/unique_fd.h"
#include "model/report.h"

namespace iophase::cli {

class HeldCommand {
  public:
    // Forks the child, which waits for release(). Throws std::runtime_error.
    explicit HeldCommand(const std::vector<std::string> &argv);
    // A command still running is stopped (see finish()); one never released exits unrun.
    ~HeldCommand();
    HeldCommand(const HeldCommand &) = delete;
    HeldCommand &operator=(const HeldCommand &) = delete;

    pid_t pid() const { return pid_; }

    // Lets the child exec. Returns the exec errno, or 0 once exec succeeded.
    int release();

    // Reaps the child if it has exited, so it does not linger as a zombie.
    void reap_if_exited();

    // How the command ended. One still running is ended first: we started it, so we end it
    // (SIGTERM, then SIGKILL after two seconds) rather than leave it running untraced.
    CommandExit finish();

  private:
    pid_t pid_ = -1;
    UniqueFd go_;          // writing end: a byte lets the child exec, EOF makes it exit
    UniqueFd exec_error_;  // reading end: the exec errno, or EOF once exec succeeded
    std::optional<int> wait_status_;
    bool stopped_ = false;
};

// The exit code of `iophase trace -- CMD` when tracing itself succeeded: the command's own
// status, 128 + the signal that killed it (as a shell reports it), or 0 when iophase ended it
// because the trace was over.
int exit_code_of(const CommandExit &command);

}  // namespace iophase::cli
