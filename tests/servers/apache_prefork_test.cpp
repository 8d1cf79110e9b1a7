// apache2 with mpm_prefork: a parent that forks a fixed pool of single-threaded children and
// wakes once a second (pselect6 timeout) to keep the pool sized; each child blocks in accept4 on
// the shared listen socket, serves the connection, checks the pipe of death (a read that ends in
// EAGAIN) and accepts again. Per request a child makes one accept4 and one pipe read on top of
// the request's own calls (support/apache.h).
#include <gtest/gtest.h>

#include "support/apache.h"
#include "support/http_load.h"
#include "support/port.h"
#include "support/roles.h"
#include "support/server_test.h"

namespace servertest {
namespace {

constexpr int kChildren = 3;

class ApachePreforkTest : public ServerTest {
  protected:
    std::vector<std::string> programs() const override { return {kApache, kAb}; }

    void start_server() override {
        const int port = unused_port();
        const std::string n = std::to_string(kChildren);
        start(apache_command(dir_, port, "prefork",
                             "StartServers " + n + "\nMinSpareServers " + n + "\nMaxSpareServers " +
                                 n + "\nMaxRequestWorkers " + n + "\nServerLimit " + n + "\n"),
              port);
    }

    Work drive(Load load) override {
        return ab_load(dir_, server_->port(), shape(load, {50, 300, 1500, kChildren}));
    }
};

std::vector<Invariant> per_request() {
    auto invariants = kApacheRequest;
    // accept4 with any fd kind: a child already in accept4 at attach has kind "" today.
    invariants.push_back({"accept4", nullptr, 1});
    invariants.push_back({"read", "pipe", 1});
    return invariants;
}

TEST_F(ApachePreforkTest, PerRequestCountsAreInvariant) {
    check_invariants(per_request());
}

TEST_F(ApachePreforkTest, CountsAgreeWithStrace) {
    check_against_strace(per_request());
}

TEST_F(ApachePreforkTest, RolesProcessPoolOfBlockingChildren) {
    const auto report = model_report();
    ASSERT_FALSE(report.is_null());
    ASSERT_HAS_ROLES(report);
    const auto processes = server_->processes();
    ASSERT_EQ(processes.size(), 1u + kChildren);
    expect_process(process(report, server_->pid()),
                   {{"process-pool", "idle"}, {"process-pool"}, {{{"housekeeping", "idle"}, {}}}});
    for (std::size_t i = 1; i < processes.size(); ++i) {
        expect_process(process(report, processes[i]),
                       {{"process-pool"},
                        {"process-pool"},
                        {{{"acceptor", "connection-worker"}, {"blocking"}}}});
    }
}

}  // namespace
}  // namespace servertest
