// memcached: a main thread that accepts on a libevent (epoll) loop and hands each connection to
// a worker thread through the worker's notify eventfd (a write there, a read in the worker); worker
// threads (mc-worker), each an epoll reactor; housekeeping threads (mc-log, mc-lrumaint,
// mc-slabmaint, mc-assocmaint, mc-itemcrawler). libevent registers fds without EV_ET:
// level-triggered. Per request (text protocol, memcslap) the worker makes one read and one sendmsg;
// per connection the main thread one accept4 and one eventfd write, the worker one eventfd read,
// one read of the EOF, an epoll_ctl ADD and DEL.
#include <gtest/gtest.h>

#include "support/client.h"
#include "support/port.h"
#include "support/roles.h"
#include "support/server_test.h"

namespace servertest {
namespace {

constexpr const char *kMemcached = "/usr/bin/memcached";
constexpr const char *kSlap = "/usr/bin/memcslap";
constexpr int kWorkers = 4;

class MemcachedTest : public ServerTest {
  protected:
    std::vector<std::string> programs() const override { return {kMemcached, kSlap}; }

    void start_server() override {
        const int port = unused_port();
        start({kMemcached, "-u", "nobody", "-l", "127.0.0.1", "-p", std::to_string(port), "-U", "0",
               "-t", std::to_string(kWorkers), "-c", "256", "-m", "32"},
              port);
    }

    // memcslap's "set" test: `shape.clients` threads, one connection each, `shape.requests` sets
    // in all.
    Work slap(const ClientShape &shape) {
        const int sets = shape.requests;
        const int threads = shape.clients;
        const auto run =
            run_client(dir_, "memcslap",
                       {kSlap, "-s", "127.0.0.1:" + std::to_string(server_->port()), "-c",
                        std::to_string(threads), "-e", std::to_string(sets), "-t", "set"});
        EXPECT_EQ(run.exit_code, 0) << run.output;
        EXPECT_NE(run.output.find("Time to set"), std::string::npos) << run.output;
        EXPECT_EQ(run.output.find("error"), std::string::npos) << run.output;
        return Work{static_cast<std::uint64_t>(sets), static_cast<std::uint64_t>(threads)};
    }

    Work drive(Load load) override { return slap(shape(load, {200, 2000, 8000, kWorkers})); }
};

const std::vector<Invariant> kPerRequest = {
    {"sendmsg", "socket", 1}, {"read", "socket", 1, 1},    {"read", "other", 0, 1},
    {"write", "other", 0, 1}, {"accept4", "socket", 0, 1}, {"epoll_ctl", nullptr, 0, 2},
};

TEST_F(MemcachedTest, PerRequestCountsAreInvariant) {
    check_invariants(kPerRequest);
}

TEST_F(MemcachedTest, CountsAgreeWithStrace) {
    check_against_strace(kPerRequest);
}

TEST_F(MemcachedTest, IsLevelTriggeredEpoll) {
    const auto report = model_report();
    ASSERT_FALSE(report.is_null());
    EXPECT_EQ(label_of(process(report, server_->pid())), "epoll-lt");
}

TEST_F(MemcachedTest, RolesAcceptorWorkerReactorsHousekeeping) {
    const auto report = model_report();
    ASSERT_FALSE(report.is_null());
    ASSERT_HAS_ROLES(report);
    expect_process(process(report, server_->pid()), {{"epoll-lt"},
                                                     {"reactors"},
                                                     {{{"acceptor"}, {"epoll-lt"}},
                                                      {{"reactor"}, {"epoll-lt"}, 2},
                                                      {{"housekeeping", "idle"}, {}, 3}}});
}

}  // namespace
}  // namespace servertest
