// The JSON form of a Report (docs/report.schema.json, explained in docs/report.md). Every time
// is an integer count of nanoseconds. report_from_json(report_to_json(r)) gives back r.
#pragma once

#include <nlohmann/json.hpp>

#include "model/report.h"

namespace iophase {

nlohmann::json report_to_json(const Report &report);

// One budget, every bucket of IOPHASE_BUDGET_BUCKETS and blocked_by; compare's JSON uses it too.
nlohmann::json budget_to_json(const Budget &budget);

// Throws nlohmann::json::exception on a missing or mistyped field and std::runtime_error on a
// schema_version this build does not read.
Report report_from_json(const nlohmann::json &json);

}  // namespace iophase
