// The I/O model classifier on synthetic reports: one case per label, plus near misses that a
// careless rule would get wrong.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "model/classify.h"
#include "sample/sample_report.h"

namespace iophase {
namespace {

using sample::call;
using sample::in_flight;
using sample::kSecond;
using sample::mux;
using sample::process;
using sample::thread;
using sample::with_eagain;

IoModel label_of(const ProcessReport &p) {
    return classify(p, {});
}

// True if some evidence sentence contains `text`.
bool says(const IoModel &m, const std::string &text) {
    return std::any_of(m.evidence.begin(), m.evidence.end(),
                       [&](const std::string &s) { return s.find(text) != std::string::npos; });
}

std::string all_evidence(const IoModel &m) {
    std::string out;
    for (const std::string &s : m.evidence) {
        out += s + " | ";
    }
    return out;
}

// --- blocking -------------------------------------------------------------------------------

ThreadReport iterative_server_thread(pid_t tid) {
    return thread(tid, "iter",
                  {call("accept", "", 10, 4 * kSecond, 50'000),
                   call("recvfrom", "socket", 200, 5 * kSecond, 400'000),
                   call("sendto", "socket", 190, 0, 300'000)});
}

TEST(Classify, Blocking) {
    const IoModel m = label_of(process(10, "iter", {iterative_server_thread(10)}));
    EXPECT_EQ(m.label, "blocking") << all_evidence(m);
    EXPECT_TRUE(says(m, "in accept (10 calls)")) << all_evidence(m);
    EXPECT_TRUE(says(m, "in recv (200 calls), all in one thread")) << all_evidence(m);
    EXPECT_EQ(m.metrics.at("recv.calls"), 200);
}

TEST(Classify, BlockingWithOneHelperThreadIsNotThreadPerConnection) {
    const IoModel m = label_of(process(
        10, "iter",
        {iterative_server_thread(10),
         thread(11, "logger", {call("futex", "", 40, 9 * kSecond), call("write", "file", 40, 0)}),
         thread(12, "sigwait", {in_flight(call("rt_sigtimedwait", "", 0, 10 * kSecond), 1)})}));
    EXPECT_EQ(m.label, "blocking") << all_evidence(m);
    EXPECT_EQ(m.metrics.at("reader_threads"), 1);
}

// --- thread-per-connection ------------------------------------------------------------------

TEST(Classify, ThreadPerConnection) {
    std::vector<ThreadReport> threads = {
        thread(20, "main", {call("accept", "", 5, 9 * kSecond), call("clone3", "", 5, 0)})};
    for (pid_t tid = 21; tid <= 25; ++tid) {
        threads.push_back(thread(tid, "conn",
                                 {call("read", "socket", 500, 8 * kSecond, 100'000),
                                  call("write", "socket", 500, 0, 100'000)}));
    }
    ProcessFacts facts;
    facts.threads_created = 5;
    const IoModel m = label_of(process(20, "tpc", std::move(threads), facts));
    EXPECT_EQ(m.label, "thread-per-connection") << all_evidence(m);
    EXPECT_TRUE(says(m, "5 threads read from sockets, 5 of them blocked")) << all_evidence(m);
    EXPECT_EQ(m.metrics.at("reader_threads"), 5);
}

TEST(Classify, ThreadPerConnectionWithOneClientHasASeparateAcceptor) {
    const IoModel m = label_of(process(
        20, "tpc",
        {thread(20, "main", {in_flight(call("accept", "", 1, 9 * kSecond), 1)}),
         thread(21, "conn",
                {call("recvfrom", "socket", 50, 8 * kSecond), call("sendto", "socket", 49, 0)})}));
    EXPECT_EQ(m.label, "thread-per-connection") << all_evidence(m);
}

TEST(Classify, ThreadPerConnectionWithASleepingPollHelperIsNotPoll) {
    std::vector<ThreadReport> threads = {
        thread(20, "main", {call("accept", "", 2, 9 * kSecond)}),
        // poll(NULL, 0, 100) as a timer: every call times out, nothing is ever ready.
        thread(29, "timer", {mux("poll", 100, 10 * kSecond, 0, 0, 100)})};
    for (pid_t tid = 21; tid <= 22; ++tid) {
        threads.push_back(thread(tid, "conn", {call("recvfrom", "socket", 300, 8 * kSecond)}));
    }
    const IoModel m = label_of(process(20, "tpc", std::move(threads)));
    EXPECT_EQ(m.label, "thread-per-connection") << all_evidence(m);
}

// --- process-per-connection -----------------------------------------------------------------

ProcessReport forking_parent(std::uint64_t forks) {
    ProcessFacts facts;
    facts.processes_created = forks;
    return process(30, "fork", {thread(30, "fork", {call("accept", "", forks, 9 * kSecond)})},
                   facts);
}

ProcessReport connection_child(pid_t pid, std::uint64_t messages) {
    ProcessReport c = process(pid, "fork",
                              {thread(pid, "fork",
                                      {call("recvfrom", "socket", messages + 1, 7 * kSecond),
                                       call("sendto", "socket", messages, 0)})});
    c.parent_pid = 30;
    return c;
}

TEST(Classify, ProcessPerConnectionWithTracedChildren) {
    const ProcessReport parent = forking_parent(3);
    const ProcessReport c1 = connection_child(31, 100);
    const ProcessReport c2 = connection_child(32, 100);
    const IoModel m = classify(parent, {&c1, &c2});
    EXPECT_EQ(m.label, "process-per-connection") << all_evidence(m);
    EXPECT_TRUE(says(m, "2 forked child processes do the reads (202 recv calls; 0 in the parent)"))
        << all_evidence(m);
    EXPECT_EQ(m.metrics.at("reader_children"), 2);
}

TEST(Classify, ProcessPerConnectionChildrenNotTraced) {
    const IoModel m = label_of(forking_parent(40));
    EXPECT_EQ(m.label, "process-per-connection") << all_evidence(m);
    EXPECT_TRUE(says(m, "40 processes forked")) << all_evidence(m);
}

TEST(Classify, ClassifyAllLabelsTheConnectionHandlersToo) {
    Report r;
    r.processes.push_back(forking_parent(2));
    r.processes.push_back(connection_child(31, 100));
    r.processes.push_back(connection_child(32, 1));  // one message: almost idle on its own
    classify_all(r);
    for (const ProcessReport &p : r.processes) {
        EXPECT_EQ(p.io_model.label, "process-per-connection")
            << p.pid << ": " << all_evidence(p.io_model);
    }
    EXPECT_TRUE(says(r.processes[1].io_model, "connection handler forked by pid 30"));
}

TEST(Classify, PreforkedEpollWorkersDoNotMakeTheMasterProcessPerConnection) {
    ProcessFacts facts;
    facts.processes_created = 2;
    ProcessFacts worker_facts;
    worker_facts.epoll_ctl_lt = 20;
    Report r;
    r.processes.push_back(process(
        40, "master", {thread(40, "master", {call("rt_sigsuspend", "", 1, 10 * kSecond)})}, facts));
    for (pid_t pid = 41; pid <= 42; ++pid) {
        ProcessReport w = process(pid, "worker",
                                  {thread(pid, "worker",
                                          {mux("epoll_wait", 1000, 9 * kSecond, 20'000, 3000),
                                           with_eagain(call("recvfrom", "socket", 4000, 0), 1000),
                                           call("accept4", "", 20, 0)})},
                                  worker_facts);
        w.parent_pid = 40;
        r.processes.push_back(std::move(w));
    }
    classify_all(r);
    EXPECT_EQ(r.processes[0].io_model.label, "idle") << all_evidence(r.processes[0].io_model);
    EXPECT_EQ(r.processes[1].io_model.label, "epoll-lt");
    EXPECT_EQ(r.processes[2].io_model.label, "epoll-lt");
}

// --- nonblocking-poll -----------------------------------------------------------------------

TEST(Classify, NonblockingBusyPoll) {
    const IoModel m = label_of(
        process(50, "busy",
                {thread(50, "busy",
                        {with_eagain(call("accept", "", 100'000, 0, 50'000'000), 99'990),
                         with_eagain(call("recvfrom", "socket", 500'000, 0, 300'000'000), 490'000),
                         call("sendto", "socket", 10'000, 0, 20'000'000)})}));
    EXPECT_EQ(m.label, "nonblocking-poll") << all_evidence(m);
    EXPECT_TRUE(says(m, "589,990 of 600,000 accept/recv calls returned EAGAIN (98%)"))
        << all_evidence(m);
    EXPECT_TRUE(says(m, "no multiplexer")) << all_evidence(m);
}

TEST(Classify, NonblockingPollThatSleepsBetweenSweeps) {
    const IoModel m =
        label_of(process(50, "busy",
                         {thread(50, "busy",
                                 {call("nanosleep", "", 9000, 9 * kSecond),
                                  with_eagain(call("accept", "", 9000, 0), 8990),
                                  with_eagain(call("recvfrom", "socket", 90'000, 0), 80'000),
                                  call("sendto", "socket", 10'000, 0)})}));
    EXPECT_EQ(m.label, "nonblocking-poll") << all_evidence(m);
}

// A saturated busy poller: its sweeps find data on most sockets, so EAGAIN is rare, but its
// reads never sleep; a blocking server's do (and never return EAGAIN).
TEST(Classify, SaturatedNonblockingPollWithFewEagain) {
    const IoModel m =
        label_of(process(51, "busy",
                         {thread(51, "busy",
                                 {with_eagain(call("recvfrom", "socket", 100'000, 0), 5'000),
                                  with_eagain(call("accept4", "", 5'000, 0), 4'950),
                                  call("sendto", "socket", 95'000, 0)})}));
    EXPECT_EQ(m.label, "nonblocking-poll") << all_evidence(m);

    const IoModel blocking =
        label_of(process(52, "iter",
                         {thread(52, "iter",
                                 {call("recvfrom", "socket", 100'000, 2 * kSecond),
                                  call("sendto", "socket", 100'000, 0)})}));
    EXPECT_EQ(blocking.label, "blocking") << all_evidence(blocking);
}

// --- select / poll --------------------------------------------------------------------------

ProcessReport readiness_server(const std::string &mux_call) {
    return process(60, "srv",
                   {thread(60, "srv",
                           {mux(mux_call, 1000, 8 * kSecond, 1000 * 55, 1000 * 3, 2),
                            call("recvfrom", "socket", 3000, 0), call("sendto", "socket", 3000, 0),
                            call("accept", "", 50, 0)})});
}

TEST(Classify, Select) {
    const IoModel m = label_of(readiness_server("select"));
    EXPECT_EQ(m.label, "select") << all_evidence(m);
    EXPECT_TRUE(says(m, "in select (1,000 calls)")) << all_evidence(m);
    EXPECT_TRUE(says(m, "55.0 fds asked about and 3.0 ready per call; 2 timed out"))
        << all_evidence(m);
    EXPECT_DOUBLE_EQ(m.metrics.at("fds_asked_per_call"), 55.0);
    EXPECT_EQ(label_of(readiness_server("pselect6")).label, "select");
}

TEST(Classify, Poll) {
    EXPECT_EQ(label_of(readiness_server("poll")).label, "poll");
    const IoModel m = label_of(readiness_server("ppoll"));
    EXPECT_EQ(m.label, "poll");
    EXPECT_TRUE(says(m, "in ppoll (1,000 calls)")) << all_evidence(m);
}

// --- epoll ----------------------------------------------------------------------------------

ProcessReport epoll_server(ProcessFacts facts, std::uint64_t recv_eagain) {
    return process(
        70, "ep",
        {thread(70, "ep",
                {mux("epoll_wait", 4812, 9'200'000'000ULL, 4812 * 51, 4812 * 3),
                 with_eagain(call("recvfrom", "socket", 14'436 + recv_eagain, 0), recv_eagain),
                 call("sendto", "socket", 14'436, 0), call("epoll_ctl", "", 51, 0)},
                10 * kSecond, 800'000'000)},
        facts);
}

TEST(Classify, EpollLevelTriggered) {
    ProcessFacts facts;
    facts.epoll_ctl_lt = 51;
    const IoModel m = label_of(epoll_server(facts, 0));
    EXPECT_EQ(m.label, "epoll-lt") << all_evidence(m);
    EXPECT_TRUE(says(m, "92% of blocked time in epoll_wait (4,812 calls)")) << all_evidence(m);
    EXPECT_TRUE(says(m, "epoll_ctl: 0 with EPOLLET, 51 without")) << all_evidence(m);
    EXPECT_NEAR(m.metrics.at("epoll.blocked_share"), 0.92, 1e-9);
}

TEST(Classify, EpollEdgeTriggeredWithDrainingEagainIsNotBusyPolling) {
    ProcessFacts facts;
    facts.epoll_ctl_et = 50;
    facts.epoll_ctl_lt = 1;  // the listening socket
    const IoModel m = label_of(epoll_server(facts, 14'436));
    EXPECT_EQ(m.label, "epoll-et") << all_evidence(m);
    EXPECT_TRUE(says(m, "epoll_ctl: 50 with EPOLLET, 1 without")) << all_evidence(m);
    EXPECT_EQ(m.metrics.at("epoll_ctl_et"), 50);
}

TEST(Classify, EpollAttachedAfterSetupInfersEdgeTriggeredFromDraining) {
    // Numbers from a real run of the epoll-et demo traced after its clients connected.
    ProcessReport p = process(70, "ep",
                              {thread(70, "ep",
                                      {mux("epoll_wait", 12'109, 382'847'356, 0, 69'371),
                                       with_eagain(call("recvfrom", "socket", 161'808, 0), 69'371),
                                       call("sendto", "socket", 92'437, 0)})});
    const IoModel m = label_of(p);
    EXPECT_EQ(m.label, "epoll-et") << all_evidence(m);
    EXPECT_TRUE(says(m, "EPOLLET inferred (no epoll_ctl seen")) << all_evidence(m);
    EXPECT_TRUE(says(m, "recv hit EAGAIN 69,371 times for 69,371 ready fds")) << all_evidence(m);
    EXPECT_TRUE(says(m, "5.7 fds ready per call (fds registered: unknown)")) << all_evidence(m);
}

TEST(Classify, EpollAttachedAfterSetupWithoutDrainingIsLevelTriggered) {
    // The epoll-lt demo traced after its clients connected: one read per readiness.
    ProcessReport p = process(
        70, "ep",
        {thread(70, "ep",
                {mux("epoll_wait", 8426, 213'206'828, 0, 60'406),
                 call("recvfrom", "socket", 60'400, 0), call("sendto", "socket", 60'400, 0)})});
    const IoModel m = label_of(p);
    EXPECT_EQ(m.label, "epoll-lt") << all_evidence(m);
    EXPECT_TRUE(says(m, "no drain-until-EAGAIN: level-triggered assumed")) << all_evidence(m);
    // A few spurious EAGAIN do not make it edge-triggered.
    p.syscalls[1].eagain = 6000;
    EXPECT_EQ(label_of(p).label, "epoll-lt");
}

TEST(Classify, SaturatedEpollServerThatNeverSleepsIsStillEpoll) {
    ProcessFacts facts;
    facts.epoll_ctl_et = 50;
    const IoModel m =
        label_of(process(70, "ep",
                         {thread(70, "ep",
                                 {mux("epoll_wait", 2000, 0, 2000 * 50, 2000 * 25),
                                  with_eagain(call("recvfrom", "socket", 100'000, 0), 50'000),
                                  call("sendto", "socket", 50'000, 0)})},
                         facts));
    EXPECT_EQ(m.label, "epoll-et") << all_evidence(m);
}

TEST(Classify, EpollWithABlockingAcceptorThreadIsEpollNotMixed) {
    ProcessFacts facts;
    facts.epoll_ctl_lt = 100;
    const IoModel m = label_of(
        process(70, "ep",
                {thread(70, "acceptor", {call("accept4", "", 100, 10 * kSecond)}),
                 thread(71, "loop",
                        {mux("epoll_wait", 3000, 9 * kSecond, 3000 * 100, 9000),
                         call("recvfrom", "socket", 9000, 0), call("sendto", "socket", 9000, 0)})},
                facts));
    EXPECT_EQ(m.label, "epoll-lt") << all_evidence(m);
}

// --- signal-driven --------------------------------------------------------------------------

ProcessReport signal_server(ProcessFacts facts) {
    return process(80, "sig",
                   {thread(80, "sig",
                           {call("rt_sigtimedwait", "", 500, 9 * kSecond),
                            with_eagain(call("recvfrom", "socket", 1500, 0), 500),
                            call("sendto", "socket", 1000, 0), call("fcntl", "", 30, 0)})},
                   facts);
}

TEST(Classify, SignalDriven) {
    ProcessFacts facts;
    facts.set_async = 10;
    facts.set_own = 10;
    facts.set_sig = 10;
    facts.signals_received = 600;
    const IoModel m = label_of(signal_server(facts));
    EXPECT_EQ(m.label, "signal-driven") << all_evidence(m);
    EXPECT_TRUE(says(m, "fcntl: O_ASYNC 10, F_SETOWN 10, F_SETSIG 10")) << all_evidence(m);
    EXPECT_TRUE(says(m, "600 signals received")) << all_evidence(m);
    EXPECT_TRUE(says(m, "in rt_sigtimedwait (500 calls)")) << all_evidence(m);
}

TEST(Classify, SignalDrivenAttachedAfterSetup) {
    const IoModel m = label_of(signal_server({}));
    EXPECT_EQ(m.label, "signal-driven") << all_evidence(m);
    EXPECT_TRUE(says(m, "set up before attach")) << all_evidence(m);
}

TEST(Classify, SignalDrivenWithSignalfdReads) {
    ProcessFacts facts;
    facts.set_async = 4;
    facts.set_sig = 4;
    facts.signals_received = 300;
    const IoModel m =
        label_of(process(80, "sigfd",
                         {thread(80, "sigfd",
                                 {call("read", "other", 300, 9 * kSecond),  // the signalfd
                                  with_eagain(call("read", "socket", 900, 0), 300),
                                  call("write", "socket", 600, 0)})},
                         facts));
    EXPECT_EQ(m.label, "signal-driven") << all_evidence(m);
}

TEST(Classify, SignalfdServerAttachedAfterSetupIsNotBusyPolling) {
    ProcessFacts facts;
    facts.signals_received = 300;  // the F_SETSIG signals keep coming
    const IoModel m = label_of(process(80, "sigfd",
                                       {thread(80, "sigfd",
                                               {call("read", "other", 300, 9 * kSecond),
                                                with_eagain(call("read", "socket", 600, 0), 300),
                                                call("write", "socket", 300, 0)})},
                                       facts));
    EXPECT_EQ(m.label, "signal-driven") << all_evidence(m);
}

// --- io_uring -------------------------------------------------------------------------------

TEST(Classify, IoUring) {
    ProcessFacts facts;
    facts.io_uring_setups = 1;
    const IoModel m = label_of(
        process(90, "uring", {thread(90, "uring", {call("io_uring_enter", "", 3000, 9 * kSecond)})},
                facts));
    EXPECT_EQ(m.label, "io_uring") << all_evidence(m);
    EXPECT_TRUE(says(m, "io_uring_setup: 1 seen; 0 recv syscalls")) << all_evidence(m);
    EXPECT_TRUE(says(m, "in io_uring_enter (3,000 calls)")) << all_evidence(m);
}

TEST(Classify, IoUringEvidenceShowsTheKernelWaitedAndCompleted) {
    Report r = sample::make_sample_report();
    const IoModel m = label_of(r.processes[4]);
    EXPECT_EQ(m.label, "io_uring") << all_evidence(m);
    EXPECT_TRUE(says(m,
                     "6,020 operations completed by the kernel (accept 20, recv 3,000, "
                     "send 3,000)"))
        << all_evidence(m);
    EXPECT_TRUE(says(m, "3,020 waited for readiness inside the kernel, 1.90 ms on average"))
        << all_evidence(m);
    EXPECT_TRUE(says(m, "completions posted inline 30, as task work 5,990")) << all_evidence(m);
    EXPECT_EQ(m.metrics.at("io_uring.completions"), 6020);
}

TEST(Classify, IoUringSeenOnlyThroughItsOperations) {
    // io_uring_setup happened before attach; the operations still show the model.
    ProcessReport p =
        process(90, "uring", {thread(90, "uring", {call("io_uring_enter", "", 2, 9 * kSecond)})});
    IoUringOpStats recv;
    recv.opcode = "recv";
    recv.submitted = recv.completions = 500;
    p.io_uring.push_back(recv);
    const IoModel m = label_of(p);
    EXPECT_EQ(m.label, "io_uring") << all_evidence(m);
}

TEST(Classify, SignalDelayInEvidence) {
    const IoModel m = label_of(sample::make_sample_report().processes[5]);
    EXPECT_EQ(m.label, "signal-driven") << all_evidence(m);
    EXPECT_TRUE(says(m, "signal generated -> taken 12.0 us on average, taken -> next read 3.0 us"))
        << all_evidence(m);
}

// --- mixed ----------------------------------------------------------------------------------

TEST(Classify, MixedEpollAndSelect) {
    const IoModel m = label_of(process(95, "mix",
                                       {thread(95, "a",
                                               {mux("epoll_wait", 1000, 5 * kSecond, 10'000, 2000),
                                                call("recvfrom", "socket", 2000, 0)}),
                                        thread(96, "b",
                                               {mux("select", 1000, 4 * kSecond, 8000, 1000),
                                                call("recvfrom", "socket", 1000, 0)})}));
    EXPECT_EQ(m.label, "mixed") << all_evidence(m);
    EXPECT_TRUE(says(m, "in epoll_wait (1,000 calls)")) << all_evidence(m);
    EXPECT_TRUE(says(m, "in select (1,000 calls)")) << all_evidence(m);
}

TEST(Classify, MixedEpollAndBlockingReaderThreads) {
    std::vector<ThreadReport> threads = {thread(
        95, "loop",
        {mux("epoll_wait", 1000, 9 * kSecond, 10'000, 2000), call("recvfrom", "socket", 2000, 0)})};
    for (pid_t tid = 96; tid <= 98; ++tid) {
        threads.push_back(thread(tid, "conn", {call("recvfrom", "socket", 300, 8 * kSecond)}));
    }
    const IoModel m = label_of(process(95, "mix", std::move(threads)));
    EXPECT_EQ(m.label, "mixed") << all_evidence(m);
    EXPECT_TRUE(says(m, "blocking recv")) << all_evidence(m);
}

// --- idle -----------------------------------------------------------------------------------

TEST(Classify, IdleBlockedInAcceptSinceAttach) {
    const IoModel m = label_of(process(
        99, "quiet", {thread(99, "quiet", {in_flight(call("accept", "", 0, 10 * kSecond), 1)})}));
    EXPECT_EQ(m.label, "idle") << all_evidence(m);
    EXPECT_TRUE(says(m, "only 0 I/O calls")) << all_evidence(m);
    EXPECT_TRUE(says(m, "waiting in accept")) << all_evidence(m);
}

TEST(Classify, IdleEpollLoopWhoseWaitsAllTimeOut) {
    ProcessFacts facts;
    facts.epoll_ctl_lt = 1;
    const IoModel m = label_of(
        process(99, "quiet",
                {thread(99, "quiet", {mux("epoll_wait", 100, 10 * kSecond, 100, 0, 100)})}, facts));
    EXPECT_EQ(m.label, "idle") << all_evidence(m);
}

TEST(Classify, EveryLabelIsOneOfTheDocumentedSet) {
    const std::vector<std::string> labels = {"blocking",
                                             "thread-per-connection",
                                             "process-per-connection",
                                             "nonblocking-poll",
                                             "select",
                                             "poll",
                                             "epoll-lt",
                                             "epoll-et",
                                             "signal-driven",
                                             "io_uring",
                                             "mixed",
                                             "idle"};
    Report r = sample::make_sample_report();
    classify_all(r);
    for (const ProcessReport &p : r.processes) {
        EXPECT_NE(std::find(labels.begin(), labels.end(), p.io_model.label), labels.end())
            << p.io_model.label;
        EXPECT_FALSE(p.io_model.evidence.empty());
    }
    EXPECT_EQ(r.processes[0].io_model.label, "epoll-et");
    EXPECT_EQ(r.processes[1].io_model.label, "thread-per-connection");
    EXPECT_EQ(r.processes[2].io_model.label, "process-per-connection");
    EXPECT_EQ(r.processes[3].io_model.label, "process-per-connection");
    EXPECT_EQ(r.processes[4].io_model.label, "io_uring");
    EXPECT_EQ(r.processes[5].io_model.label, "signal-driven");
}

}  // namespace
}  // namespace iophase
