// iophase: where a network server's time goes, measured with eBPF.
#include <cstdio>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/exit_codes.h"

namespace {

// A first word that names no command leaves CLI11 saying only "A subcommand is required":
// name the word and the commands instead. Returns false when that was not the mistake.
bool report_unknown_command(const CLI::App &app) {
    if (!app.get_subcommands().empty() || app.remaining().empty()) {
        return false;
    }
    std::string names;
    for (const CLI::App *command : app.get_subcommands({})) {
        names += (names.empty() ? "" : ", ") + command->get_name();
    }
    std::fprintf(stderr, "iophase: unknown command '%s' (one of: %s; see --help)\n",
                 app.remaining().front().c_str(), names.c_str());
    return true;
}

}  // namespace

int main(int argc, char **argv) {
    CLI::App app{
        "iophase: where a network server's time goes (blocked waiting, copying, on CPU, in the\n"
        "run queue), per process and thread, measured with eBPF on kernel tracepoints.",
        "iophase"};
    app.set_version_flag("--version", IOPHASE_VERSION);
    app.require_subcommand(1);
    // One line per error, as every iophase error is.
    app.failure_message([](const CLI::App *, const CLI::Error &e) {
        return std::string("iophase: ") + e.what() + " (see --help)\n";
    });
    app.footer(
        "Examples:\n"
        "  sudo iophase check                         can tracing work on this machine?\n"
        "  sudo iophase trace -p 1234 -d 10           trace a running process for 10 s\n"
        "  sudo iophase trace --json r.json -- ./srv  start a command and trace it\n"
        "  iophase report r.json                      the table of a saved JSON report\n"
        "  iophase demo list                          the demo servers, one per I/O model\n"
        "  iophase load 127.0.0.1:9000 -c 50 -d 5     drive a demo server\n"
        "  sudo iophase compare                       every I/O model, measured side by side\n"
        "\n"
        "Exit codes: 0 ok, 1 runtime failure, 2 bad usage or unknown target,\n"
        "127 the command to trace could not be started.");

    int exit_code = iophase::cli::kExitOk;
    iophase::cli::add_trace_command(app, exit_code);
    iophase::cli::add_check_command(app, exit_code);
    iophase::cli::add_demo_command(app, exit_code);
    iophase::cli::add_load_command(app, exit_code);
    iophase::cli::add_compare_command(app, exit_code);
    iophase::cli::add_report_command(app, exit_code);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError &e) {
        if (report_unknown_command(app)) {
            return iophase::cli::kExitUsage;
        }
        const int code = app.exit(e);
        return code == 0 ? iophase::cli::kExitOk : iophase::cli::kExitUsage;
    }
    return exit_code;
}
