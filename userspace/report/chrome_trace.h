// The timeline as Chrome trace event JSON ({"traceEvents": [...]}), which Perfetto UI and
// chrome://tracing open: one track per thread, a span per syscall, and inside and between
// them a span per state (user, kernel, copy, runq, blocked).
#pragma once

#include <nlohmann/json.hpp>

#include "model/report.h"
#include "model/timeline.h"

namespace iophase {

// `report` supplies process and thread names.
nlohmann::json timeline_to_chrome_trace(const Timeline &timeline, const Report &report);

}  // namespace iophase
