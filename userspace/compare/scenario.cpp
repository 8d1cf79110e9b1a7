#include "compare/scenario.h"

#include <sys/select.h>

#include <fmt/format.h>

namespace iophase::compare {

namespace {

constexpr int kEchoConnections = 50;
constexpr int kFaninActiveConnections = 10;
constexpr int kBulkConnections = 4;
constexpr std::size_t kBulkTransferBytes = 4u << 20;
constexpr int kSlowConnections = 200;
constexpr double kSlowThinkMs = 100;
constexpr std::size_t kSmallMessage = 64;

std::vector<RunSpec> variants_of(Scenario scenario, const PlanOptions &options) {
    std::vector<RunSpec> variants;
    RunSpec base;
    base.scenario = scenario;
    base.duration_s = options.duration_s;
    base.load.size = kSmallMessage;
    switch (scenario) {
        case Scenario::Echo:
            base.load.connections = kEchoConnections;
            variants.push_back(base);
            break;
        case Scenario::IdleFanin:
            base.load.connections = kFaninActiveConnections;
            for (int idle : options.idle_sweep) {
                RunSpec spec = base;
                spec.variant = fmt::format("idle={}", idle);
                spec.load.idle = idle;
                variants.push_back(spec);
            }
            break;
        case Scenario::Bulk:
            base.duration_s = options.bulk_duration_s;
            base.load.connections = kBulkConnections;
            base.load.transfer_bytes = kBulkTransferBytes;
            for (Traffic traffic : {Traffic::Upload, Traffic::Download}) {
                RunSpec spec = base;
                spec.variant = std::string(traffic_name(traffic));
                spec.load.traffic = traffic;
                variants.push_back(spec);
            }
            break;
        case Scenario::SlowClients:
            base.load.connections = kSlowConnections;
            base.load.think_ms = kSlowThinkMs;
            variants.push_back(base);
            break;
    }
    return variants;
}

}  // namespace

std::string_view scenario_name(Scenario scenario) {
    switch (scenario) {
        case Scenario::Echo:
            return "echo";
        case Scenario::IdleFanin:
            return "idle-fanin";
        case Scenario::Bulk:
            return "bulk";
        case Scenario::SlowClients:
            return "slow-clients";
    }
    return "?";
}

std::string_view scenario_purpose(Scenario scenario) {
    switch (scenario) {
        case Scenario::Echo:
            return "50 active clients, 64-byte messages, no think time: the per-message cost of "
                   "each model";
        case Scenario::IdleFanin:
            return "10 active clients plus N idle connections: select/poll pay for every idle "
                   "fd on every call, epoll does not";
        case Scenario::Bulk:
            return "4 clients moving 4 MiB per round (upload, download): the copy phase "
                   "dominates";
        case Scenario::SlowClients:
            return "200 clients thinking 100 ms between 64-byte messages: waiting dominates, "
                   "and a thread or process per connection costs memory";
    }
    return "";
}

std::optional<Scenario> parse_scenario(std::string_view name) {
    for (Scenario scenario : all_scenarios()) {
        if (scenario_name(scenario) == name) {
            return scenario;
        }
    }
    return std::nullopt;
}

const std::vector<Scenario> &all_scenarios() {
    static const std::vector<Scenario> scenarios = {Scenario::Echo, Scenario::IdleFanin,
                                                    Scenario::Bulk, Scenario::SlowClients};
    return scenarios;
}

std::string_view traffic_name(Traffic traffic) {
    switch (traffic) {
        case Traffic::Echo:
            return "echo";
        case Traffic::Upload:
            return "upload";
        case Traffic::Download:
            return "download";
    }
    return "?";
}

PlanOptions default_plan_options(const std::vector<std::string> &models) {
    PlanOptions options;
    options.models = models;
    options.scenarios = {Scenario::Echo, Scenario::IdleFanin, Scenario::Bulk};
    options.idle_sweep = {0, 1000};
    options.duration_s = 3;
    options.bulk_duration_s = 1.5;
    return options;
}

std::vector<int> full_idle_sweep() {
    return {0, 100, 1000, 5000};
}

std::vector<RunSpec> build_plan(const PlanOptions &options) {
    std::vector<RunSpec> plan;
    for (Scenario scenario : options.scenarios) {
        for (const RunSpec &variant : variants_of(scenario, options)) {
            for (const std::string &model : options.models) {
                RunSpec spec = variant;
                spec.model = model;
                const int fds_needed = spec.load.connections + spec.load.idle + kSelectFdSlack;
                if (model == "select" && fds_needed > FD_SETSIZE) {
                    spec.not_applicable = fmt::format(
                        "n/a: select cannot watch fds >= FD_SETSIZE ({}), this run "
                        "needs about {}",
                        FD_SETSIZE, fds_needed);
                }
                plan.push_back(std::move(spec));
            }
        }
    }
    return plan;
}

}  // namespace iophase::compare
