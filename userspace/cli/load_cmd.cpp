// `iophase load HOST:PORT`: drives a server that speaks the demo protocol and reports
// throughput and latency percentiles.
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/output_file.h"
#include "cli/validators.h"
#include "common/protocol.h"
#include "load/load.h"

namespace iophase::cli {
namespace {

struct LoadArgs {
    std::string target;
    load::Options options;
    std::string mode = "echo";
    std::string json_path;
    bool no_progress = false;
};

// SIGINT/SIGTERM end the run early; the results so far are still printed.
std::atomic<bool> g_stop_load{false};

void on_stop_signal(int) {
    g_stop_load = true;
}

// Installs the stop handlers for its lifetime and puts the previous ones back.
class StopSignals {
  public:
    StopSignals() {
        struct sigaction sa {};
        sa.sa_handler = on_stop_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, &old_int_);
        sigaction(SIGTERM, &sa, &old_term_);
    }
    ~StopSignals() {
        sigaction(SIGINT, &old_int_, nullptr);
        sigaction(SIGTERM, &old_term_, nullptr);
    }
    StopSignals(const StopSignals &) = delete;
    StopSignals &operator=(const StopSignals &) = delete;

  private:
    struct sigaction old_int_ {};
    struct sigaction old_term_ {};
};

// "HOST:PORT" or "[IPv6]:PORT"; throws std::invalid_argument with a one-line reason.
void parse_target(const std::string &target, load::Options &options) {
    const auto colon = target.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == target.size()) {
        throw std::invalid_argument(
            fmt::format("target '{}' is not HOST:PORT (e.g. 127.0.0.1:9000)", target));
    }
    std::string host = target.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    const std::string port = target.substr(colon + 1);
    std::size_t used = 0;
    unsigned long value = 0;
    try {
        value = std::stoul(port, &used);
    } catch (const std::exception &) {
        used = 0;
    }
    if (used != port.size() || value < 1 || value > 65535) {
        throw std::invalid_argument(fmt::format("port '{}' is not a number from 1 to 65535", port));
    }
    options.host = host;
    options.port = static_cast<std::uint16_t>(value);
}

void check_sizes(const load::Options &options) {
    if (options.size > proto::kMaxPayload) {
        throw std::invalid_argument(
            fmt::format("--size {} exceeds the protocol maximum of {} bytes", options.size,
                        proto::kMaxPayload));
    }
    if (options.transfer_bytes < 1 || options.transfer_bytes > proto::kMaxPayload) {
        throw std::invalid_argument(
            fmt::format("--bytes must be from 1 to {} bytes", proto::kMaxPayload));
    }
}

int run_load(LoadArgs &args) {
    try {
        parse_target(args.target, args.options);
        args.options.mode = args.mode == "upload"     ? load::Mode::Upload
                            : args.mode == "download" ? load::Mode::Download
                                                      : load::Mode::Echo;
        check_sizes(args.options);
    } catch (const std::invalid_argument &e) {
        fmt::print(stderr, "iophase load: {}\n", e.what());
        return kExitUsage;
    }
    std::unique_ptr<OutputFile> json_out;
    if (!args.json_path.empty()) {
        try {
            json_out = std::make_unique<OutputFile>(args.json_path);
        } catch (const std::runtime_error &e) {
            fmt::print(stderr, "iophase load: {} (choose a writable --json path)\n", e.what());
            return kExitUsage;
        }
    }
    // With the JSON on stdout, the human summary goes to stderr and no progress line is drawn.
    const bool json_on_stdout = json_out && json_out->is_stdout();
    std::FILE *text_out = json_on_stdout ? stderr : stdout;
    args.options.progress = !args.no_progress && !json_on_stdout;

    load::Result result;
    try {
        g_stop_load = false;
        const StopSignals signals;
        result = load::run(args.options, &g_stop_load);
    } catch (const std::invalid_argument &e) {
        fmt::print(stderr, "iophase load: {}\n", e.what());
        return kExitUsage;
    } catch (const std::exception &e) {
        fmt::print(stderr, "iophase load: {}\n", e.what());
        return kExitFailure;
    }

    fmt::print(text_out, "{}", load::render_text(result));
    std::fflush(text_out);
    if (json_out) {
        try {
            json_out->write(load::to_json(result).dump(2) + "\n");
            json_out->commit();
        } catch (const std::runtime_error &e) {
            fmt::print(stderr, "iophase load: {}\n", e.what());
            return kExitFailure;
        }
    }
    const auto wanted = static_cast<std::uint64_t>(args.options.connections + args.options.idle);
    if (result.connect_failures > 0 || result.connections_established == 0) {
        const std::string reasons = load::describe_connect_failures(result);
        fmt::print(stderr, "iophase load: {} of {} connections to {} established{}{}\n",
                   result.connections_established, wanted, args.target,
                   reasons.empty() ? " (the run ended first)" : "; failed: ", reasons);
        if (result.connections_established == 0 || !args.options.allow_partial) {
            return kExitFailure;
        }
    }
    if (result.bad_replies > 0) {
        fmt::print(stderr, "iophase load: {} wrong repl{} from {}\n", result.bad_replies,
                   result.bad_replies == 1 ? "y" : "ies", args.target);
        return kExitFailure;
    }
    return kExitOk;
}

}  // namespace

void add_load_command(CLI::App &app, int &exit_code) {
    auto args = std::make_shared<LoadArgs>();
    load::Options &o = args->options;
    CLI::App *cmd = app.add_subcommand(
        "load",
        "Drive a server that speaks the demo protocol (echo, upload or download) and "
        "report throughput and latency percentiles; every reply is checked.");
    cmd->add_option("target", args->target, "The server, as HOST:PORT")->required();
    cmd->add_option("-c,--connections", o.connections,
                    "Active connections, each in a closed loop (default 1)")
        ->check(CLI::Range(1, 1'000'000));
    cmd->add_option("--idle", o.idle, "Extra connections held open doing nothing (default 0)")
        ->check(CLI::Range(0, 1'000'000));
    cmd->add_option("-s,--size", o.size,
                    "Echo message size in bytes, e.g. 64, 16K, 4M (default 64)")
        ->transform(CLI::AsSizeValue(false));
    auto *think =
        cmd->add_option("--think", o.think_ms, "Milliseconds between a reply and the next request")
            ->check(number_at_least(0, true));
    cmd->add_option("-d,--duration", o.duration_s,
                    "Run for this many seconds (default 10 unless --messages is given)")
        ->check(seconds_value());
    cmd->add_option("-n,--messages", o.messages, "Stop after this many replies in total")
        ->check(number_at_least(0, false));
    cmd->add_option("-r,--rate", o.rate,
                    "Open loop: send this many requests per second in total; latency counts "
                    "from when each request was due")
        ->check(number_at_least(0, false))
        ->excludes(think);
    cmd->add_option("--mode", args->mode,
                    "echo: upper-cased replies; upload/download: --bytes per round (default echo)")
        ->check(CLI::IsMember({"echo", "upload", "download"}));
    cmd->add_option("--bytes", o.transfer_bytes,
                    "Upload/download size per round, e.g. 1M (default 4M)")
        ->transform(CLI::AsSizeValue(false));
    cmd->add_option("--threads", o.threads,
                    "Threads, each with its share of the connections (default 1)")
        ->check(CLI::Range(1, 256));
    cmd->add_option("--json", args->json_path, "Write the results as JSON to FILE ('-' for stdout)")
        ->check(output_path());
    cmd->add_flag("--allow-partial", o.allow_partial,
                  "Run, and exit 0, even if not every connection can be established (the fd "
                  "limit, the local ports or the server refused some)");
    cmd->add_flag("--no-progress", args->no_progress,
                  "No progress line (it is drawn only when stdout is a terminal)");
    cmd->footer(
        "Examples:\n"
        "  iophase load 127.0.0.1:9000                      1 connection, 64-byte echoes, 10 s\n"
        "  iophase load 127.0.0.1:9000 -c 50 --idle 1000 -d 5\n"
        "  iophase load 127.0.0.1:9000 -c 20 -r 5000 -d 10  open loop, 5000 msgs/s\n"
        "  iophase load 127.0.0.1:9000 --mode download --bytes 64M -n 4\n"
        "  iophase load 127.0.0.1:9000 -n 100000 --json -   JSON on stdout\n"
        "Exit codes: 0 ok, 1 a wrong reply or a connection not established (see\n"
        "--allow-partial), 2 bad usage (also: more connections than the fd limit or the local\n"
        "ports allow).");
    cmd->callback([args, &exit_code] { exit_code = run_load(*args); });
}

}  // namespace iophase::cli
