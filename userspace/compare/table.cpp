#include "compare/table.h"

#include <cmath>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "compare/columns.h"
#include "model/format_numbers.h"

namespace iophase::compare {

namespace {

// One cell of the text table: padded to its column's width, set off from the previous one.
void append_cell(std::string &out, const Column &column, bool first, std::string_view text) {
    if (!first) {
        out += column.text_width == 0 ? "  " : " ";
    }
    if (column.text_width == 0) {
        out += text;
    } else if (column.left) {
        out += fmt::format("{:<{}}", text, column.text_width);
    } else {
        out += fmt::format("{:>{}}", text, column.text_width);
    }
}

// A line of the text table: the text `text_of` gives for each column it shows.
template <typename TextOf>
void append_line(std::string &out, TextOf text_of) {
    bool first = true;
    for (const Column &column : table_columns()) {
        if (!column.text_heading.empty()) {
            append_cell(out, column, first, text_of(column));
            first = false;
        }
    }
    out += "\n";
}

void append_header(std::string &out) {
    append_line(out, [](const Column &column) { return std::string(column.text_heading); });
}

void append_row(std::string &out, const Row &row) {
    if (row.status != RunStatus::Ok) {
        // Its name, then why it has no numbers.
        const std::vector<Column> &columns = table_columns();
        for (std::size_t i = 0; i < kIdentityColumns; ++i) {
            append_cell(out, columns[i], i == 0, columns[i].cell(row, Table::Text).text);
        }
        const std::string what =
            row.status == RunStatus::Failed ? "FAILED: " + row.error : row.error;
        out += " " + what + "\n";
        return;
    }
    append_line(out, [&row](const Column &column) { return column.cell(row, Table::Text).text; });
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
