// Wall-clock timestamps for reports.
#pragma once

#include <string>

namespace iophase {

// Now, as ISO 8601 UTC with seconds: "2026-11-23T01:34:15Z".
std::string utc_now_iso8601();

}  // namespace iophase
