// Interval snapshots (trace -i) while threads come and go: each snapshot lists every thread
// once and its process's buckets add up to its wall, though the BPF side folds exiting
// threads into their process while userspace reads.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <set>
#include <string>
#include <thread>

#include "support/subprocess.h"
#include "support/tracer_run.h"
#include "tracer/tracer.h"

namespace bpftest {
namespace {

using namespace std::chrono_literals;

class SnapshotTest : public BpfTest {};

TEST_F(SnapshotTest, SnapshotsOfAChurningProcessAreConsistent) {
    Subprocess churn(workload("thread-churn", {"--per-second", "2000", "--seconds", "3"}),
                     dir_.file("churn.out"), dir_.file("churn.err"));
    iophase::TraceOptions options;
    options.pids = {churn.pid()};
    auto tracer = iophase::Tracer::start(options);
    int snapshots = 0;
    for (int i = 0; i < 12; ++i) {
        std::this_thread::sleep_for(200ms);
        const iophase::Report report = tracer->snapshot();
        ASSERT_EQ(report.processes.size(), 1u);
        const iophase::ProcessReport &p = report.processes.front();
        std::set<pid_t> tids;
        for (const iophase::ThreadReport &t : p.threads) {
            if (t.folded_threads == 0) {
                EXPECT_TRUE(tids.insert(t.tid).second)
                    << "snapshot " << i << ": tid " << t.tid << " twice";
            }
        }
        const double wall = static_cast<double>(p.budget.wall_ns);
        const double accounted = static_cast<double>(p.budget.accounted_ns());
        EXPECT_NEAR(accounted, wall, 0.01 * wall) << "snapshot " << i;
        ++snapshots;
    }
    const iophase::Report final_report = tracer->stop();
    EXPECT_EQ(snapshots, 12);
    EXPECT_EQ(churn.wait_for(10s), 0);
    ASSERT_EQ(final_report.processes.size(), 1u);
    EXPECT_GT(final_report.processes.front().facts.threads_created, 1000u);
}

}  // namespace
}  // namespace bpftest
