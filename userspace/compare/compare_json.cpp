#include "compare/compare_json.h"

#include "report/json_report.h"

namespace iophase::compare {

namespace {

nlohmann::json optional_number(const std::optional<double> &value) {
    return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

nlohmann::json settings_to_json(const LoadSettings &load) {
    return {{"traffic", traffic_name(load.traffic)},
            {"connections", load.connections},
            {"idle", load.idle},
            {"size", load.size},
            {"think_ms", load.think_ms},
            {"transfer_bytes", load.transfer_bytes}};
}

}  // namespace

nlohmann::json row_to_json(const Row &row) {
    return {
        {"scenario", scenario_name(row.scenario)},
        {"variant", row.variant},
        {"model", row.model},
        {"load_settings", settings_to_json(row.load_settings)},
        {"status", status_name(row.status)},
        {"error", row.error},
        {"msgs_per_s", row.load.msgs_per_s},
        {"mb_per_s", row.load.mb_per_s},
        {"messages", row.load.messages},
        {"load_errors", row.load.errors},
        {"connections_established", row.load.connections_established},
        {"latency_p50_ns", row.load.p50_ns},
        {"latency_p99_ns", row.load.p99_ns},
        {"traced_ns", row.traced_ns},
        {"cpu_user_pct", row.cpu_user_pct},
        {"cpu_copy_pct", row.cpu_copy_pct},
        {"cpu_kernel_other_pct", row.cpu_kernel_other_pct},
        {"blocked_share", row.blocked_share},
        {"copy_share", row.copy_share},
        {"syscalls_per_msg", optional_number(row.syscalls_per_msg)},
        {"eagain_per_msg", optional_number(row.eagain_per_msg)},
        {"fds_watched_per_ready", optional_number(row.fds_watched_per_ready)},
        {"fds_scanned_per_ready", optional_number(row.fds_scanned_per_ready)},
        {"mux_cpu_ns_per_call", optional_number(row.mux_cpu_ns_per_call)},
        {"accepts", row.accepts},
        {"threads", row.threads},
        {"processes", row.processes},
        {"peak_rss_kb", row.peak_rss_kb},
        {"budget", budget_to_json(row.budget)},
        {"per_message_ns",
         {{"wait", row.per_message.wait_ns},
          {"runq", row.per_message.runq_ns},
          {"kernel", row.per_message.kernel_ns},
          {"copy", row.per_message.copy_ns},
          {"user", row.per_message.user_ns}}},
        {"label", row.label},
        {"expected_label", row.expected_label},
        {"label_matches", row.label_matches()},
        {"evidence", row.evidence},
    };
}

nlohmann::json compare_to_json(const CompareResult &result, bool with_reports) {
    nlohmann::json scenarios = nlohmann::json::array();
    for (Scenario scenario : result.plan.scenarios) {
        scenarios.push_back(scenario_name(scenario));
    }
    nlohmann::json runs = nlohmann::json::array();
    for (const RunRecord &run : result.runs) {
        nlohmann::json entry = {
            {"row", row_to_json(run.row)},
            {"request_timeline", run.request ? request_to_json(*run.request) : nullptr}};
        if (with_reports) {
            entry["load"] = run.load;
            entry["trace"] = run.trace;
        }
        runs.push_back(std::move(entry));
    }
    return {
        {"compare_schema_version", kCompareSchemaVersion},
        {"iophase_version", result.iophase_version},
        {"kernel", result.kernel},
        {"started_at", result.started_at},
        {"cpus", result.cpus},
        {"command", result.command},
        {"plan",
         {{"models", result.plan.models},
          {"scenarios", scenarios},
          {"idle_sweep", result.plan.idle_sweep},
          {"duration_s", result.plan.duration_s},
          {"bulk_duration_s", result.plan.bulk_duration_s}}},
        {"planned_runs", result.planned_runs},
        {"interrupted", result.interrupted},
        {"runs", runs},
    };
}

}  // namespace iophase::compare
