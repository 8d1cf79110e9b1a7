// socat TCP-LISTEN:…,fork PIPE: an echo server that forks a process per connection. The parent
// waits in pselect6 on the listening socket, accepts (accept, not accept4) and forks (clone); each
// child moves data between the socket and a pipe with a pselect6 loop: it reads the line and then
// the EOF from the socket, writes the line to the pipe, reads it back and writes it to the socket,
// then exits. Per connection: one accept and one clone in the parent, two socket reads and one
// socket write in the child.
#include <gtest/gtest.h>

#include "support/client.h"
#include "support/port.h"
#include "support/roles.h"
#include "support/server_test.h"

namespace servertest {
namespace {

constexpr const char *kSocat = "/usr/bin/socat";

class SocatTest : public ServerTest {
  protected:
    std::vector<std::string> programs() const override { return {kSocat}; }

    void start_server() override {
        const int port = unused_port();
        start({kSocat, "TCP-LISTEN:" + std::to_string(port) + ",bind=127.0.0.1,fork,reuseaddr",
               "PIPE"},
              port);
    }

    // `connections` clients one after another, each sending one line and reading it back.
    Work echo(int connections) {
        const std::string script =
            "for i in $(seq " + std::to_string(connections) + "); do echo line $i | " + kSocat +
            " -t 5 - TCP:127.0.0.1:" + std::to_string(server_->port()) + " || exit 1; done";
        const auto run = run_client(dir_, "socat-client", {"/bin/sh", "-c", script});
        EXPECT_EQ(run.exit_code, 0) << run.output;
        std::string expected;
        for (int i = 1; i <= connections; ++i) {
            expected += "line " + std::to_string(i) + "\n";
        }
        EXPECT_EQ(run.output, expected) << "every line echoed, in order";
        const auto n = static_cast<std::uint64_t>(connections);
        return Work{n, n};
    }

    Work drive(Load load) override { return echo(load == Load::kCounts ? 40 : 20); }
};

const std::vector<Invariant> kPerConnection = {
    {"accept", "socket", 0, 1},
    {"clone", nullptr, 0, 1},
    {"read", "socket", 0, 2},
    {"write", "socket", 0, 1},
};

TEST_F(SocatTest, PerConnectionCountsAreInvariant) {
    check_invariants(kPerConnection);
}

TEST_F(SocatTest, CountsAgreeWithStrace) {
    check_against_strace(kPerConnection);
}

TEST_F(SocatTest, RolesAcceptorForksAProcessPerConnection) {
    const auto report = model_report();
    ASSERT_FALSE(report.is_null());
    ASSERT_HAS_ROLES(report);
    expect_process(
        process(report, server_->pid()),
        {{"process-per-connection"}, {"process-per-connection"}, {{{"acceptor"}, {"select"}}}});
    int children = 0;
    for (const auto &entry : report["processes"]) {
        if (entry.value("parent_pid", 0LL) != server_->pid()) {
            continue;
        }
        ++children;
        expect_process(entry,
                       {{"process-per-connection"}, {}, {{{"connection-worker"}, {"select"}}}});
    }
    EXPECT_EQ(children, 20) << "one traced child per connection";
}

}  // namespace
}  // namespace servertest
