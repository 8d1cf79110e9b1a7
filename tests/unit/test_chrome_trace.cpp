// The timeline as Chrome trace JSON, written as it comes: spans per state, a span per syscall
// around its phases, track names, events that arrive out of order, output before the end,
// late events and a failing file counted as dropped.
#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>

#include "report/chrome_trace.h"

namespace iophase {
namespace {

constexpr std::uint64_t kZero = 1'000'000'000;  // the first event, CLOCK_MONOTONIC ns

TimelineEvent at(std::uint64_t us, ThreadState state, std::string syscall = "", pid_t tid = 43) {
    return TimelineEvent{kZero + us * 1000, 42, tid, state, std::move(syscall)};
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

Report one_process(const std::string &comm, const std::string &thread_comm) {
    Report report;
    ProcessReport p;
    p.pid = 42;
    p.comm = comm;
    ThreadReport worker;
    worker.tid = 43;
    worker.comm = thread_comm;
    p.threads.push_back(worker);
    report.processes.push_back(p);
    return report;
}

// Everything the writer wrote, as one JSON document.
struct Captured {
    std::string text;
    std::size_t writes = 0;
    ChromeTraceWriter writer{[this](std::string_view chunk) {
        text += chunk;
        ++writes;
    }};
    nlohmann::json finish(const Report &report) {
        writer.finish(report);
        return nlohmann::json::parse(text);
    }
};

TEST(ChromeTrace, OneRecvShowsWaitThenCopyInsideTheSyscallSpan) {
    Captured out;
    for (const TimelineEvent &e : {
             at(0, ThreadState::User),
             at(10, ThreadState::Kernel, "recvfrom"),
             at(200, ThreadState::Runq, "recvfrom"),  // out of order on purpose
             at(12, ThreadState::Blocked, "recvfrom"),
             at(210, ThreadState::Copy, "recvfrom"),
             at(215, ThreadState::User),
             at(300, ThreadState::Exited),
         }) {
        out.writer.push(e);
    }
    Report report = one_process("server", "worker");
    report.health.ringbuf_drops = 3;
    const nlohmann::json trace = out.finish(report);
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
    EXPECT_EQ(out.writer.written(), 7u);
    EXPECT_EQ(out.writer.dropped(), 0u);
}

TEST(ChromeTrace, NanosecondsAreExactMicrosecondFractions) {
    Captured out;
    out.writer.push(TimelineEvent{kZero, 42, 43, ThreadState::User, ""});
    out.writer.push(TimelineEvent{kZero + 1'234'567, 42, 43, ThreadState::Blocked, ""});
    out.writer.push(TimelineEvent{kZero + 1'234'568, 42, 43, ThreadState::User, ""});
    const nlohmann::json trace = out.finish(Report{});
    EXPECT_NE(out.text.find("\"dur\":1234.567"), std::string::npos) << out.text;
    EXPECT_NE(out.text.find("\"ts\":1234.567,\"dur\":0.001"), std::string::npos) << out.text;
    EXPECT_EQ(trace["traceEvents"].size(), 2u);
}

TEST(ChromeTrace, EmptyTimelineIsValid) {
    Captured out;
    const nlohmann::json trace = out.finish(Report{});
    ASSERT_TRUE(trace["traceEvents"].is_array());
    EXPECT_TRUE(trace["traceEvents"].empty());
}

// A long trace is written while it runs, and the writer holds only its reorder window.
TEST(ChromeTrace, StreamsLongTimelinesInsteadOfHoldingThem) {
    Captured out;
    constexpr std::uint64_t kEvents = 400'000;  // 4 s of 10 us transitions, 4 threads
    for (std::uint64_t i = 0; i < kEvents; ++i) {
        const auto tid = static_cast<pid_t>(100 + i % 4);
        out.writer.push(at(i * 10, i % 8 < 4 ? ThreadState::User : ThreadState::Blocked,
                           i % 8 < 4 ? "" : "epoll_wait", tid));
        if (i == kEvents / 2) {
            // Half-way, all but the last window's events are in the file already.
            EXPECT_GT(out.writes, 0u);
            EXPECT_GT(out.text.size(), 100u * (kEvents / 2 - 10'000));
        }
    }
    const nlohmann::json trace = out.finish(Report{});
    EXPECT_EQ(out.writer.written(), kEvents);
    EXPECT_EQ(out.writer.dropped(), 0u);
    // Each thread's events after its first close a state span; every blocked run a syscall span.
    const auto &events = trace["traceEvents"];
    EXPECT_EQ(std::count_if(events.begin(), events.end(),
                            [](const auto &e) { return e["cat"] != "syscall"; }),
              static_cast<long>(kEvents - 4));
}

TEST(ChromeTrace, AnEventLaterThanTheWindowIsDroppedAndCounted) {
    Captured out;
    out.writer.push(at(0, ThreadState::User));
    out.writer.push(at(100'000, ThreadState::Blocked, "read"));  // 100 ms: closes the window
    out.writer.push(at(200'000, ThreadState::User));
    out.writer.push(at(50, ThreadState::Kernel, "read"));  // 200 ms late for its thread
    const nlohmann::json trace = out.finish(Report{});
    EXPECT_EQ(out.writer.dropped(), 1u);
    EXPECT_EQ(trace["otherData"]["lost_events"], 1);
    EXPECT_TRUE(find_span(trace, "kernel in read").is_null());
}

TEST(ChromeTrace, AFailingFileDropsTheRestAndFinishThrows) {
    ChromeTraceWriter writer([](std::string_view) { throw std::runtime_error("disk full"); });
    constexpr std::uint64_t kEvents = 50'000;  // more than one write's worth of spans
    for (std::uint64_t i = 0; i < kEvents; ++i) {
        writer.push(at(i * 1000, i % 2 ? ThreadState::User : ThreadState::Runq));
    }
    EXPECT_GT(writer.dropped(), 0u);
    EXPECT_THROW(writer.finish(Report{}), std::runtime_error);
    EXPECT_EQ(writer.written() + writer.dropped(), kEvents);  // the held ones count as dropped
}

TEST(ChromeTrace, TrackNamesThatAreNotUtf8StayValidJson) {
    Captured out;
    out.writer.push(at(0, ThreadState::User));
    const Report report =
        one_process(std::string("серверный").substr(0, 15), std::string("\xff\xfe"));
    const nlohmann::json trace = out.finish(report);
    const auto &events = trace["traceEvents"];
    const bool named = std::any_of(events.begin(), events.end(), [](const auto &e) {
        return e["name"] == "process_name" && e["args"]["name"] == "серверн\\xd1 (42)";
    });
    EXPECT_TRUE(named) << out.text;
}

}  // namespace
}  // namespace iophase
