// `iophase compare`: every demo server under the same load, traced, side by side: a table per
// scenario, and optionally the full JSON and a self-contained HTML report.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <cstdio>
#include <memory>
#include <optional>
#include <sstream>

#include <fmt/format.h>

#include "catalog.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/output_file.h"
#include "cli/validators.h"
#include "compare/compare_json.h"
#include "compare/html_report.h"
#include "compare/runner.h"
#include "compare/table.h"
#include "tracer/preflight.h"

namespace iophase::cli {
namespace {

struct CompareArgs {
    std::string models = "all";
    std::string scenario;  // "" = the default set
    std::optional<double> duration_s;
    std::string json_path;
    std::string html_path;
    std::string idle_sweep;
    std::string command_line;
};

// The first Ctrl-C (or SIGTERM) lets the current run finish and writes what was measured;
// a second one ends the process at once.
std::atomic<bool> g_interrupt{false};

void on_interrupt(int) {
    if (g_interrupt.exchange(true)) {
        _exit(130);
    }
    static const char message[] =
        "\niophase compare: stopping after the current run (Ctrl-C again to quit now)\n";
    [[maybe_unused]] const ssize_t n = write(STDERR_FILENO, message, sizeof(message) - 1);
}

void install_interrupt_handlers() {
    struct sigaction sa {};
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
}

std::vector<std::string> split_commas(const std::string &text) {
    std::vector<std::string> parts;
    std::stringstream stream(text);
    std::string part;
    while (std::getline(stream, part, ',')) {
        if (!part.empty()) {
            parts.push_back(part);
        }
    }
    return parts;
}

// Turns the flags into a plan; throws std::invalid_argument with a one-line message.
compare::PlanOptions plan_from_args(const CompareArgs &args) {
    std::vector<std::string> models;
    if (args.models == "all") {
        for (const demo::ModelInfo &model : demo::models()) {
            models.emplace_back(model.name);
        }
    } else {
        for (const std::string &name : split_commas(args.models)) {
            if (demo::find_model(name) == nullptr) {
                throw std::invalid_argument(
                    fmt::format("unknown model '{}' for --models (see: iophase demo list)", name));
            }
            models.push_back(name);
        }
    }
    if (models.empty()) {
        throw std::invalid_argument("--models names no model (use all or m1,m2)");
    }

    compare::PlanOptions plan = compare::default_plan_options(models);
    if (args.scenario == "all") {
        plan.scenarios = compare::all_scenarios();
        plan.idle_sweep = compare::full_idle_sweep();
    } else if (!args.scenario.empty()) {
        plan.scenarios.clear();
        for (const std::string &name : split_commas(args.scenario)) {
            const auto scenario = compare::parse_scenario(name);
            if (!scenario) {
                throw std::invalid_argument(
                    fmt::format("unknown scenario '{}' for --scenario (echo, idle-fanin, bulk, "
                                "slow-clients or all)",
                                name));
            }
            plan.scenarios.push_back(*scenario);
        }
        plan.idle_sweep = compare::full_idle_sweep();
    }
    if (!args.idle_sweep.empty()) {
        plan.idle_sweep.clear();
        for (const std::string &item : split_commas(args.idle_sweep)) {
            int idle = -1;
            const auto [end, error] = std::from_chars(item.data(), item.data() + item.size(), idle);
            if (error != std::errc{} || end != item.data() + item.size() || idle < 0) {
                throw std::invalid_argument(fmt::format(
                    "--idle-sweep wants non-negative counts like 0,100,1000, not '{}'", item));
            }
            plan.idle_sweep.push_back(idle);
        }
    }
    if (plan.idle_sweep.empty()) {
        throw std::invalid_argument("--idle-sweep names no count (e.g. 0,100,1000)");
    }
    if (args.duration_s) {  // checked by seconds_value()
        plan.duration_s = *args.duration_s;
        plan.bulk_duration_s = *args.duration_s;
    }
    return plan;
}

// The flags as given, for the reports' "produced by" line.
std::string command_line_of(const CompareArgs &args) {
    std::string line = "iophase compare";
    if (args.models != "all") {
        line += " --models " + args.models;
    }
    if (!args.scenario.empty()) {
        line += " --scenario " + args.scenario;
    }
    if (args.duration_s) {
        line += fmt::format(" --duration {}", *args.duration_s);
    }
    if (!args.idle_sweep.empty()) {
        line += " --idle-sweep " + args.idle_sweep;
    }
    if (!args.json_path.empty()) {
        line += " --json " + args.json_path;
    }
    if (!args.html_path.empty()) {
        line += " --html " + args.html_path;
    }
    return line;
}

std::string run_title(const compare::RunSpec &spec) {
    std::string title(compare::scenario_name(spec.scenario));
    if (!spec.variant.empty()) {
        title += " " + spec.variant;
    }
    return title + " " + spec.model;
}

std::string outcome(const compare::Row &row) {
    switch (row.status) {
        case compare::RunStatus::NotApplicable:
            return "n/a";
        case compare::RunStatus::Failed:
            return "FAILED: " + row.error;
        case compare::RunStatus::Ok:
            break;
    }
    std::string text = fmt::format("{} msg/s", compare::format_rate(row.load.msgs_per_s));
    if (row.load.errors > 0) {
        text += fmt::format(", {} load errors", row.load.errors);
    }
    if (!row.label_matches()) {
        text += fmt::format(", label '{}' (expected {})", row.label, row.expected_label);
    }
    return text;
}

int run_compare(const CompareArgs &args) {
    compare::PlanOptions plan_options;
    try {
        plan_options = plan_from_args(args);
    } catch (const std::invalid_argument &e) {
        fmt::print(stderr, "iophase compare: {}\n", e.what());
        return kExitUsage;
    }
    // Open the outputs first: an unwritable path is reported before minutes of measuring.
    std::unique_ptr<OutputFile> json_out;
    std::unique_ptr<OutputFile> html_out;
    try {
        if (!args.json_path.empty()) {
            json_out = std::make_unique<OutputFile>(args.json_path);
        }
        if (!args.html_path.empty()) {
            html_out = std::make_unique<OutputFile>(args.html_path);
        }
    } catch (const std::runtime_error &e) {
        fmt::print(stderr, "iophase compare: {}\n", e.what());
        return kExitUsage;
    }
    if (const std::string error = preflight_error(preflight_checks()); !error.empty()) {
        fmt::print(stderr, "iophase compare: {}\n", error);
        return kExitFailure;
    }

    const std::vector<compare::RunSpec> plan = compare::build_plan(plan_options);
    install_interrupt_handlers();
    compare::RunnerOptions runner = compare::default_runner_options();
    runner.interrupt = &g_interrupt;
    runner.on_start = [](std::size_t index, std::size_t total, const compare::RunSpec &spec) {
        fmt::print(stderr, "[{}/{}] {} … ", index + 1, total, run_title(spec));
        std::fflush(stderr);
    };
    runner.on_done = [](std::size_t, std::size_t, const compare::RunRecord &record) {
        fmt::print(stderr, "{}\n", outcome(record.row));
    };
    compare::CompareResult result = compare::run_plan(plan_options, plan, runner);
    result.command = args.command_line;

    // With the JSON on stdout the tables go to stderr, so stdout stays one JSON document.
    const bool json_on_stdout = json_out && json_out->is_stdout();
    fmt::print(json_on_stdout ? stderr : stdout, "{}", compare::render_tables(result));
    int code = result.any_failed() || result.interrupted ? kExitFailure : kExitOk;
    try {
        if (json_out) {
            json_out->write(compare::compare_to_json(result).dump(
                                2, ' ', false, nlohmann::json::error_handler_t::replace) +
                            "\n");
            json_out->commit();
        }
        if (html_out) {
            html_out->write(compare::render_html(result));
            html_out->commit();
        }
    } catch (const std::runtime_error &e) {
        fmt::print(stderr, "iophase compare: {}\n", e.what());
        code = kExitFailure;
    }
    return code;
}

}  // namespace

void add_compare_command(CLI::App &app, int &exit_code) {
    auto args = std::make_shared<CompareArgs>();
    CLI::App *cmd = app.add_subcommand(
        "compare",
        "Run every demo server under the same load while tracing it, and compare the I/O "
        "models: a table per scenario, optionally JSON and a self-contained HTML report "
        "(needs root, like trace)");
    cmd->add_option("-m,--models", args->models,
                    "all, or a comma-separated list of models (see: iophase demo list)")
        ->capture_default_str();
    cmd->add_option("-s,--scenario", args->scenario,
                    "echo, idle-fanin, bulk, slow-clients, a comma-separated list, or all "
                    "(default: echo, idle-fanin at 0 and 1000 idle, bulk)");
    cmd->add_option("-d,--duration", args->duration_s,
                    "seconds of load per run (default: 3, bulk 1.5)")
        ->check(seconds_value());
    cmd->add_option("--json", args->json_path,
                    "write the full JSON (rows, load results, trace reports) to FILE, - for "
                    "stdout")
        ->check(output_path());
    cmd->add_option("--html", args->html_path, "write the self-contained HTML report to FILE")
        ->check(output_path());
    cmd->add_option("--idle-sweep", args->idle_sweep,
                    "idle connections of the idle-fanin runs, e.g. 0,100,1000,5000 (default: "
                    "0,1000; with --scenario: 0,100,1000,5000)");
    cmd->footer(
        "Examples:\n"
        "  sudo iophase compare                                  the default set, ~3 minutes\n"
        "  sudo iophase compare --scenario all --html r.html     everything, with the report\n"
        "  sudo iophase compare -m select,poll,epoll-lt -s idle-fanin --idle-sweep 0,300\n"
        "\n"
        "Exit codes: 0 every run measured, 1 a run failed or Ctrl-C stopped the plan early,\n"
        "2 bad usage. See docs/compare.md.");
    cmd->callback([args, &exit_code] {
        args->command_line = command_line_of(*args);
        exit_code = run_compare(*args);
    });
}

}  // namespace iophase::cli
