#include "compare/table.h"

#include <cmath>

#include <fmt/format.h>

#include "model/format_numbers.h"

namespace iophase::compare {

namespace {

constexpr double kKibPerMib = 1024.0;

std::string label_cell(const Row &row) {
    if (row.label_matches()) {
        return row.label;
    }
    const std::string shown = row.label.empty() ? "(none)" : row.label;
    return fmt::format("{} MISMATCH (expected {})", shown, row.expected_label);
}

std::string cpu_cell(const Row &row) {
    return fmt::format("{:.0f}/{:.0f}/{:.0f}", row.cpu_user_pct, row.cpu_copy_pct,
                       row.cpu_kernel_other_pct);
}

void append_header(std::string &out) {
    out += fmt::format(
        "{:<24} {:<10} {:>9} {:>9} {:>9} {:>12} {:>7} {:>6} {:>8} {:>8} "
        "{:>9} {:>9} {:>8}  {}\n",
        "model", "variant", "msgs/s", "p50", "p99", "cpu% u/cp/k", "block%", "copy%", "sys/msg",
        "EAGAIN/m", "fds/ready", "thr/proc", "RSS MB", "label");
}

void append_row(std::string &out, const Row &row) {
    if (row.status != RunStatus::Ok) {
        const std::string what =
            row.status == RunStatus::Failed ? "FAILED: " + row.error : row.error;
        out += fmt::format("{:<24} {:<10} {}\n", row.model, row.variant, what);
        return;
    }
    out += fmt::format(
        "{:<24} {:<10} {:>9} {:>9} {:>9} {:>12} {:>7.1f} {:>6.1f} {:>8} {:>8} {:>9} {:>9} "
        "{:>8.1f}  {}\n",
        row.model, row.variant, format_rate(row.load.msgs_per_s), format_latency(row.load.p50_ns),
        format_latency(row.load.p99_ns), cpu_cell(row), 100.0 * row.blocked_share,
        100.0 * row.copy_share, format_ratio(row.syscalls_per_msg),
        format_ratio(row.eagain_per_msg), format_ratio(row.fds_scanned_per_ready),
        fmt::format("{}/{}", row.threads, row.processes),
        static_cast<double>(row.peak_rss_kb) / kKibPerMib, label_cell(row));
}

}  // namespace

std::string format_rate(double per_second) {
    if (!(per_second > 0)) {
        return "0";
    }
    return with_commas(static_cast<std::uint64_t>(std::llround(per_second)));
}

std::string format_ratio(const std::optional<double> &value) {
    if (!value) {
        return "-";
    }
    if (*value >= 100) {
        return with_commas(static_cast<std::uint64_t>(std::llround(*value)));
    }
    if (*value >= 10) {
        return fmt::format("{:.1f}", *value);
    }
    return fmt::format("{:.2f}", *value);
}

std::string format_latency(std::uint64_t ns) {
    if (ns == 0) {
        return "-";
    }
    return human_duration(static_cast<double>(ns));
}

std::string render_tables(const CompareResult &result) {
    std::string out;
    for (Scenario scenario : result.plan.scenarios) {
        bool any = false;
        for (const RunRecord &run : result.runs) {
            any = any || run.row.scenario == scenario;
        }
        if (!any) {
            continue;
        }
        out += fmt::format("\n== {} — {}\n", scenario_name(scenario), scenario_purpose(scenario));
        append_header(out);
        for (const RunRecord &run : result.runs) {
            if (run.row.scenario == scenario) {
                append_row(out, run.row);
            }
        }
    }
    out +=
        "\ncpu% u/cp/k: server CPU as % of one core: user / kernel copy / kernel other. "
        "block%, copy%: share of the\nserver threads' summed wall time asleep and copying. "
        "fds/ready: fds the kernel scans per ready fd (select/poll: all it is given; epoll: its "
        "ready list).\n";
    if (result.interrupted) {
        out += fmt::format("\ninterrupted: {} of {} runs done\n", result.runs.size(),
                           result.planned_runs);
    }
    return out;
}

}  // namespace iophase::compare
