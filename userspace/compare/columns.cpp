#include "compare/columns.h"

#include <cstdint>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "compare/table.h"

namespace iophase::compare {

namespace {

constexpr double kKibPerMib = 1024.0;

// A name the row carries, as it is.
template <std::string Row::*field>
Cell name(const Row &row, Table) {
    return {row.*field};
}

template <std::uint64_t LoadSummary::*field>
Cell latency(const Row &row, Table) {
    return {format_latency(row.load.*field)};
}

// A ratio the row has only where it means something ("-" elsewhere).
template <std::optional<double> Row::*field>
Cell ratio(const Row &row, Table) {
    return {format_ratio(row.*field)};
}

Cell msgs_per_s(const Row &row, Table) {
    return {format_rate(row.load.msgs_per_s)};
}

Cell cpu_split(const Row &row, Table) {
    return {fmt::format("{:.0f}/{:.0f}/{:.0f}", row.cpu_user_pct, row.cpu_copy_pct,
                        row.cpu_kernel_other_pct)};
}

// The text table has room for a decimal here; the HTML table rounds to whole percent.
Cell blocked(const Row &row, Table table) {
    return {fmt::format("{:.{}f}", 100.0 * row.blocked_share, table == Table::Text ? 1 : 0)};
}

Cell copying(const Row &row, Table) {
    return {fmt::format("{:.1f}", 100.0 * row.copy_share)};
}

Cell threads_and_processes(const Row &row, Table) {
    return {fmt::format("{}/{}", row.threads, row.processes)};
}

Cell peak_rss_mb(const Row &row, Table) {
    return {fmt::format("{:.1f}", static_cast<double>(row.peak_rss_kb) / kKibPerMib)};
}

Cell label(const Row &row, Table table) {
    if (row.label_matches()) {
        return {row.label};
    }
    const std::string shown = row.label.empty() ? "(none)" : row.label;
    if (table == Table::Text) {
        return {fmt::format("{} MISMATCH (expected {})", shown, row.expected_label), true};
    }
    return {fmt::format("{} ≠ expected {}", shown, row.expected_label), true};
}

}  // namespace

const std::vector<Column> &table_columns() {
    static const std::vector<Column> columns = {
        {.heading = "model",
         .text_heading = "model",
         .text_width = 24,
         .left = true,
         .cell = name<&Row::model>},
        {.heading = "variant",
         .text_heading = "variant",
         .text_width = 10,
         .left = true,
         .cell = name<&Row::variant>},
        {.heading = "msgs/s", .text_heading = "msgs/s", .text_width = 9, .cell = msgs_per_s},
        {.heading = "p50",
         .text_heading = "p50",
         .text_width = 9,
         .cell = latency<&LoadSummary::p50_ns>},
        {.heading = "p99",
         .text_heading = "p99",
         .text_width = 9,
         .cell = latency<&LoadSummary::p99_ns>},
        {.heading = "CPU % u/cp/k",
         .text_heading = "cpu% u/cp/k",
         .text_width = 12,
         .title = "server CPU as % of one core: user / kernel copy / kernel other",
         .cell = cpu_split},
        {.heading = "blocked",
         .text_heading = "block%",
         .text_width = 7,
         .unit = "%",
         .cell = blocked},
        {.heading = "copying",
         .text_heading = "copy%",
         .text_width = 6,
         .unit = "%",
         .cell = copying},
        {.heading = "sys/msg",
         .text_heading = "sys/msg",
         .text_width = 8,
         .cell = ratio<&Row::syscalls_per_msg>},
        {.heading = "EAGAIN/msg",
         .text_heading = "EAGAIN/m",
         .text_width = 8,
         .cell = ratio<&Row::eagain_per_msg>},
        {.heading = "scanned/ready",
         .text_heading = "fds/ready",
         .text_width = 9,
         .title = "fds the kernel scans per ready fd",
         .cell = ratio<&Row::fds_scanned_per_ready>},
        {.heading = "watched/ready",
         .title = "fds each call covers per ready fd",
         .cell = ratio<&Row::fds_watched_per_ready>},
        {.heading = "ns/mux call",
         .title = "kernel on-CPU ns per multiplexer call",
         .cell = ratio<&Row::mux_cpu_ns_per_call>},
        {.heading = "thr/proc",
         .text_heading = "thr/proc",
         .text_width = 9,
         .cell = threads_and_processes},
        {.heading = "peak RSS",
         .text_heading = "RSS MB",
         .text_width = 8,
         .unit = " MB",
         .cell = peak_rss_mb},
        {.heading = "label", .text_heading = "label", .left = true, .cell = label},
    };
    return columns;
}

}  // namespace iophase::compare
