// The JSON document of a comparison (compare_schema_version 1): the plan, and per run the
// derived row, the load generator's result and the full trace report. docs/compare.md
// explains every field.
#pragma once

#include <nlohmann/json.hpp>

#include "compare/result.h"

namespace iophase::compare {

nlohmann::json row_to_json(const Row &row);
// with_reports=false leaves out the per-run trace and load documents (the HTML report embeds
// only the rows).
nlohmann::json compare_to_json(const CompareResult &result, bool with_reports = true);

}  // namespace iophase::compare
