// The time budget: per thread, user + kernel copy + kernel other + blocked + runq == wall
// (within 1%), blocked split by reason without loss, and on-CPU time equal to the kernel's
// own schedstat account (within 5%).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/report_query.h"
#include "support/tracer_run.h"

namespace bpftest {
namespace {

class BudgetTest : public BpfTest {};

// On a CPU: its own work and the interrupt work run on top of it (which the scheduler charges
// to the thread too, without IRQ_TIME_ACCOUNTING).
std::uint64_t on_cpu_ns(const json &budget) {
    return field(budget, "user_ns") + field(budget, "kernel_copy_ns") +
           field(budget, "kernel_other_ns") + field(budget, "irq_net_rx_ns") +
           field(budget, "irq_other_ns");
}

void expect_budget_adds_up(const json &budget) {
    const std::uint64_t wall = field(budget, "wall_ns");
    const std::uint64_t accounted =
        on_cpu_ns(budget) + field(budget, "blocked_ns") + field(budget, "runq_ns");
    EXPECT_GT(wall, 0u) << budget.dump();
    EXPECT_NEAR(static_cast<double>(accounted), static_cast<double>(wall), 0.01 * wall)
        << budget.dump();

    std::uint64_t blocked_by_sum = 0;
    if (budget.contains("blocked_by")) {
        for (const auto &[reason, ns] : budget["blocked_by"].items()) {
            blocked_by_sum += ns.get<std::uint64_t>();
        }
    }
    EXPECT_EQ(field(budget, "blocked_ns"), blocked_by_sum) << budget.dump();
}

TEST_F(BudgetTest, ThreadBudgetsAddUpToWall) {
    // One workload that burns, naps and competes for the 2 CPUs (runq), one that blocks in
    // recv: between them every bucket of the budget gets time.
    const std::vector<std::vector<std::string>> workloads{
        {"cpu-burn", "--threads", "3", "--burn-ms", "150", "--nap-ms", "10"},
        {"blocking-recv", "--delay-ms", "100", "--repeat", "2"},
    };
    for (const auto &args : workloads) {
        SCOPED_TRACE(args[0]);
        const auto facts_path = dir_.file("facts.txt");
        std::vector<std::string> workload_args(args.begin() + 1, args.end());
        workload_args.insert(workload_args.end(), {"--facts", facts_path});
        const auto result = run_trace(dir_, {}, workload(args[0], workload_args));
        ASSERT_TRACE_OK(result);
        const json *process = find_process(result.report, fact(read_facts(facts_path), "pid"));
        ASSERT_NE(process, nullptr) << "workload pid missing from the report";

        ASSERT_TRUE((*process)["threads"].is_array());
        EXPECT_GE((*process)["threads"].size(), 2u) << "main thread and its helper threads";
        for (const auto &thread : (*process)["threads"]) {
            SCOPED_TRACE("tid " + std::to_string(thread.value("tid", 0)));
            expect_budget_adds_up(thread["budget"]);
        }
        SCOPED_TRACE("process budget");
        expect_budget_adds_up((*process)["budget"]);
    }
}

TEST_F(BudgetTest, OnCpuTimeMatchesSchedstat) {
    const auto facts_path = dir_.file("facts.txt");
    const auto result = run_trace(dir_, {},
                                  workload("cpu-burn", {"--threads", "2", "--burn-ms", "300",
                                                        "--nap-ms", "10", "--facts", facts_path}));
    ASSERT_TRACE_OK(result);
    const auto facts = read_facts(facts_path);
    ASSERT_EQ(facts.count("status"), 1u) << "the workload did not finish";
    const json *process = find_process(result.report, fact(facts, "pid"));
    ASSERT_NE(process, nullptr) << "workload pid missing from the report";

    for (long long i = 0; i < fact(facts, "threads"); ++i) {
        const std::string prefix = "thread." + std::to_string(i);
        const long long tid = fact(facts, prefix + ".tid");
        const auto schedstat_ns = static_cast<double>(fact(facts, prefix + ".on_cpu_ns"));
        SCOPED_TRACE("tid " + std::to_string(tid));
        ASSERT_GT(schedstat_ns, 250e6) << "the thread did not burn its 300 ms";
        const json *thread = find_thread(*process, tid);
        ASSERT_NE(thread, nullptr) << "thread missing from threads[]";
        EXPECT_NEAR(static_cast<double>(on_cpu_ns((*thread)["budget"])), schedstat_ns,
                    0.05 * schedstat_ns)
            << (*thread)["budget"].dump();
    }
}

}  // namespace
}  // namespace bpftest
