// Receive calls: a known delay shows up as wait, known counts and bytes show up exactly, and
// EAGAIN polling shows no wait at all.
#include <gtest/gtest.h>

#include "support/report_query.h"
#include "support/tracer_run.h"

namespace bpftest {
namespace {

constexpr std::uint64_t kMs = 1'000'000;

class RecvTest : public BpfTest {};

TEST_F(RecvTest, BlockingRecvWaitsForThePeersDelay) {
    constexpr int kRepeat = 3;
    constexpr int kBytes = 1000;
    constexpr std::uint64_t kDelayNs = 200 * kMs;
    const auto facts_path = dir_.file("facts.txt");
    const auto result = run_trace(
        dir_, {},
        workload("blocking-recv", {"--delay-ms", "200", "--bytes", std::to_string(kBytes),
                                   "--repeat", std::to_string(kRepeat), "--facts", facts_path}));
    ASSERT_TRACE_OK(result);
    const auto facts = read_facts(facts_path);
    ASSERT_EQ(facts.count("status"), 1u) << "the workload did not finish";
    const json *process = find_process(result.report, fact(facts, "pid"));
    ASSERT_NE(process, nullptr) << "workload pid missing from the report";

    const auto recv = sum_syscalls((*process)["syscalls"], {"recvfrom"});
    EXPECT_EQ(recv.count, kRepeat) << describe_syscalls((*process)["syscalls"]);
    EXPECT_EQ(recv.bytes, std::uint64_t{kRepeat} * kBytes);
    ASSERT_GT(recv.count, 0u);
    const double wait_per_call = static_cast<double>(recv.wait_ns) / recv.count;
    EXPECT_NEAR(wait_per_call, kDelayNs, 0.10 * kDelayNs)
        << "each recv slept while the peer waited 200 ms before sending";
}

TEST_F(RecvTest, ExactlyNRecvAndSendCallsAreCounted) {
    constexpr int kMessages = 200;
    constexpr int kBytes = 100;
    const auto facts_path = dir_.file("facts.txt");
    const auto result =
        run_trace(dir_, {},
                  workload("counted-recv", {"--messages", std::to_string(kMessages), "--bytes",
                                            std::to_string(kBytes), "--facts", facts_path}));
    ASSERT_TRACE_OK(result);
    const auto facts = read_facts(facts_path);
    ASSERT_EQ(facts.count("status"), 1u) << "the workload did not finish";
    const long long pid = fact(facts, "pid");
    const json *process = find_process(result.report, pid);
    ASSERT_NE(process, nullptr) << "workload pid missing from the report";

    const auto &syscalls = (*process)["syscalls"];
    const auto recv = sum_syscalls(syscalls, {"recvfrom"});
    const auto send = sum_syscalls(syscalls, {"sendto"});
    EXPECT_EQ(recv.count, kMessages) << describe_syscalls(syscalls);
    EXPECT_EQ(recv.bytes, std::uint64_t{kMessages} * kBytes);
    EXPECT_EQ(send.count, kMessages) << describe_syscalls(syscalls);
    EXPECT_EQ(send.bytes, std::uint64_t{kMessages} * kBytes);

    // The main thread (tid == pid) receives; the sender thread sends.
    const json *main_thread = find_thread(*process, pid);
    ASSERT_NE(main_thread, nullptr) << "main thread missing from threads[]";
    EXPECT_EQ(sum_syscalls((*main_thread)["syscalls"], {"recvfrom"}).count, kMessages);
    EXPECT_EQ(sum_syscalls((*main_thread)["syscalls"], {"sendto"}).count, 0u);
}

TEST_F(RecvTest, NonblockingRecvOnEmptySocketIsAllEagainAndNoWait) {
    constexpr int kCalls = 2000;
    const auto facts_path = dir_.file("facts.txt");
    const auto result = run_trace(
        dir_, {},
        workload("nonblocking-recv", {"--calls", std::to_string(kCalls), "--facts", facts_path}));
    ASSERT_TRACE_OK(result);
    const auto facts = read_facts(facts_path);
    ASSERT_EQ(fact(facts, "eagain"), kCalls) << "the workload itself saw other results";
    const json *process = find_process(result.report, fact(facts, "pid"));
    ASSERT_NE(process, nullptr) << "workload pid missing from the report";

    const auto recv = sum_syscalls((*process)["syscalls"], {"recvfrom"});
    EXPECT_EQ(recv.count, kCalls) << describe_syscalls((*process)["syscalls"]);
    EXPECT_EQ(recv.eagain, recv.count);
    EXPECT_EQ(recv.errors, recv.count);
    EXPECT_EQ(recv.bytes, 0u);
    EXPECT_GT(recv.total_ns, 0u);
    EXPECT_LT(recv.wait_ns, recv.total_ns / 100) << "a non-blocking call never sleeps";
}

}  // namespace
}  // namespace bpftest
