// The compare experiment's plan: which scenarios exist, the load each one applies (the same
// for every model), and the list of runs a set of flags expands to.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace iophase::compare {

enum class Scenario { Echo, IdleFanin, Bulk, SlowClients };

std::string_view scenario_name(Scenario scenario);
std::optional<Scenario> parse_scenario(std::string_view name);
const std::vector<Scenario> &all_scenarios();
// One sentence on what the scenario shows, for tables and the HTML report.
std::string_view scenario_purpose(Scenario scenario);

enum class Traffic { Echo, Upload, Download };
std::string_view traffic_name(Traffic traffic);

// What the load generator does in one run; identical for every model of a scenario variant.
struct LoadSettings {
    Traffic traffic = Traffic::Echo;
    int connections = 1;             // active clients, closed loop
    int idle = 0;                    // extra connections held open doing nothing
    std::size_t size = 64;           // echo payload bytes
    double think_ms = 0;             // pause between a reply and the next request
    std::size_t transfer_bytes = 0;  // upload/download bytes per round
};

struct RunSpec {
    Scenario scenario = Scenario::Echo;
    std::string variant;  // "" for echo, "idle=1000", "upload", "download"
    std::string model;
    LoadSettings load;
    double duration_s = 1;
    std::string not_applicable;  // non-empty: the run is skipped for this reason
};

// select(2) can only watch fds below FD_SETSIZE; these many fds of the server are not
// connections (stdio, listener, demo bookkeeping) and must fit as well.
inline constexpr int kSelectFdSlack = 8;

struct PlanOptions {
    std::vector<std::string> models;
    std::vector<Scenario> scenarios;
    std::vector<int> idle_sweep;
    double duration_s = 1;       // per run
    double bulk_duration_s = 1;  // per bulk run
};

// The default when `iophase compare` has no arguments: sized to finish in about 3 minutes
// on a 2-core machine.
PlanOptions default_plan_options(const std::vector<std::string> &models);
// The plan of `--scenario all`.
std::vector<int> full_idle_sweep();

// Every run, scenario by scenario, variant by variant, model by model.
std::vector<RunSpec> build_plan(const PlanOptions &options);

// The label the classifier must give a demo of this model.
inline std::string expected_label(const std::string &model) {
    return model;
}

}  // namespace iophase::compare
