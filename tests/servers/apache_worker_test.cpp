// apache2 with mpm_worker: a parent (as with prefork) and one child process holding a listener
// thread that blocks in accept4 and hands each connection over (futex) to a fixed pool of worker
// threads, which wait on a futex for work and then serve it with blocking calls; the child's
// main thread blocks reading the pipe of death. Per request the listener makes one accept4 on
// top of the request's own calls in a worker (support/apache.h); the futex handoffs vary with
// timing.
#include <gtest/gtest.h>

#include "support/apache.h"
#include "support/http_load.h"
#include "support/port.h"
#include "support/roles.h"
#include "support/server_test.h"

namespace servertest {
namespace {

constexpr int kThreads = 4;

class ApacheWorkerTest : public ServerTest {
  protected:
    std::vector<std::string> programs() const override { return {kApache, kAb}; }

    void start_server() override {
        const int port = unused_port();
        const std::string n = std::to_string(kThreads);
        start(
            apache_command(dir_, port, "worker",
                           "StartServers 1\nServerLimit 1\nThreadLimit " + n +
                               "\nThreadsPerChild " + n + "\nMinSpareThreads 1\nMaxSpareThreads " +
                               n + "\nMaxRequestWorkers " + n + "\n"),
            port);
    }

    Work drive(Load load) override {
        return ab_load(dir_, server_->port(), shape(load, {50, 300, 1500, kThreads}));
    }
};

std::vector<Invariant> per_request() {
    auto invariants = kApacheRequest;
    invariants.push_back({"accept4", nullptr, 1});
    return invariants;
}

TEST_F(ApacheWorkerTest, PerRequestCountsAreInvariant) {
    check_invariants(per_request());
}

TEST_F(ApacheWorkerTest, CountsAgreeWithStrace) {
    check_against_strace(per_request());
}

TEST_F(ApacheWorkerTest, RolesListenerAndThreadPool) {
    const auto report = model_report();
    ASSERT_FALSE(report.is_null());
    ASSERT_HAS_ROLES(report);
    const auto processes = server_->processes();
    ASSERT_EQ(processes.size(), 2u);
    expect_process(process(report, processes[1]), {{"thread-pool"},
                                                   {"thread-pool"},
                                                   {{{"acceptor"}, {"blocking"}},
                                                    {{"pool-worker"}, {"blocking"}, 2},
                                                    {{"housekeeping", "idle"}, {}}}});
}

}  // namespace
}  // namespace servertest
