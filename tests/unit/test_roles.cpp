// Thread roles and server structure on synthetic reports shaped like the servers of
// docs/servers.md (memcached, apache worker and prefork, python's ThreadingHTTPServer, redis),
// plus the near misses a careless rule gets wrong.
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

const ThreadRole *find_role(const ProcessReport &p, const std::string &role) {
    const auto it = std::find_if(p.roles.begin(), p.roles.end(),
                                 [&](const ThreadRole &r) { return r.role == role; });
    return it == p.roles.end() ? nullptr : &*it;
}

std::string describe(const ProcessReport &p) {
    std::string text = p.io_model.label + " / " + p.structure + ":";
    for (const ThreadRole &r : p.roles) {
        text += " " + r.role + "(" + r.model + " x" + std::to_string(r.tids.size()) + ")";
    }
    return text;
}

ProcessReport classified(ProcessReport p) {
    Report report;
    report.processes.push_back(std::move(p));
    classify_all(report);
    return report.processes.front();
}

ThreadReport housekeeper(pid_t tid) {
    return thread(tid, "hk", {call("clock_nanosleep", "", 10, 9 * kSecond)});
}

ThreadReport idle_thread(pid_t tid) {
    return thread(tid, "bg", {in_flight(call("futex", "", 0, 10 * kSecond), 1)});
}

// memcached: an acceptor thread on epoll, worker reactors on epoll, housekeeping threads.
TEST(Roles, AcceptorPlusWorkerReactorsAreReactors) {
    std::vector<ThreadReport> threads = {
        thread(100, "memcached",
               {mux("epoll_wait", 20, 9 * kSecond, 20, 20),
                call("accept4", "socket", 20, 0, 20'000), call("write", "pipe", 20, 0, 10'000)})};
    for (pid_t tid = 101; tid <= 102; ++tid) {
        threads.push_back(thread(tid, "mc-worker",
                                 {mux("epoll_wait", 900, 8 * kSecond, 9000, 1000),
                                  call("read", "socket", 1000, 0, 800'000),
                                  call("sendmsg", "socket", 1000, 0, 900'000)}));
    }
    for (pid_t tid = 103; tid <= 105; ++tid) {
        threads.push_back(housekeeper(tid));
    }
    ProcessFacts facts;
    facts.epoll_ctl_lt = 40;
    const ProcessReport p = classified(process(100, "memcached", std::move(threads), facts));
    EXPECT_EQ(p.io_model.label, "epoll-lt") << describe(p);
    EXPECT_EQ(p.structure, "reactors") << describe(p);
    const ThreadRole *acceptor = find_role(p, "acceptor");
    ASSERT_NE(acceptor, nullptr) << describe(p);
    EXPECT_EQ(acceptor->model, "epoll-lt");
    EXPECT_EQ(acceptor->tids, std::vector<pid_t>{100});
    const ThreadRole *reactors = find_role(p, "reactor");
    ASSERT_NE(reactors, nullptr) << describe(p);
    EXPECT_EQ(reactors->tids.size(), 2u);
    EXPECT_GT(reactors->io_call_share, 0.9);  // they do nearly all the I/O
    ASSERT_NE(find_role(p, "housekeeping"), nullptr) << describe(p);
    EXPECT_EQ(find_role(p, "housekeeping")->tids.size(), 3u);
    double wall = 0;
    for (const ThreadRole &r : p.roles) {
        wall += r.wall_share;
    }
    EXPECT_NEAR(wall, 1.0, 1e-9);
}

// apache mpm_worker: a listener blocking in accept4, workers that wait on a futex for a
// connection handed over and then read it; the short polls of lingering close decide nothing.
TEST(Roles, WorkersFedByAListenerAreAThreadPool) {
    std::vector<ThreadReport> threads = {
        thread(200, "apache2", {in_flight(call("wait4", "", 0, 10 * kSecond), 1)}),
        thread(201, "apache2",
               {call("accept4", "socket", 500, 3 * kSecond, 100'000),
                call("futex", "", 500, 0, 10'000)})};
    for (pid_t tid = 202; tid <= 205; ++tid) {
        threads.push_back(thread(
            tid, "apache2",
            {call("futex", "", 125, 6 * kSecond, 10'000),
             call("read", "socket", 250, 1 * kSecond, 100'000),
             call("writev", "socket", 125, 0, 100'000), mux("poll", 125, 20'000'000, 125, 125)}));
    }
    const ProcessReport p = classified(process(200, "apache2", std::move(threads)));
    EXPECT_EQ(p.io_model.label, "thread-pool") << describe(p);
    EXPECT_EQ(p.structure, "thread-pool");
    ASSERT_NE(find_role(p, "pool-worker"), nullptr) << describe(p);
    EXPECT_EQ(find_role(p, "pool-worker")->tids.size(), 4u);
    EXPECT_EQ(find_role(p, "pool-worker")->model, "blocking");
    ASSERT_NE(find_role(p, "acceptor"), nullptr) << describe(p);
    EXPECT_EQ(find_role(p, "acceptor")->model, "blocking");
}

// python3 -m http.server: a poll loop accepts; every connection gets a thread of its own that
// blocks in recv (and may wait for the GIL in futex: still no pool, threads are made per
// connection).
TEST(Roles, ThreadsMadePerConnectionAreThreadPerConnection) {
    std::vector<ThreadReport> threads = {
        thread(300, "python3",
               {mux("poll", 400, 8 * kSecond, 400, 400), call("accept4", "socket", 400, 0),
                call("clone3", "", 400, 0)})};
    for (pid_t tid = 301; tid <= 340; ++tid) {
        threads.push_back(
            thread(tid, "python3",
                   {call("recvfrom", "socket", 2, 1'000'000, 10'000),
                    call("sendto", "socket", 1, 0, 10'000), call("futex", "", 4, 2'000'000, 1'000)},
                   5'000'000));
    }
    ProcessFacts facts;
    facts.threads_created = 400;
    facts.accepted = 400;
    const ProcessReport p = classified(process(300, "python3", std::move(threads), facts));
    EXPECT_EQ(p.io_model.label, "thread-per-connection") << describe(p);
    EXPECT_EQ(p.structure, "thread-per-connection");
    ASSERT_NE(find_role(p, "acceptor"), nullptr) << describe(p);
    EXPECT_EQ(find_role(p, "acceptor")->model, "poll");
    ASSERT_NE(find_role(p, "connection-worker"), nullptr) << describe(p);
    EXPECT_EQ(find_role(p, "connection-worker")->tids.size(), 40u);
    EXPECT_EQ(find_role(p, "pool-worker"), nullptr) << describe(p);
}

// redis: one epoll reactor, background threads that never woke.
TEST(Roles, OneReactorAndIdleThreadsIsSingle) {
    const ProcessReport p = classified(
        process(400, "redis-server",
                {thread(400, "redis-server",
                        {mux("epoll_wait", 3000, 5 * kSecond, 3000, 6000),
                         call("read", "socket", 6000, 0, 900'000), call("write", "socket", 6000, 0),
                         call("accept", "socket", 50, 0)}),
                 idle_thread(401), idle_thread(402), idle_thread(403)}));
    EXPECT_EQ(p.structure, "single") << describe(p);
    ASSERT_NE(find_role(p, "reactor"), nullptr) << describe(p);
    ASSERT_NE(find_role(p, "idle"), nullptr) << describe(p);
    EXPECT_EQ(find_role(p, "idle")->tids.size(), 3u);
    EXPECT_EQ(find_role(p, "idle")->model, "");
}

// apache mpm_prefork: children made before the trace, each blocking in accept4 and then
// reading, with lingering-close polls: a process pool of blocking workers, not "poll".
TEST(Roles, PreforkedBlockingChildrenAreAProcessPool) {
    Report report;
    report.processes.push_back(process(
        500, "apache2", {thread(500, "apache2", {call("clock_nanosleep", "", 10, 10 * kSecond)})}));
    for (pid_t pid = 501; pid <= 503; ++pid) {
        ProcessReport child = process(pid, "apache2",
                                      {thread(pid, "apache2",
                                              {call("accept4", "socket", 100, 9 * kSecond, 10'000),
                                               call("read", "socket", 200, 10'000'000, 100'000),
                                               call("writev", "socket", 100, 0, 100'000),
                                               mux("poll", 500, 20'000'000, 500, 100)})});
        child.ppid = 500;
        report.processes.push_back(std::move(child));
    }
    classify_all(report);
    for (const ProcessReport &p : report.processes) {
        EXPECT_EQ(p.structure, "process-pool") << p.pid << " " << describe(p);
        EXPECT_EQ(p.io_model.label, "process-pool") << p.pid << " " << describe(p);
    }
    const ThreadRole *worker = find_role(report.processes[1], "connection-worker");
    ASSERT_NE(worker, nullptr) << describe(report.processes[1]);
    EXPECT_EQ(worker->model, "blocking");
}

// Near miss: one child of a parent is no pool, and a reactor child keeps its label.
TEST(Roles, OneChildOrReactorChildrenKeepTheirLabels) {
    Report report;
    report.processes.push_back(
        process(600, "nginx",
                {thread(600, "nginx", {in_flight(call("rt_sigsuspend", "", 0, kSecond), 1)})}));
    for (pid_t pid = 601; pid <= 602; ++pid) {
        ProcessFacts facts;
        facts.epoll_ctl_et = 100;
        ProcessReport worker = process(pid, "nginx",
                                       {thread(pid, "nginx",
                                               {mux("epoll_wait", 300, 5 * kSecond, 600, 400),
                                                call("recvfrom", "socket", 200, 0, 10'000),
                                                call("writev", "socket", 200, 0, 10'000),
                                                call("accept4", "socket", 100, 0, 10'000)})},
                                       facts);
        worker.ppid = 600;
        report.processes.push_back(std::move(worker));
    }
    classify_all(report);
    EXPECT_EQ(report.processes[1].io_model.label, "epoll-et") << describe(report.processes[1]);
    EXPECT_EQ(report.processes[1].structure, "process-pool");
    EXPECT_EQ(report.processes[0].io_model.label, "idle") << describe(report.processes[0]);
    ASSERT_NE(find_role(report.processes[1], "reactor"), nullptr);
    EXPECT_EQ(find_role(report.processes[1], "reactor")->model, "epoll-et");

    report.processes.pop_back();  // one worker: no pool
    classify_all(report);
    EXPECT_EQ(report.processes[1].structure, "single") << describe(report.processes[1]);
}

// The flags the kernel keeps for fds registered before attach decide ET/LT over inference.
TEST(Roles, EpollFlagsFromFdinfoBeatTheDrainInference) {
    ProcessFacts facts;
    facts.epoll_registered_lt = 21;
    // Reads hit EAGAIN about once per ready fd: the drain pattern, yet the kernel says LT.
    const ProcessReport p = classified(
        process(700, "lt-server",
                {thread(700, "lt-server",
                        {mux("epoll_wait", 1000, 5 * kSecond, 21'000, 3000),
                         sample::with_eagain(call("read", "socket", 6000, 0, 500'000), 3000),
                         call("write", "socket", 3000, 0)})},
                facts));
    EXPECT_EQ(p.io_model.label, "epoll-lt") << describe(p);
    EXPECT_TRUE(std::any_of(p.io_model.evidence.begin(), p.io_model.evidence.end(),
                            [](const std::string &s) { return s.find("fdinfo") != s.npos; }));
    ASSERT_NE(find_role(p, "reactor"), nullptr) << describe(p);
    EXPECT_EQ(find_role(p, "reactor")->model, "epoll-lt");
}

}  // namespace
}  // namespace iophase
