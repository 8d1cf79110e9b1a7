// `iophase trace`: attach to processes (by pid, name, cgroup, or by starting a command), and on
// exit print where their time went, as a table and optionally as a JSON report.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/held_command.h"
#include "cli/output_file.h"
#include "cli/validators.h"
#include "report/chrome_trace.h"
#include "report/json_report.h"
#include "report/name_escape.h"
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

// The kernel keeps 15 bytes of a process name: a longer --comm is matched on those, and said so.
std::string comm_to_match(const std::string &comm) {
    if (comm.size() <= procfs::kCommBytes) {
        return comm;
    }
    const std::string kept = comm.substr(0, procfs::kCommBytes);
    fmt::print(stderr,
               "iophase trace: --comm {} is longer than the {} bytes the kernel keeps of a "
               "process name: matching '{}'\n",
               terminal_escaped(comm), procfs::kCommBytes, terminal_escaped(kept));
    return kept;
}

// The timeline file, written while tracing runs.
struct TimelineOutput {
    explicit TimelineOutput(OutputFile &out)
        : file(out), writer([&out](std::string_view chunk) { out.write(chunk); }) {}

    OutputFile &file;
    ChromeTraceWriter writer;
};

// Ends the timeline file and counts what it dropped into the report; false (said why) if the
// file could not be written.
bool finish_timeline(TimelineOutput &timeline, Report &report) {
    try {
        timeline.writer.finish(report);
        report.health.timeline_userspace_drops = timeline.writer.dropped();
        timeline.file.commit();
    } catch (const std::runtime_error &e) {
        report.health.timeline_userspace_drops = timeline.writer.dropped();
        fmt::print(stderr, "iophase trace: {}\n", e.what());
        return false;
    }
    fmt::print(stderr,
               "iophase: timeline of {} events in {} (lost: {} in the ring buffer, {} in "
               "iophase): open it in Perfetto UI or chrome://tracing\n",
               timeline.writer.written(), timeline.file.path(), report.health.ringbuf_drops,
               report.health.timeline_userspace_drops);
    return true;
}

bool write_json(OutputFile &file, const Report &report) {
    try {
        // Names were made valid UTF-8 already; `replace` only guards against any other string.
        file.write(
            report_to_json(report).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
            "\n");
        file.commit();
        return true;
    } catch (const std::runtime_error &e) {
        fmt::print(stderr, "iophase trace: {}\n", e.what());
        return false;
    }
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
    if (json_out && timeline_out && json_out->same_destination(*timeline_out)) {
        fmt::print(stderr,
                   "iophase trace: --json and --timeline both write to {}: give each its own "
                   "file\n",
                   timeline_out->path());
        return kExitUsage;
    }
    std::optional<TimelineOutput> timeline;
    if (timeline_out) {
        timeline.emplace(*timeline_out);
    }

    std::optional<HeldCommand> command;
    TraceOptions options;
    options.pids = args.pids;
    options.comm = comm_to_match(args.comm);
    options.cgroup = args.cgroup;
    options.follow = args.follow || by_command;
    options.timeline = timeline.has_value();
    options.timeline_sink = timeline ? &timeline->writer : nullptr;
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

    Report report = tracer->stop();
    if (command) {
        report.command = command->finish();
    }
    bool written = !timeline || finish_timeline(*timeline, report);
    const bool json_on_stdout = json_out && json_out->is_stdout();
    print_report(report, args, json_on_stdout ? std::cerr : std::cout);
    written = (!json_out || write_json(*json_out, report)) && written;
    if (!written) {
        return kExitFailure;
    }
    return report.command ? exit_code_of(*report.command) : kExitOk;
}

// Any other failure still ends in one line and exit 1, after the destructors have run (a
// started command is stopped, partial outputs are discarded), rather than in an abort.
int run_trace_guarded(const TraceArgs &args) {
    try {
        return run_trace(args);
    } catch (const std::exception &e) {
        fmt::print(stderr, "iophase trace: {}\n", e.what());
        return kExitFailure;
    }
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
        ->check(process_id());
    cmd->add_option("--comm", args->comm,
                    "Trace every process with this name, including ones started later");
    cmd->add_option("--cgroup", args->cgroup,
                    "Trace every process in this cgroup v2 directory (and its children)");
    cmd->add_option("-d,--duration", args->duration_s,
                    "Stop after this many seconds (default: Ctrl-C, or when every target "
                    "exited)")
        ->check(seconds_value());
    cmd->add_option("-i,--interval", args->interval_s,
                    "Also print the table so far every this many seconds")
        ->check(seconds_value());
    cmd->add_option("--json", args->json_path, "Write the JSON report to FILE ('-' for stdout)")
        ->check(output_path());
    cmd->add_option("--timeline", args->timeline_path,
                    "Also write every thread state change as Chrome trace JSON to FILE (for "
                    "Perfetto UI or chrome://tracing)")
        ->check(output_path());
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
        "started;\nwith -- COMMAND, otherwise the command's own status (128 + signal if one "
        "killed it).");
    cmd->callback([args, &exit_code] { exit_code = run_trace_guarded(*args); });
}

}  // namespace iophase::cli
