// Picking one measured request out of synthetic per-thread timelines: where phase 1 and
// phase 2 are for a blocking recv, a multiplexer's wait, and a busy-polling EAGAIN loop.
#include <gtest/gtest.h>

#include <algorithm>

#include "compare/request_timeline.h"
#include "synthetic.h"

namespace iophase::compare {
namespace {

using S = ThreadState;
namespace t = testing;

constexpr pid_t kServer = 100;

// A blocking server's request: recv sleeps `asleep_ns`, then copies 400 ns; then a send.
void blocking_request(t::ThreadScript &thread, std::uint64_t asleep_ns) {
    thread.call("recvfrom", {{S::Kernel, 200},
                             {S::Blocked, asleep_ns},
                             {S::Runq, 300},
                             {S::Kernel, 100},
                             {S::Copy, 400},
                             {S::Kernel, 100}});
    thread.user(2'000);
    thread.call("sendto", {{S::Kernel, 300}, {S::Copy, 100}, {S::Kernel, 100}});
    thread.user(1'000);
}

TEST(RequestTimeline, BlockingRecvWaitsAndCopiesInOneCall) {
    t::ThreadScript thread(kServer, kServer);
    thread.user(500);
    // The middle duration of three is the one shown.
    for (std::uint64_t asleep : {9'000u, 1'000u, 5'000u}) {
        blocking_request(thread, asleep);
    }
    Timeline timeline = thread.timeline();
    // The ring buffer may deliver a thread's events out of order.
    std::reverse(timeline.events.begin(), timeline.events.end());

    const auto request = pick_request(timeline, std::vector<pid_t>{kServer});
    ASSERT_TRUE(request);
    EXPECT_EQ(request->tid, kServer);
    EXPECT_EQ(request->input_call, "recvfrom");
    EXPECT_EQ(request->wait_call, "");
    EXPECT_EQ(request->candidates, 3u);
    EXPECT_EQ(request->duration_ns(), 200u + 5'000 + 300 + 100 + 400 + 100);
    EXPECT_EQ(request->phase1.t_ns, 0u);
    EXPECT_EQ(request->phase1.dur_ns, 200u + 5'000 + 300);
    EXPECT_EQ(request->phase2.t_ns, 200u + 5'000 + 300 + 100);
    EXPECT_EQ(request->phase2.dur_ns, 400u);
    ASSERT_EQ(request->segments.size(), 6u);
    EXPECT_EQ(request->segments[1].state, S::Blocked);
    EXPECT_EQ(request->segments[1].dur_ns, 5'000u);
    EXPECT_EQ(request->segments[1].syscall, "recvfrom");
}

// A blocking server whose data was often there before it called recv (the client's next
// message arrived while it was still sending): those calls never slept, and the request shown
// is one that did, even when they are most of them (CI picked such a call, and the figure had
// no wait and no data-ready moment).
TEST(RequestTimeline, BlockingRecvThatSleptIsPreferredToOnesThatFoundTheirData) {
    t::ThreadScript thread(kServer, kServer);
    thread.user(500);
    for (int i = 0; i < 3; ++i) {
        thread.call("recvfrom", {{S::Kernel, 200}, {S::Copy, 400}, {S::Kernel, 100}});
        thread.user(2'000);
        thread.call("sendto", {{S::Kernel, 300}, {S::Copy, 100}, {S::Kernel, 100}});
        thread.user(1'000);
    }
    blocking_request(thread, 7'000);
    Timeline timeline = thread.timeline();

    const auto request = pick_request(timeline, std::vector<pid_t>{kServer});
    ASSERT_TRUE(request);
    EXPECT_EQ(request->candidates, 1u);
    EXPECT_EQ(request->phase1.dur_ns, 200u + 7'000 + 300);
    ASSERT_GE(request->segments.size(), 2u);
    EXPECT_EQ(request->segments[1].state, S::Blocked);
}

TEST(RequestTimeline, MultiplexerWaitIsPhaseOne) {
    t::ThreadScript thread(kServer, kServer);
    thread.user(500);
    for (int batch = 0; batch < 3; ++batch) {
        thread.call("epoll_wait",
                    {{S::Kernel, 100}, {S::Blocked, 4'000}, {S::Runq, 200}, {S::Kernel, 100}});
        thread.user(300);
        thread.call("recvfrom", {{S::Kernel, 100}, {S::Copy, 250}, {S::Kernel, 50}});
        thread.user(200);
        thread.call("sendto", {{S::Kernel, 100}, {S::Copy, 50}, {S::Kernel, 50}});
        thread.user(200);
        // The rest of the batch found its data already there: not the textbook request.
        thread.call("recvfrom", {{S::Kernel, 80}, {S::Copy, 200}, {S::Kernel, 50}});
        thread.user(200);
    }
    const auto request = pick_request(thread.timeline(), std::vector<pid_t>{kServer});
    ASSERT_TRUE(request);
    EXPECT_EQ(request->wait_call, "epoll_wait");
    EXPECT_EQ(request->input_call, "recvfrom");
    EXPECT_EQ(request->candidates, 3u);
    EXPECT_EQ(request->phase1.dur_ns, 4'400u);
    EXPECT_EQ(request->phase2.t_ns, 4'400u + 300 + 100);
    EXPECT_EQ(request->phase2.dur_ns, 250u);
    EXPECT_EQ(request->duration_ns(), 4'400u + 300 + 400);
    ASSERT_EQ(request->segments.size(), 8u);
    EXPECT_EQ(request->segments[4].state, S::User);
    EXPECT_EQ(request->segments[4].syscall, "");
}

TEST(RequestTimeline, BusyPollingEagainCallsArePhaseOne) {
    t::ThreadScript thread(kServer, kServer);
    thread.user(500);
    for (int round = 0; round < 2; ++round) {
        thread.call("recvfrom", {{S::Kernel, 150}});
        thread.user(50);
        thread.call("recvfrom", {{S::Kernel, 150}});
        thread.user(50);
        thread.call("recvfrom", {{S::Kernel, 100}, {S::Copy, 200}, {S::Kernel, 50}});
        thread.user(100);
        thread.call("sendto", {{S::Kernel, 100}, {S::Copy, 50}, {S::Kernel, 50}});
        thread.user(100);
        // The next socket had data at the first try: no phase 1, not the request shown.
        thread.call("recvfrom", {{S::Kernel, 100}, {S::Copy, 200}, {S::Kernel, 50}});
        thread.user(100);
        thread.call("sendto", {{S::Kernel, 100}, {S::Copy, 50}, {S::Kernel, 50}});
        thread.user(100);
    }
    const auto request = pick_request(thread.timeline(), std::vector<pid_t>{kServer});
    ASSERT_TRUE(request);
    EXPECT_EQ(request->wait_call, "");
    EXPECT_EQ(request->candidates, 2u);
    EXPECT_EQ(request->eagain_calls, 2u);
    EXPECT_EQ(request->phase1.dur_ns, 350u);
    EXPECT_EQ(request->phase2.t_ns, 500u);
    EXPECT_EQ(request->phase2.dur_ns, 200u);
    EXPECT_EQ(request->duration_ns(), 150u + 50 + 150 + 50 + 100 + 200 + 50);
}

TEST(RequestTimeline, ProcessPerConnectionUsesTheBusiestChild) {
    t::ThreadScript parent(kServer, kServer);
    parent.user(100);
    parent.call("accept4", {{S::Kernel, 100}, {S::Blocked, 50'000}, {S::Kernel, 100}});
    parent.user(100);
    t::ThreadScript quiet(201, 201);
    t::ThreadScript busy(202, 202);
    t::ThreadScript stranger(300, 300);  // not the server's: never chosen
    for (t::ThreadScript *thread : {&quiet, &busy, &stranger}) {
        thread->user(100);
    }
    for (int i = 0; i < 2; ++i) {
        blocking_request(quiet, 1'000);
    }
    for (int i = 0; i < 3; ++i) {
        blocking_request(busy, 2'000);
    }
    for (int i = 0; i < 5; ++i) {
        blocking_request(stranger, 3'000);
    }
    Timeline timeline = parent.timeline();
    for (t::ThreadScript *thread : {&quiet, &busy, &stranger}) {
        const Timeline more = thread->timeline();
        timeline.events.insert(timeline.events.end(), more.events.begin(), more.events.end());
    }
    Report report;
    for (pid_t pid : {kServer, 201, 202, 300}) {
        ProcessReport process;
        process.pid = pid;
        process.parent_pid = pid == 201 || pid == 202 ? kServer : 0;
        report.processes.push_back(process);
    }
    const auto request = pick_request(timeline, server_pids(report, kServer));
    ASSERT_TRUE(request);
    EXPECT_EQ(request->pid, 202);
    EXPECT_EQ(request->tid, 202);
    EXPECT_EQ(request->candidates, 3u);
    EXPECT_EQ(request->phase1.dur_ns, 200u + 2'000 + 300);
}

TEST(RequestTimeline, NothingCopiedMeansNoRequest) {
    t::ThreadScript thread(kServer, kServer);
    thread.user(100);
    for (int i = 0; i < 3; ++i) {
        thread.call("recvfrom", {{S::Kernel, 150}});
        thread.user(50);
    }
    EXPECT_FALSE(pick_request(thread.timeline(), std::vector<pid_t>{kServer}));
    // A call cut off by the end of the timeline is not a complete request either.
    t::ThreadScript cut(kServer, kServer);
    cut.user(100);
    cut.call("recvfrom", {{S::Kernel, 150}, {S::Copy, 100}});
    Timeline timeline = cut.timeline();
    timeline.events.pop_back();  // the user event after the call
    EXPECT_FALSE(pick_request(timeline, std::vector<pid_t>{kServer}));
}

// A blocking recv that sleeps; the data is ready `ready_before_wakeup_ns` before the wakeup.
void blocking_request_with_ready(t::ThreadScript &thread, std::uint64_t asleep_ns,
                                 std::uint64_t ready_before_wakeup_ns) {
    thread.call("recvfrom", {{S::Kernel, 200}, {S::Blocked, asleep_ns}});
    thread.data_ready("recvfrom", ready_before_wakeup_ns);
    thread.call("recvfrom", {{S::Runq, 300}, {S::Kernel, 100}, {S::Copy, 400}, {S::Kernel, 100}});
    thread.user(2'000);
}

TEST(RequestTimeline, DataReadySplitsABlockingRecvIntoWaitWakeupAndCopy) {
    t::ThreadScript thread(kServer, kServer);
    thread.user(500);
    for (std::uint64_t asleep : {9'000u, 1'000u, 5'000u}) {
        blocking_request_with_ready(thread, asleep, asleep / 5);
    }
    Timeline timeline = thread.timeline();
    std::reverse(timeline.events.begin(), timeline.events.end());  // marks out of order too
    const auto request = pick_request(timeline, std::vector<pid_t>{kServer});
    ASSERT_TRUE(request);
    // The marks are not transitions: the segments are those of a request without them.
    ASSERT_EQ(request->segments.size(), 6u);
    EXPECT_EQ(request->duration_ns(), 200u + 5'000 + 300 + 100 + 400 + 100);
    ASSERT_TRUE(request->data_ready_ns);
    // The median request slept 5 µs; its data was ready 1 µs before the wakeup.
    EXPECT_EQ(*request->data_ready_ns, 200u + 4'000);
    EXPECT_EQ(request->ready_call, "recvfrom");
    EXPECT_EQ(request->wait_for_data.t_ns, 0u);
    EXPECT_EQ(request->wait_for_data.dur_ns, 4'200u);
    // Ready → woken (1 µs) → run queue (300 ns) → on a CPU.
    EXPECT_EQ(request->wakeup.t_ns, 4'200u);
    EXPECT_EQ(request->wakeup.dur_ns, 1'000u + 300);
    EXPECT_EQ(request->phase2.t_ns, 200u + 5'000 + 300 + 100);
    EXPECT_EQ(request->phase2.dur_ns, 400u);
}

TEST(RequestTimeline, DataReadyInTheMultiplexerAndOnlyTheLastWakeupCounts) {
    t::ThreadScript thread(kServer, kServer);
    thread.user(500);
    for (int batch = 0; batch < 3; ++batch) {
        // A spurious wakeup first, then the one with the data (its mark at the wakeup itself,
        // as on a kernel without sk_data_ready).
        thread.call("epoll_wait", {{S::Kernel, 100}, {S::Blocked, 1'000}});
        thread.data_ready("epoll_wait", 0);
        thread.call("epoll_wait", {{S::Runq, 100}, {S::Kernel, 100}, {S::Blocked, 3'000}});
        thread.data_ready("epoll_wait", 0);
        thread.call("epoll_wait", {{S::Runq, 200}, {S::Kernel, 100}});
        thread.user(300);
        thread.call("recvfrom", {{S::Kernel, 100}, {S::Copy, 250}, {S::Kernel, 50}});
        thread.user(200);
    }
    const auto request = pick_request(thread.timeline(), std::vector<pid_t>{kServer});
    ASSERT_TRUE(request);
    EXPECT_EQ(request->wait_call, "epoll_wait");
    ASSERT_TRUE(request->data_ready_ns);
    EXPECT_EQ(request->ready_call, "epoll_wait");
    EXPECT_EQ(*request->data_ready_ns, 100u + 1'000 + 100 + 100 + 3'000);
    EXPECT_EQ(request->wait_for_data.dur_ns, 4'300u);
    EXPECT_EQ(request->wakeup.t_ns, 4'300u);
    EXPECT_EQ(request->wakeup.dur_ns, 200u);
    EXPECT_EQ(request->phase1.dur_ns, 4'600u);
    EXPECT_EQ(request->phase2.t_ns, 4'600u + 300 + 100);
}

TEST(RequestTimeline, MarksOfOtherCallsAndThreadsAreNotTheRequestsDataReady) {
    t::ThreadScript thread(kServer, kServer);
    t::ThreadScript other(kServer, kServer + 1);
    thread.user(500);
    other.user(500);
    for (int round = 0; round < 3; ++round) {
        // A mark of the previous call (sendto) and one of another thread, neither of which
        // the recv slept for.
        thread.call("sendto", {{S::Kernel, 100}});
        thread.data_ready("sendto", 50);
        thread.user(100);
        thread.call("recvfrom", {{S::Kernel, 150}});  // EAGAIN: no sleep
        thread.user(50);
        other.user(300);
        other.data_ready("recvfrom", 100);
        thread.call("recvfrom", {{S::Kernel, 100}, {S::Copy, 200}, {S::Kernel, 50}});
        thread.user(100);
    }
    Timeline timeline = thread.timeline();
    const Timeline more = other.timeline();
    timeline.events.insert(timeline.events.end(), more.events.begin(), more.events.end());
    const auto request = pick_request(timeline, std::vector<pid_t>{kServer});
    ASSERT_TRUE(request);
    EXPECT_EQ(request->tid, kServer);
    EXPECT_EQ(request->eagain_calls, 1u);
    EXPECT_FALSE(request->data_ready_ns);
    EXPECT_EQ(request->ready_call, "");
    const nlohmann::json json = request_to_json(*request);
    EXPECT_TRUE(json.at("data_ready_ns").is_null());
    EXPECT_TRUE(json.at("wakeup").is_null());
}

TEST(RequestTimeline, JsonCarriesTheSegmentsAndPhases) {
    t::ThreadScript thread(kServer, kServer);
    thread.user(500);
    blocking_request(thread, 3'000);
    const auto request = pick_request(thread.timeline(), std::vector<pid_t>{kServer});
    ASSERT_TRUE(request);
    const nlohmann::json json = request_to_json(*request);
    EXPECT_EQ(json.at("tid"), kServer);
    EXPECT_EQ(json.at("segments").size(), request->segments.size());
    EXPECT_EQ(json.at("segments").at(1).at("state"), "blocked");
    EXPECT_EQ(json.at("segments").at(1).at("syscall"), "recvfrom");
    EXPECT_EQ(json.at("phase1").at("dur_ns"), 3'500u);
    EXPECT_EQ(json.at("phase2").at("dur_ns"), 400u);

    t::ThreadScript ready(kServer, kServer);
    ready.user(500);
    blocking_request_with_ready(ready, 3'000, 500);
    const auto with_ready = pick_request(ready.timeline(), std::vector<pid_t>{kServer});
    ASSERT_TRUE(with_ready);
    const nlohmann::json split = request_to_json(*with_ready);
    EXPECT_EQ(split.at("data_ready_ns"), 200u + 2'500);
    EXPECT_EQ(split.at("ready_call"), "recvfrom");
    EXPECT_EQ(split.at("wait_for_data").at("dur_ns"), 2'700u);
    EXPECT_EQ(split.at("wakeup").at("t_ns"), 2'700u);
    EXPECT_EQ(split.at("wakeup").at("dur_ns"), 800u);
}

}  // namespace
}  // namespace iophase::compare
