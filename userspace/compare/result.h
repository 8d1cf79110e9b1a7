// Everything one `iophase compare` measured: a record per run, in plan order.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "compare/request_timeline.h"
#include "compare/row.h"
#include "compare/scenario.h"

namespace iophase::compare {

inline constexpr int kCompareSchemaVersion = 1;

struct RunRecord {
    Row row;
    nlohmann::json trace;  // the run's full trace report (report_to_json), null if none
    nlohmann::json load;   // the load generator's result (load::to_json), null if none
    std::optional<RequestTimeline> request;  // one measured request, if the timeline had one
};

struct CompareResult {
    std::string iophase_version;
    std::string kernel;
    std::string started_at;  // ISO 8601 UTC
    int cpus = 0;
    std::string command;  // the command line that produced it
    PlanOptions plan;
    std::vector<RunRecord> runs;
    std::size_t planned_runs = 0;
    bool interrupted = false;  // Ctrl-C: the runs after the interrupted one are missing

    bool any_failed() const {
        for (const RunRecord &run : runs) {
            if (run.row.status == RunStatus::Failed) {
                return true;
            }
        }
        return false;
    }
};

}  // namespace iophase::compare
