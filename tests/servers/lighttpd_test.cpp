// lighttpd: one process, one thread, an epoll reactor (level-triggered: EPOLLIN|EPOLLERR|
// EPOLLHUP|EPOLLRDHUP, no EPOLLET). It accepts until EAGAIN and reads a new connection at once,
// adding it to epoll only if that read finds nothing yet; so accept4/read EAGAINs and epoll_ctl
// vary with timing. Fixed per HTTP/1.0 request: one accept4 and one read that succeed, one writev
// of the response (the small file comes from its stat cache with one pread64), one shutdown
// (SHUT_WR, then a lingering recvfrom drain) and one close.
#include <gtest/gtest.h>

#include "support/config_file.h"
#include "support/http_load.h"
#include "support/port.h"
#include "support/roles.h"
#include "support/server_test.h"

namespace servertest {
namespace {

constexpr const char *kLighttpd = "/usr/sbin/lighttpd";

class LighttpdTest : public ServerTest {
  protected:
    std::vector<std::string> programs() const override { return {kLighttpd, kAb}; }

    void start_server() override {
        const int port = unused_port();
        const std::string root = open_for_workers(dir_, "www");
        write_index_page(root);
        const std::string config = write_file(dir_.file("lighttpd.conf"), R"(
server.document-root = ")" + root + R"("
server.bind = "127.0.0.1"
server.port = )" + std::to_string(port) + R"(
server.errorlog = ")" + dir_.file("error.log") + R"("
server.pid-file = ")" + dir_.file("lighttpd.pid") + R"("
index-file.names = ("index.html")
)");
        start({kLighttpd, "-D", "-f", config}, port);
    }

    Work drive(Load load) override {
        return ab_load(dir_, server_->port(), shape(load, {50, 400, 2000, 8}));
    }
};

const std::vector<Invariant> kPerRequest = {
    {"accept4", "socket", 1, 0, /*successes_only=*/true},
    {"read", "socket", 1, 0, /*successes_only=*/true},
    {"writev", "socket", 1},
    {"pread64", nullptr, 1},
    {"shutdown", nullptr, 1},
};

TEST_F(LighttpdTest, PerRequestCountsAreInvariant) {
    check_invariants(kPerRequest);
}

TEST_F(LighttpdTest, CountsAgreeWithStrace) {
    check_against_strace(kPerRequest);
}

TEST_F(LighttpdTest, IsLevelTriggeredEpoll) {
    const auto report = model_report();
    ASSERT_FALSE(report.is_null());
    EXPECT_EQ(label_of(process(report, server_->pid())), "epoll-lt");
}

TEST_F(LighttpdTest, RolesOneReactor) {
    const auto report = model_report();
    ASSERT_FALSE(report.is_null());
    ASSERT_HAS_ROLES(report);
    expect_process(process(report, server_->pid()),
                   {{"epoll-lt"}, {"single", "reactors"}, {{{"reactor"}, {"epoll-lt"}}}});
}

}  // namespace
}  // namespace servertest
