// The timeline as Chrome trace JSON: spans per state, a span per syscall around its phases,
// track names, and events that arrive out of order.
#include <gtest/gtest.h>

#include <algorithm>

#include "report/chrome_trace.h"

namespace iophase {
namespace {

constexpr std::uint64_t kZero = 1'000'000'000;  // trace start, CLOCK_MONOTONIC ns

TimelineEvent at(std::uint64_t us, ThreadState state, std::string syscall = "") {
    return TimelineEvent{kZero + us * 1000, 42, 43, state, std::move(syscall)};
}

// The "X" event named `name` (the first one), or null.
nlohmann::json find_span(const nlohmann::json &trace, const std::string &name) {
    for (const auto &e : trace["traceEvents"]) {
        if (e["ph"] == "X" && e["name"] == name) {
            return e;
        }
    }
    return nullptr;
}

TEST(ChromeTrace, OneRecvShowsWaitThenCopyInsideTheSyscallSpan) {
    Timeline timeline;
    timeline.start_ns = kZero;
    timeline.events = {
        at(0, ThreadState::User),
        at(10, ThreadState::Kernel, "recvfrom"),
        at(200, ThreadState::Runq, "recvfrom"),  // out of order on purpose
        at(12, ThreadState::Blocked, "recvfrom"),
        at(210, ThreadState::Copy, "recvfrom"),
        at(215, ThreadState::User),
        at(300, ThreadState::Exited),
    };
    timeline.lost = 3;
    Report report;
    ProcessReport p;
    p.pid = 42;
    p.comm = "server";
    ThreadReport worker;
    worker.tid = 43;
    worker.comm = "worker";
    p.threads.push_back(worker);
    report.processes.push_back(p);

    const nlohmann::json trace = timeline_to_chrome_trace(timeline, report);
    const auto blocked = find_span(trace, "blocked in recvfrom");
    ASSERT_FALSE(blocked.is_null()) << trace.dump(1);
    EXPECT_DOUBLE_EQ(blocked["ts"].get<double>(), 12.0);
    EXPECT_DOUBLE_EQ(blocked["dur"].get<double>(), 188.0);
    EXPECT_EQ(blocked["tid"], 43);
    EXPECT_DOUBLE_EQ(find_span(trace, "copy in recvfrom")["dur"].get<double>(), 5.0);
    EXPECT_DOUBLE_EQ(find_span(trace, "runq in recvfrom")["dur"].get<double>(), 10.0);
    const auto call = find_span(trace, "recvfrom");
    ASSERT_FALSE(call.is_null());
    EXPECT_EQ(call["cat"], "syscall");
    EXPECT_DOUBLE_EQ(call["ts"].get<double>(), 10.0);
    EXPECT_DOUBLE_EQ(call["dur"].get<double>(), 205.0);

    const auto &events = trace["traceEvents"];
    const auto user_spans = std::count_if(events.begin(), events.end(), [](const auto &e) {
        return e["ph"] == "X" && e["name"] == "user";
    });
    EXPECT_EQ(user_spans, 2);  // before the call and after it, none after the exit
    const bool named = std::any_of(events.begin(), events.end(), [](const auto &e) {
        return e["ph"] == "M" && e["name"] == "thread_name" && e["args"]["name"] == "worker 43";
    });
    EXPECT_TRUE(named);
    EXPECT_EQ(trace["otherData"]["lost_events"], 3);
}

TEST(ChromeTrace, EmptyTimelineIsValid) {
    const nlohmann::json trace = timeline_to_chrome_trace(Timeline{}, Report{});
    ASSERT_TRUE(trace["traceEvents"].is_array());
    EXPECT_TRUE(trace["traceEvents"].empty());
}

}  // namespace
}  // namespace iophase
