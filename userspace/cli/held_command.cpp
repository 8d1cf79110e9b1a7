#include "cli/held_command.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "cli/exit_codes.h"

namespace iophase::cli {
namespace {

PipeFds make_pipe() {
    PipeFds ends = open_pipe(O_CLOEXEC);
    if (!ends.read) {
        throw std::runtime_error(fmt::format("pipe: {}", std::strerror(errno)));
    }
    return ends;
}

[[noreturn]] void exec_when_released(const std::vector<std::string> &argv, PipeFds &go,
                                     PipeFds &exec_error) {
    go.write.reset();
    exec_error.read.reset();
    char byte;
    if (read(go.read.get(), &byte, 1) != 1) {
        _exit(kExitFailure);  // the tracer gave up: do not run untraced
    }
    std::vector<char *> args;
    for (const auto &arg : argv) {
        args.push_back(const_cast<char *>(arg.c_str()));
    }
    args.push_back(nullptr);
    execvp(args[0], args.data());
    const int err = errno;
    (void)!write(exec_error.write.get(), &err, sizeof(err));
    _exit(kExitNotFound);
}

// Every process below `pid` (from /proc/PID/task/TID/children), each before its own children.
std::vector<pid_t> descendants(pid_t pid) {
    std::vector<pid_t> found;
    std::error_code error;
    for (const auto &task :
         std::filesystem::directory_iterator(fmt::format("/proc/{}/task", pid), error)) {
        std::ifstream children(task.path() / "children");
        for (pid_t child = 0; children >> child;) {
            found.push_back(child);
            const std::vector<pid_t> below = descendants(child);
            found.insert(found.end(), below.begin(), below.end());
        }
    }
    return found;
}

}  // namespace

HeldCommand::HeldCommand(const std::vector<std::string> &argv) {
    PipeFds go = make_pipe();
    PipeFds exec_error = make_pipe();
    pid_ = fork();
    if (pid_ < 0) {
        throw std::runtime_error(fmt::format("fork: {}", std::strerror(errno)));
    }
    if (pid_ == 0) {
        exec_when_released(argv, go, exec_error);
    }
    go_ = std::move(go.write);
    exec_error_ = std::move(exec_error.read);
}

HeldCommand::~HeldCommand() {
    go_.reset();  // a child still held sees EOF and exits without exec
    finish();
}

int HeldCommand::release() {
    const char byte = 1;
    (void)!write(go_.get(), &byte, 1);
    go_.reset();
    int err = 0;
    const ssize_t n = read(exec_error_.get(), &err, sizeof(err));  // EOF on successful exec
    return n == sizeof(err) ? err : 0;
}

void HeldCommand::reap_if_exited() {
    int status = 0;
    if (!wait_status_ && waitpid(pid_, &status, WNOHANG) == pid_) {
        wait_status_ = status;
    }
}

CommandExit HeldCommand::finish() {
    reap_if_exited();
    if (!wait_status_) {
        stopped_ = true;
        // Its children too: `sh -c 'sleep 9'` would otherwise leave the sleep running.
        for (pid_t below : descendants(pid_)) {
            kill(below, SIGTERM);
        }
        kill(pid_, SIGTERM);
        for (int i = 0; i < 40 && !wait_status_; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            reap_if_exited();
        }
        if (!wait_status_) {
            kill(pid_, SIGKILL);
            int status = 0;
            waitpid(pid_, &status, 0);
            wait_status_ = status;
        }
    }
    CommandExit command;
    command.pid = pid_;
    command.stopped_by_iophase = stopped_;
    if (WIFEXITED(*wait_status_)) {
        command.exit_code = WEXITSTATUS(*wait_status_);
    } else if (WIFSIGNALED(*wait_status_)) {
        command.signal = WTERMSIG(*wait_status_);
    }
    return command;
}

int exit_code_of(const CommandExit &command) {
    if (command.stopped_by_iophase) {
        return kExitOk;
    }
    if (command.signal) {
        return 128 + *command.signal;
    }
    return command.exit_code.value_or(kExitOk);
}

}  // namespace iophase::cli
