// `iophase trace`: attach to processes (by pid, name, cgroup, or by starting a command), and on
// exit print where their time went, as a table and optionally as a JSON report.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/output_file.h"
#include "report/chrome_trace.h"
#include "report/json_report.h"
#include "report/text_report.h"
#include "tracer/procfs.h"
#include "tracer/tracer.h"

namespace iophase::cli {
namespace {

struct TraceArgs {
    std::vector<pid_t> pids;
    std::string comm;
    std::string cgroup;
    std::optional<double> duration_s;
    std::optional<double> interval_s;
    std::string json_path;
    std::string timeline_path;
    bool threads = false;
    bool follow = false;
    std::vector<std::string> command;
};

// SIGINT/SIGTERM: the first asks for a clean stop (report written, programs detached); a
// second exits at once (the kernel detaches BPF links when their fds close).
std::atomic<int> g_stop_requests{0};

void on_stop_signal(int) {
    if (g_stop_requests.fetch_add(1) >= 1) {
        _exit(130);
    }
}

void install_stop_handlers() {
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
}

// A command started for tracing: forked now, held before exec until the tracer has
// registered it, so not one of its syscalls is missed.
class HeldCommand {
  public:
    explicit HeldCommand(const std::vector<std::string> &argv) {
        int go[2];
        int exec_error[2];
        if (pipe2(go, O_CLOEXEC) != 0 || pipe2(exec_error, O_CLOEXEC) != 0) {
            throw std::runtime_error(fmt::format("pipe: {}", std::strerror(errno)));
        }
        pid_ = fork();
        if (pid_ < 0) {
            throw std::runtime_error(fmt::format("fork: {}", std::strerror(errno)));
        }
        if (pid_ == 0) {
            close(go[1]);
            close(exec_error[0]);
            char byte;
            if (read(go[0], &byte, 1) != 1) {
                _exit(kExitFailure);  // the tracer gave up: do not run untraced
            }
            std::vector<char *> args;
            for (const auto &arg : argv) {
                args.push_back(const_cast<char *>(arg.c_str()));
            }
            args.push_back(nullptr);
            execvp(args[0], args.data());
            const int err = errno;
            (void)!write(exec_error[1], &err, sizeof(err));
            _exit(kExitNotFound);
        }
        close(go[0]);
        close(exec_error[1]);
        go_fd_ = go[1];
        exec_error_fd_ = exec_error[0];
    }

    ~HeldCommand() {
        if (go_fd_ >= 0) {
            close(go_fd_);  // the child sees EOF and exits without exec
        }
        if (exec_error_fd_ >= 0) {
            close(exec_error_fd_);
        }
        if (!reaped_) {
            stop();
        }
    }
    HeldCommand(const HeldCommand &) = delete;
    HeldCommand &operator=(const HeldCommand &) = delete;

    pid_t pid() const { return pid_; }

    // Lets the child exec. Returns the exec errno, or 0 once exec succeeded.
    int release() {
        const char byte = 1;
        (void)!write(go_fd_, &byte, 1);
        close(go_fd_);
        go_fd_ = -1;
        int err = 0;
        const ssize_t n = read(exec_error_fd_, &err, sizeof(err));  // EOF on successful exec
        return n == sizeof(err) ? err : 0;
    }

    // Reaps the child if it has exited, so it does not linger as a zombie.
    void reap_if_exited() {
        if (!reaped_ && waitpid(pid_, nullptr, WNOHANG) == pid_) {
            reaped_ = true;
        }
    }

  private:
    // The trace ended before the command did: we started it, so we end it (SIGTERM, then
    // SIGKILL after two seconds) rather than leave it running untraced.
    void stop() {
        kill(pid_, SIGTERM);
        for (int i = 0; i < 40; ++i) {
            if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }

    pid_t pid_ = -1;
    int go_fd_ = -1;
    int exec_error_fd_ = -1;
    bool reaped_ = false;
};

void print_report(const Report &report, const TraceArgs &args, std::ostream &out) {
    TextOptions options;
    options.threads = args.threads;
    options.color = isatty(STDOUT_FILENO) && &out == &std::cout;
    out << render_text(report, options) << std::flush;
}

// Opens `path` into `out` if a path was given; prints why and returns false if it cannot.
bool open_output(const std::string &path, std::optional<OutputFile> &out) {
    if (path.empty()) {
        return true;
    }
    try {
        out.emplace(path);
        return true;
    } catch (const std::runtime_error &e) {
        fmt::print(stderr, "iophase trace: {}\n", e.what());
        return false;
    }
}

std::chrono::steady_clock::duration seconds_to_duration(double seconds) {
    return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(seconds));
}

int run_trace(const TraceArgs &args) {
    const auto started = std::chrono::steady_clock::now();
    const bool by_command = !args.command.empty();
    if (args.pids.empty() && args.comm.empty() && args.cgroup.empty() && !by_command) {
        fmt::print(stderr,
                   "iophase trace: no target: give -p PID, --comm NAME, --cgroup DIR "
                   "or -- COMMAND (see --help)\n");
        return kExitUsage;
    }
    // Output paths are checked before anything is attached.
    std::optional<OutputFile> json_out;
    std::optional<OutputFile> timeline_out;
    if (!open_output(args.json_path, json_out) || !open_output(args.timeline_path, timeline_out)) {
        return kExitUsage;
    }

    std::optional<HeldCommand> command;
    TraceOptions options;
    options.pids = args.pids;
    options.comm = args.comm;
    options.cgroup = args.cgroup;
    options.follow = args.follow || by_command;
    options.timeline = timeline_out.has_value();
    try {
        if (by_command) {
            command.emplace(args.command);
            options.pids.push_back(command->pid());
            options.held_until_exec = command->pid();
        }
    } catch (const std::runtime_error &e) {
        fmt::print(stderr, "iophase trace: cannot start {}: {}\n", args.command[0], e.what());
        return kExitNotFound;
    }

    install_stop_handlers();
    std::unique_ptr<Tracer> tracer;
    try {
        tracer = Tracer::start(options);
    } catch (const TraceError &e) {
        fmt::print(stderr, "iophase trace: {}\n", e.what());
        return e.usage_error() ? kExitUsage : kExitFailure;
    }
    const auto attach_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count();
    if (command) {
        if (const int err = command->release(); err != 0) {
            tracer->stop();
            fmt::print(stderr, "iophase trace: cannot run {}: {}\n", args.command[0],
                       std::strerror(err));
            return kExitNotFound;
        }
        tracer->refresh_targets();  // its name and arguments after exec
    }
    fmt::print(stderr, "iophase: tracing (attached in {:.0f} ms); Ctrl-C to stop\n", attach_ms);

    // Until Ctrl-C, the duration, or (for pids and commands) every target has exited.
    const bool until_targets_exit = args.comm.empty() && args.cgroup.empty();
    const auto trace_start = std::chrono::steady_clock::now();
    auto next_interval = trace_start + seconds_to_duration(args.interval_s.value_or(0));
    auto next_refresh = trace_start;
    while (g_stop_requests.load() == 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        const auto now = std::chrono::steady_clock::now();
        if (command) {
            command->reap_if_exited();
        }
        if (args.duration_s && now - trace_start >= seconds_to_duration(*args.duration_s)) {
            break;
        }
        if (now >= next_refresh) {
            next_refresh = now + std::chrono::milliseconds(200);
            if (!tracer->refresh_targets() && until_targets_exit) {
                break;
            }
        }
        if (args.interval_s && now >= next_interval) {
            print_report(tracer->snapshot(), args, std::cout);
            next_interval += seconds_to_duration(*args.interval_s);
        }
    }

    const Report report = tracer->stop();
    const bool json_on_stdout = json_out && json_out->is_stdout();
    print_report(report, args, json_on_stdout ? std::cerr : std::cout);
    int status = kExitOk;
    try {
        if (json_out) {
            json_out->write(report_to_json(report).dump(2) + "\n");
        }
    } catch (const std::runtime_error &e) {
        fmt::print(stderr, "iophase trace: {}\n", e.what());
        status = kExitFailure;
    }
    if (timeline_out) {
        const Timeline timeline = tracer->take_timeline();
        try {
            timeline_out->write(timeline_to_chrome_trace(timeline, report).dump() + "\n");
            fmt::print(stderr,
                       "iophase: timeline of {} events ({} lost) in {}: open it in Perfetto UI "
                       "or chrome://tracing\n",
                       timeline.events.size(), timeline.lost, timeline_out->path());
        } catch (const std::runtime_error &e) {
            fmt::print(stderr, "iophase trace: {}\n", e.what());
            status = kExitFailure;
        }
    }
    return status;
}

}  // namespace

void add_trace_command(CLI::App &app, int &exit_code) {
    auto args = std::make_shared<TraceArgs>();
    CLI::App *cmd = app.add_subcommand(
        "trace",
        "Trace processes and print where their time went: user CPU, kernel copy, other kernel\n"
        "work, blocked (by the call it blocked in) and run-queue wait, per process and thread;\n"
        "the syscalls with their wait/runq/copy/kernel phases; and the I/O model in use.");
    cmd->add_option("-p,--pid", args->pids, "Process ids to trace (comma-separated)")
        ->delimiter(',')
        ->check(CLI::PositiveNumber);
    cmd->add_option("--comm", args->comm,
                    "Trace every process with this name, including ones started later");
    cmd->add_option("--cgroup", args->cgroup,
                    "Trace every process in this cgroup v2 directory (and its children)");
    cmd->add_option("-d,--duration", args->duration_s,
                    "Stop after this many seconds (default: Ctrl-C, or when every target "
                    "exited)")
        ->check(CLI::PositiveNumber);
    cmd->add_option("-i,--interval", args->interval_s,
                    "Also print the table so far every this many seconds")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--json", args->json_path, "Write the JSON report to FILE ('-' for stdout)");
    cmd->add_option("--timeline", args->timeline_path,
                    "Also write every thread state change as Chrome trace JSON to FILE (for "
                    "Perfetto UI or chrome://tracing)");
    cmd->add_flag("--threads", args->threads,
                  "Per-thread rows in the table (JSON always has them)");
    cmd->add_flag("--follow", args->follow,
                  "Also trace children forked after attach (on by default with -- COMMAND)");
    cmd->add_option("command", args->command, "Command to start and trace (after --)");
    cmd->footer(
        "Examples:\n"
        "  sudo iophase trace -p 1234                   until Ctrl-C\n"
        "  sudo iophase trace -p 1234,5678 -d 10 --threads\n"
        "  sudo iophase trace --comm nginx -i 5         every nginx, table every 5 s\n"
        "  sudo iophase trace --json report.json -- ./server --port 9000\n"
        "  sudo iophase trace -p 1234 -d 2 --timeline trace.json\n"
        "Exit codes: 0 ok, 1 tracing failed, 2 bad usage or unknown pid, 127 command not "
        "started.");
    cmd->callback([args, &exit_code] { exit_code = run_trace(*args); });
}

}  // namespace iophase::cli
