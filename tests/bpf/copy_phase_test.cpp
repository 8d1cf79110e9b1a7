// The copy phase (from the first skb_copy_datagram_iovec to the syscall's exit): a large
// message already queued is all copy; a small message that had to be waited for is all wait.
#include <gtest/gtest.h>

#include "support/report_query.h"
#include "support/tracer_run.h"

namespace bpftest {
namespace {

class CopyPhaseTest : public BpfTest {};

TEST_F(CopyPhaseTest, LargeQueuedMessageIsCopiedNotWaitedFor) {
    constexpr long long kBytes = 1 << 20;
    const auto facts_path = dir_.file("facts.txt");
    const auto result = run_trace(
        dir_, {},
        workload("large-recv", {"--bytes", std::to_string(kBytes), "--facts", facts_path}));
    ASSERT_TRACE_OK(result);
    const auto facts = read_facts(facts_path);
    ASSERT_EQ(fact(facts, "queued_before_recv"), kBytes)
        << "the message was not fully queued before the recv; the scenario did not happen";
    const json *process = find_process(result.report, fact(facts, "pid"));
    ASSERT_NE(process, nullptr) << "workload pid missing from the report";

    const auto recv = sum_syscalls((*process)["syscalls"], {"recvfrom"});
    EXPECT_EQ(recv.count, 1u) << describe_syscalls((*process)["syscalls"]);
    EXPECT_EQ(recv.bytes, static_cast<std::uint64_t>(kBytes));
    EXPECT_GT(recv.copy_ns, 0u);
    EXPECT_LE(recv.wait_ns, recv.copy_ns) << "the data was already there: little or no wait";
}

TEST_F(CopyPhaseTest, WaitedForMessageIsMostlyWait) {
    const auto facts_path = dir_.file("facts.txt");
    const auto result = run_trace(
        dir_, {},
        workload("blocking-recv",
                 {"--delay-ms", "200", "--bytes", "1000", "--repeat", "2", "--facts", facts_path}));
    ASSERT_TRACE_OK(result);
    const auto facts = read_facts(facts_path);
    const json *process = find_process(result.report, fact(facts, "pid"));
    ASSERT_NE(process, nullptr) << "workload pid missing from the report";

    const auto recv = sum_syscalls((*process)["syscalls"], {"recvfrom"});
    EXPECT_EQ(recv.count, 2u) << describe_syscalls((*process)["syscalls"]);
    EXPECT_GT(recv.copy_ns, 0u) << "1000 bytes were copied after the wait";
    EXPECT_GT(recv.wait_ns, 100 * recv.copy_ns);
}

}  // namespace
}  // namespace bpftest
