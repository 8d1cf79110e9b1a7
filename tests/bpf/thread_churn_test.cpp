// Threads that come and go by the thousand: a process's budget and syscall counts must not
// depend on how many threads it had (issue: rows and counts were lost past 4096 threads).
#include <gtest/gtest.h>

#include <string>

#include "support/report_query.h"
#include "support/tracer_run.h"

namespace bpftest {
namespace {

class ThreadChurnTest : public BpfTest {};

// Sum of one budget bucket over the process's thread rows (folded ones included).
std::uint64_t thread_rows_sum(const json &process, const char *bucket) {
    std::uint64_t sum = 0;
    for (const json &thread : process["threads"]) {
        sum += field(thread["budget"], bucket);
    }
    return sum;
}

TEST_F(ThreadChurnTest, ThousandsOfExitedThreadsKeepTheProcessWhole) {
    const auto facts_path = dir_.file("facts.txt");
    const auto result = run_trace(dir_, {},
                                  workload("thread-churn", {"--per-second", "2000", "--seconds",
                                                            "3", "--facts", facts_path}));
    ASSERT_TRACE_OK(result);
    const auto facts = read_facts(facts_path);
    const long long pid = fact(facts, "pid");
    const auto threads = static_cast<std::uint64_t>(fact(facts, "threads"));
    const json *process = find_process(result.report, pid);
    ASSERT_NE(process, nullptr);

    EXPECT_NE(find_thread(*process, pid), nullptr) << "the main thread's row is missing";
    EXPECT_EQ(field((*process)["facts"], "threads_created"), threads);
    // Every exited thread is a row of its own or counted in the folded row.
    std::uint64_t rows = 0;
    for (const json &thread : (*process)["threads"]) {
        rows += thread.value("folded_threads", 0ull) > 0
                    ? thread["folded_threads"].get<std::uint64_t>()
                    : 1;
    }
    EXPECT_EQ(rows, threads + 1) << "threads plus the main thread";
    const json &health = result.report["health"];
    EXPECT_EQ(field(health, "map_full_drops"), 0u);
    EXPECT_EQ(field(health, "thread_rows_lost"), 0u);
    EXPECT_GT(field(health, "thread_rows_folded"), 0u) << "more threads than rows kept";

    // The rows add up to the process: nothing of a thread is lost with its row.
    const json &budget = (*process)["budget"];
    const auto wall = field(budget, "wall_ns");
    ASSERT_GT(wall, 0u);
    const auto rows_wall = thread_rows_sum(*process, "wall_ns");
    EXPECT_NEAR(static_cast<double>(rows_wall), static_cast<double>(wall), 0.01 * wall);
    // And each thread's three getppid calls are all counted.
    EXPECT_EQ(sum_syscalls((*process)["syscalls"], {"getppid"}).count, 3 * threads)
        << describe_syscalls((*process)["syscalls"]);
}

TEST_F(ThreadChurnTest, AThreadPerConnectionServerHasEveryCallCounted) {
    constexpr int kConnections = 3000;
    const auto facts_path = dir_.file("facts.txt");
    const auto result =
        run_trace(dir_, {},
                  workload("thread-server",
                           {"--connections", std::to_string(kConnections), "--facts", facts_path}));
    ASSERT_TRACE_OK(result);
    const auto facts = read_facts(facts_path);
    const json *server = find_process(result.report, fact(facts, "pid"));
    ASSERT_NE(server, nullptr);
    const json &calls = (*server)["syscalls"];
    // Per connection: accept, the request (one recv with MSG_WAITALL), the reply, the EOF.
    EXPECT_EQ(sum_syscalls(calls, {"accept"}).count, kConnections) << describe_syscalls(calls);
    EXPECT_EQ(sum_syscalls(calls, {"recvfrom"}).count, 2u * kConnections)
        << describe_syscalls(calls);
    EXPECT_EQ(sum_syscalls(calls, {"sendto"}).count, kConnections) << describe_syscalls(calls);
    EXPECT_EQ(field((*server)["facts"], "threads_created"), kConnections);
    EXPECT_EQ(field((*server)["facts"], "accepted"), kConnections);
    EXPECT_EQ(field(result.report["health"], "map_full_drops"), 0u);
    // The client is a process of its own: its calls are not the server's.
    const json *client = find_process(result.report, fact(facts, "client_pid"));
    ASSERT_NE(client, nullptr);
    EXPECT_EQ(sum_syscalls((*client)["syscalls"], {"connect"}).count, kConnections);
}

}  // namespace
}  // namespace bpftest
