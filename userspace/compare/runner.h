// Runs the compare plan: per run, start the demo server, trace it, drive it with the load
// generator, stop everything and derive the row. A failing run becomes a row with its error
// and the plan goes on.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <vector>

#include "compare/result.h"
#include "compare/scenario.h"

namespace iophase::compare {

struct RunnerOptions {
    // The server and the load generator run on different CPUs when there are two or more,
    // so they do not take turns on one core; -1 leaves a side unpinned.
    int server_cpu = -1;
    int load_cpu = -1;
    // Called before and after each run (index counts from 0).
    std::function<void(std::size_t index, std::size_t total, const RunSpec &spec)> on_start;
    std::function<void(std::size_t index, std::size_t total, const RunRecord &record)> on_done;
    // Set (e.g. by SIGINT) to stop after the current run.
    const std::atomic<bool> *interrupt = nullptr;
};

// CPUs for the server and the load generator on this machine.
RunnerOptions default_runner_options();

RunRecord run_one(const RunSpec &spec, const RunnerOptions &options);

// Runs the plan in order; the result says whether it was interrupted.
CompareResult run_plan(const PlanOptions &plan_options, const std::vector<RunSpec> &plan,
                       const RunnerOptions &options);

}  // namespace iophase::compare
