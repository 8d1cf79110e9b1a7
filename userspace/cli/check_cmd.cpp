// `iophase check`: can tracing work here? Runs the cheap checks, then really loads and
// attaches the BPF programs (tracing nothing) to prove it.
#include <memory>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "tracer/loader.h"
#include "tracer/preflight.h"
#include "tracer/tracer.h"

namespace iophase::cli {
namespace {

int run_check(bool verbose) {
    if (verbose) {
        pass_libbpf_log_through();
    }
    bool all_ok = true;
    auto show = [&all_ok](const std::string &name, bool ok, const std::string &detail) {
        fmt::print("{:<12} {:<4} {}\n", name, ok ? "ok" : "FAIL", detail);
        all_ok = all_ok && ok;
    };
    const auto checks = preflight_checks();
    for (const auto &check : checks) {
        show(check.name, check.ok, check.detail);
    }
    if (preflight_error(checks).empty()) {
        try {
            auto tracer = Tracer::start(TraceOptions{});
            const Report report = tracer->stop();
            show("bpf", true,
                 "programs load and attach (tp_btf: syscalls, scheduler, process lifetime, "
                 "copy brackets, interrupts, io_uring, signals; a task iterator)");
            for (const auto &missing : report.health.unavailable) {
                show("coverage", true, "not measured: " + missing);
            }
        } catch (const TraceError &e) {
            show("bpf", false, e.what());
        }
    } else {
        show("bpf", false, "not tried: fix the failures above first");
    }
    return all_ok ? kExitOk : kExitFailure;
}

}  // namespace

void add_check_command(CLI::App &app, int &exit_code) {
    CLI::App *cmd = app.add_subcommand(
        "check",
        "Check that tracing can work here: privileges, kernel BTF, lockdown, and a "
        "real load and attach of the BPF programs.");
    auto verbose = std::make_shared<bool>(false);
    cmd->add_flag("-v,--verbose", *verbose,
                  "Pass libbpf's whole log through to stderr (also: IOPHASE_LIBBPF_LOG=1)");
    cmd->footer(
        "Examples:\n  sudo iophase check\n  sudo iophase check --verbose   libbpf's and the "
        "verifier's log too\nExit codes: 0 all checks passed, 1 one failed.");
    cmd->callback([&exit_code, verbose] { exit_code = run_check(*verbose); });
}

}  // namespace iophase::cli
