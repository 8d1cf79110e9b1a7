#include "catalog.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>
#include <utility>

namespace iophase::demo {
namespace {

constexpr std::array<ModelInfo, 10> kModels = {{
    {"blocking", "sleeps in accept() and recv() for one client at a time (iterative)",
     "the server thread, in recv()"},
    {"thread-per-connection", "one thread per client sleeps in its own recv()",
     "each client's thread, in recv()"},
    {"process-per-connection", "one forked process per client sleeps in its own recv()",
     "each client's process, in recv()"},
    {"nonblocking-poll", "never sleeps: sweeps recv() over every socket, most return EAGAIN",
     "the server thread, in the recv() that finds data"},
    {"select", "sleeps in select() on fd_set bitmaps of every socket (max fd < 1024)",
     "the server thread, in recv() after select()"},
    {"poll", "sleeps in poll() on an array of every socket",
     "the server thread, in recv() after poll()"},
    {"epoll-lt", "sleeps in epoll_wait(), level-triggered: ready while data remains",
     "the server thread, in recv() after epoll_wait()"},
    {"epoll-et", "sleeps in epoll_wait(), edge-triggered: drains each socket until EAGAIN",
     "the server thread, in recv() after epoll_wait()"},
    {"signal-driven", "sleeps in sigwaitinfo() for a realtime signal carrying the ready fd",
     "the server thread, in recv() after the signal"},
    {"io_uring", "sleeps in io_uring_enter() for completions; never in recv()",
     "the kernel, completing the recv operation (task work)"},
}};

[[noreturn]] void fail(const std::string &message) {
    throw std::runtime_error(message);
}

std::string errno_text() {
    return std::strerror(errno);
}

PipeFds make_pipe() {
    PipeFds ends = open_pipe(O_CLOEXEC);
    if (!ends.read) {
        fail("cannot create a pipe for the demo: " + errno_text());
    }
    return ends;
}

// Reads one line from `fd`, waiting at most `timeout`. Returns false on EOF or timeout.
bool read_line(int fd, std::string &line, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    line.clear();
    while (true) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            return false;
        }
        pollfd waiting = {fd, POLLIN, 0};
        const int ready = poll(&waiting, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) {
            continue;
        }
        if (ready <= 0) {
            return false;
        }
        char c = 0;  // byte by byte: never read past the line, the rest belongs to the caller
        const ssize_t n = read(fd, &c, 1);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        if (c == '\n') {
            return true;
        }
        line.push_back(c);
    }
}

enum class LineResult { Line, Timeout, End };

LineResult read_line_or_timeout(int fd, std::string &line, int timeout_ms) {
    if (read_line(fd, line, std::chrono::milliseconds(timeout_ms))) {
        return LineResult::Line;
    }
    // read_line gives up on EOF and on timeout alike: tell them apart.
    pollfd waiting = {fd, POLLIN, 0};
    return poll(&waiting, 1, 0) == 1 && (waiting.revents & (POLLHUP | POLLERR)) != 0
               ? LineResult::End
               : LineResult::Timeout;
}

std::string describe_status(int status) {
    if (WIFEXITED(status)) {
        return "exited with status " + std::to_string(WEXITSTATUS(status));
    }
    if (WIFSIGNALED(status)) {
        return std::string("was killed by signal ") + strsignal(WTERMSIG(status));
    }
    return "changed state " + std::to_string(status);
}

// waitpid with a deadline; true if the child was reaped.
bool wait_for_exit(pid_t pid, int &status, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        const pid_t done = waitpid(pid, &status, WNOHANG);
        if (done == pid || (done < 0 && errno != EINTR)) {
            return done == pid;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

}  // namespace

std::span<const ModelInfo> models() {
    return kModels;
}

const ModelInfo *find_model(const std::string &name) {
    for (const ModelInfo &model : kModels) {
        if (name == model.name) {
            return &model;
        }
    }
    return nullptr;
}

std::string demo_executable(const std::string &model) {
    std::error_code error;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", error);
    if (error) {
        fail("cannot read /proc/self/exe: " + error.message());
    }
    return (self.parent_path() / ("iophase-demo-" + model)).string();
}

RunningDemo start_demo(const std::string &model, const std::vector<std::string> &extra_args,
                       bool capture_stderr) {
    if (find_model(model) == nullptr) {
        fail("unknown demo model '" + model + "' (see: iophase demo list)");
    }
    const std::string path = demo_executable(model);
    if (access(path.c_str(), X_OK) != 0) {
        fail("demo executable " + path + " is missing: " + errno_text() + " (build it first)");
    }
    // Everything the child needs is prepared before fork: after it, only exec.
    std::vector<std::string> args = {path};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    std::vector<char *> argv;
    for (std::string &arg : args) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);

    PipeFds out = make_pipe();
    PipeFds err = capture_stderr ? make_pipe() : PipeFds{};
    const pid_t parent = getpid();
    const pid_t pid = fork();
    if (pid < 0) {
        fail("cannot fork to start the " + model + " demo: " + errno_text());
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        // Its own process group: a Ctrl-C at the terminal reaches the starter (which stops
        // the demo in order), not the demo directly.
        setpgid(0, 0);
        if (getppid() != parent) {
            _exit(1);  // the starter is gone already
        }
        dup2(out.write.get(), STDOUT_FILENO);
        if (err.write) {
            dup2(err.write.get(), STDERR_FILENO);
        }
        execv(path.c_str(), argv.data());
        _exit(127);
    }
    out.write.reset();  // the child's now: EOF comes when it exits
    err.write.reset();

    RunningDemo demo{pid, 0, std::move(out.read), std::move(err.read)};
    std::string line;
    if (!read_line(demo.stdout_fd.get(), line, std::chrono::seconds(10))) {
        kill(pid, SIGKILL);
        int status = 0;
        waitpid(pid, &status, 0);
        fail("the " + model + " demo printed no port line (it " + describe_status(status) + ")");
    }
    const auto at = line.find(" port=");
    if (line.rfind("iophase-demo model=", 0) != 0 || at == std::string::npos) {
        stop_demo(demo);
        fail("unexpected first line from the " + model + " demo: '" + line + "'");
    }
    demo.port = static_cast<std::uint16_t>(std::stoul(line.substr(at + 6)));
    return demo;
}

std::string stop_demo(RunningDemo &demo) {
    if (demo.pid <= 0) {
        fail("stop_demo: the demo is not running");
    }
    const pid_t pid = std::exchange(demo.pid, -1);
    kill(pid, SIGTERM);
    // The demo prints its last line after the stop signal; read until EOF. A signal that
    // arrives just before the demo goes to sleep is only noticed at its next wakeup, so
    // repeat it each second.
    std::string last_line;
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        const LineResult result = read_line_or_timeout(demo.stdout_fd.get(), line, 1000);
        if (result == LineResult::Line) {
            last_line = line;
        } else if (result == LineResult::Timeout) {
            kill(pid, SIGTERM);
        } else {
            break;  // EOF: the demo has exited (or closed stdout)
        }
    }
    int status = 0;
    const bool exited = wait_for_exit(pid, status, std::chrono::seconds(10));
    if (!exited) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    demo.stdout_fd.reset();
    demo.stderr_fd.reset();
    if (!exited) {
        fail("demo pid " + std::to_string(pid) + " did not stop within 10 s of SIGTERM");
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fail("demo pid " + std::to_string(pid) + " " + describe_status(status) + " on SIGTERM");
    }
    if (last_line.rfind("stopped model=", 0) != 0) {
        fail("demo pid " + std::to_string(pid) + " printed no 'stopped' line");
    }
    return last_line;
}

}  // namespace iophase::demo
