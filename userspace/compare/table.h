// The text rendering of a comparison: one table per scenario, a row per model (and
// variant), as printed at the end of `iophase compare`.
#pragma once

#include <optional>
#include <string>

#include "compare/result.h"

namespace iophase::compare {

std::string render_tables(const CompareResult &result);

// Number formatting shared by the table, the progress line and the HTML report.
std::string format_rate(double per_second);                    // 41230.4 -> "41,230"
std::string format_ratio(const std::optional<double> &value);  // "-" when absent
std::string format_latency(std::uint64_t ns);                  // "85 us", "1.20 ms"

}  // namespace iophase::compare
