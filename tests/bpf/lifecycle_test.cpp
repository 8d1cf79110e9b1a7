// Processes and threads coming and going: a target that exits mid-trace keeps its data, and
// with `-- CMD` children forked and threads started later are traced.
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <string>

#include "support/report_query.h"
#include "support/subprocess.h"
#include "support/tracer_run.h"

namespace bpftest {
namespace {

using std::chrono::seconds;

class LifecycleTest : public BpfTest {};

TEST_F(LifecycleTest, ProcessExitingMidTraceKeepsItsData) {
    // Both start their clocks on SIGUSR1, sent once iophase has attached; then the short-lived
    // one exits after 300 ms, in the middle of the 1.5 s trace.
    Subprocess short_lived(workload("pipe-activity", {"--run-ms", "300", "--wait-for-sigusr1", "1",
                                                      "--facts", dir_.file("short.facts")}),
                           dir_.file("short.out"), dir_.file("short.err"));
    Subprocess long_lived(
        workload("pipe-activity", {"--run-ms", "5000", "--wait-for-sigusr1", "1"}),
        dir_.file("long.out"), dir_.file("long.err"));
    ASSERT_TRUE(waits_for_signal(short_lived.pid()) && waits_for_signal(long_lived.pid()));
    TraceRun trace(
        dir_, {"-p", std::to_string(short_lived.pid()) + "," + std::to_string(long_lived.pid()),
               "-d", "1.5"});
    wait_until_attached(dir_);
    ::kill(short_lived.pid(), SIGUSR1);
    ::kill(long_lived.pid(), SIGUSR1);
    // Reap the short one as soon as it exits, so it does not linger as a zombie.
    EXPECT_EQ(short_lived.wait_for(seconds(5)), 0) << read_text(dir_.file("short.err"));
    const auto result = trace.finish();
    long_lived.kill();
    ASSERT_TRACE_OK(result);

    const json *gone = find_process(result.report, short_lived.pid());
    ASSERT_NE(gone, nullptr) << "the process that exited is missing from the report\n"
                             << result.stderr_text;
    EXPECT_TRUE(gone->value("exited", false));
    const auto writes = sum_syscalls((*gone)["syscalls"], {"write"}, "pipe");
    const auto reads = sum_syscalls((*gone)["syscalls"], {"read"}, "pipe");
    // All of its activity came after the attach, so every call is there.
    const auto round_trips =
        static_cast<std::uint64_t>(fact(read_facts(dir_.file("short.facts")), "round_trips"));
    EXPECT_GT(round_trips, 0u);
    EXPECT_EQ(reads.count, round_trips) << describe_syscalls((*gone)["syscalls"]);
    // (>=: a sanitizer runtime adds a few pipe writes of its own to probe memory.)
    EXPECT_GE(writes.count, round_trips);

    const json *alive = find_process(result.report, long_lived.pid());
    ASSERT_NE(alive, nullptr) << "the process still running is missing from the report";
    EXPECT_FALSE(alive->value("exited", true));
    EXPECT_GT(sum_syscalls((*alive)["syscalls"], {"write"}, "pipe").count, 0u);
}

TEST_F(LifecycleTest, ForkedChildAndNewThreadAreFollowed) {
    constexpr int kWrites = 20;
    const auto facts_path = dir_.file("facts.txt");
    const auto result = run_trace(
        dir_, {},
        workload("fork-and-thread", {"--writes", std::to_string(kWrites), "--facts", facts_path}));
    ASSERT_TRACE_OK(result);
    const auto facts = read_facts(facts_path);
    ASSERT_EQ(facts.count("status"), 1u) << "the workload did not finish";
    const long long pid = fact(facts, "pid");
    const json *parent = find_process(result.report, pid);
    ASSERT_NE(parent, nullptr) << "workload pid missing from the report";

    const json *thread = find_thread(*parent, fact(facts, "thread_tid"));
    EXPECT_NE(thread, nullptr) << "the thread started after start is missing from threads[]";

    const json *child = find_process(result.report, fact(facts, "child_pid"));
    ASSERT_NE(child, nullptr) << "the forked child is missing from processes[]";
    EXPECT_EQ(child->value("parent_pid", 0LL), pid);
    EXPECT_TRUE(child->value("exited", false));
    EXPECT_EQ(sum_syscalls((*child)["syscalls"], {"write"}, "pipe").count, kWrites)
        << describe_syscalls((*child)["syscalls"]);
}

}  // namespace
}  // namespace bpftest
