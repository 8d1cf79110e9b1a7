// `iophase report FILE`: the table of a JSON report written earlier by `trace --json`, read
// back and rendered as `trace` prints it (the way `perf report` reads `perf record`'s file).
#include <unistd.h>

#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "report/json_report.h"
#include "report/text_report.h"

namespace iophase::cli {
namespace {

struct ReportArgs {
    std::string path;
    bool threads = false;
    int processes = 10;
};

int run_report(const ReportArgs &args) {
    std::ifstream in(args.path);
    if (!in) {
        fmt::print(stderr, "iophase: cannot read {}\n", args.path);
        return kExitUsage;
    }
    Report report;
    try {
        report = report_from_json(nlohmann::json::parse(in));
    } catch (const std::exception &e) {
        fmt::print(stderr, "iophase: {} is not an iophase report: {}\n", args.path, e.what());
        return kExitUsage;
    }
    TextOptions options;
    options.threads = args.threads;
    options.max_processes = args.processes;
    options.color = isatty(STDOUT_FILENO) != 0;
    std::cout << render_text(report, options) << std::flush;
    return kExitOk;
}

}  // namespace

void add_report_command(CLI::App &app, int &exit_code) {
    auto args = std::make_shared<ReportArgs>();
    CLI::App *cmd = app.add_subcommand(
        "report", "Print the table of a JSON report saved by `iophase trace --json FILE`.");
    cmd->add_option("file", args->path, "The JSON report")->required();
    cmd->add_flag("--threads", args->threads, "Per-thread budgets too");
    cmd->add_option("--processes", args->processes, "Processes shown in full (default 10; 0: all)")
        ->check(CLI::NonNegativeNumber);
    cmd->footer(
        "Examples:\n  sudo iophase trace -p 1234 -d 10 --json r.json\n  iophase report r.json "
        "--threads\nExit codes: 0 ok, 2 the file cannot be read or is no report of this "
        "schema version.");
    cmd->callback([&exit_code, args] { exit_code = run_report(*args); });
}

}  // namespace iophase::cli
