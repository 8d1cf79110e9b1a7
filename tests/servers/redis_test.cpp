// redis: one event-loop thread (epoll, level-triggered: EPOLLIN without EPOLLET) and idle
// background threads (bio_close_file, bio_aof_fsync, bio_lazy_free, jemalloc_bg_thd) waiting on
// futexes. Without pipelining each command costs one read and one write on its socket; each
// connection one accept4 that succeeds and one that ends in EAGAIN (redis accepts until the
// backlog is empty), an epoll_ctl ADD and DEL, and one read of its EOF. redis-benchmark opens one
// connection first to ask CONFIG GET save and appendonly in one go (one read, one write).
// serverCron also reads /proc/self/stat some 10 times a second: reads of files, not sockets.
#include <gtest/gtest.h>

#include "support/client.h"
#include "support/config_file.h"
#include "support/port.h"
#include "support/roles.h"
#include "support/server_test.h"

namespace servertest {
namespace {

constexpr const char *kRedis = "/usr/bin/redis-server";
constexpr const char *kBenchmark = "/usr/bin/redis-benchmark";

class RedisTest : public ServerTest {
  protected:
    std::vector<std::string> programs() const override { return {kRedis, kBenchmark}; }

    void start_server() override {
        const int port = unused_port();
        const std::string config = write_file(dir_.file("redis.conf"), R"(
bind 127.0.0.1
port )" + std::to_string(port) + R"(
daemonize no
save ""
appendonly no
logfile ""
dir )" + dir_.file("") + "\n");
        start({kRedis, config}, port);
    }

    // SET and GET `requests` times each over `clients` connections per test, no pipelining.
    Work benchmark(const ClientShape &shape) {
        const int commands = shape.requests;
        const int clients = shape.clients;
        const auto run =
            run_client(dir_, "redis-benchmark",
                       {kBenchmark, "-h", "127.0.0.1", "-p", std::to_string(server_->port()), "-n",
                        std::to_string(commands), "-c", std::to_string(clients), "-P", "1", "-t",
                        "set,get", "-q"});
        EXPECT_EQ(run.exit_code, 0) << run.output;
        EXPECT_NE(run.output.find("GET:"), std::string::npos) << run.output;
        // The CONFIG GET connection and its reply count as one request and one connection.
        return Work{2 * static_cast<std::uint64_t>(commands) + 1,
                    2 * static_cast<std::uint64_t>(clients) + 1};
    }

    Work drive(Load load) override { return benchmark(shape(load, {100, 1000, 10000, 8})); }
};

const std::vector<Invariant> kPerCommand = {
    {"read", "socket", 1, 1},     {"write", "socket", 1},
    {"accept4", "socket", 0, 2},  {"accept4", "socket", 0, 1, /*successes_only=*/true},
    {"epoll_ctl", nullptr, 0, 2},
};

TEST_F(RedisTest, PerCommandCountsAreInvariant) {
    check_invariants(kPerCommand);
}

TEST_F(RedisTest, CountsAgreeWithStrace) {
    check_against_strace(kPerCommand);
}

TEST_F(RedisTest, EventLoopIsLevelTriggeredEpoll) {
    const auto report = model_report();
    ASSERT_FALSE(report.is_null());
    EXPECT_EQ(label_of(process(report, server_->pid())), "epoll-lt");
}

TEST_F(RedisTest, RolesReactorAndIdleBackgroundThreads) {
    const auto report = model_report();
    ASSERT_FALSE(report.is_null());
    ASSERT_HAS_ROLES(report);
    expect_process(process(report, server_->pid()),
                   {{"epoll-lt"},
                    {"single", "reactors"},
                    {{{"reactor"}, {"epoll-lt"}}, {{"idle", "housekeeping"}, {}, 4}}});
}

}  // namespace
}  // namespace servertest
