// nginx: a master process and one worker, an epoll reactor that registers each connection
// edge-triggered (EPOLLIN|EPOLLRDHUP|EPOLLET, seen with strace). With HTTP/1.0 (ab, no
// keep-alive) and `sendfile off`, each request costs the worker one accept4, one epoll_ctl ADD,
// one recvfrom of the request, one writev of header and body, two closes (file and socket);
// multi_accept is off, so no accept4 ends in EAGAIN.
#include <gtest/gtest.h>

#include "support/config_file.h"
#include "support/http_load.h"
#include "support/port.h"
#include "support/roles.h"
#include "support/server_test.h"

namespace servertest {
namespace {

constexpr const char *kNginx = "/usr/sbin/nginx";

class NginxTest : public ServerTest {
  protected:
    std::vector<std::string> programs() const override { return {kNginx, kAb}; }

    void start_server() override {
        const int port = unused_port();
        const std::string root = open_for_workers(dir_, "www");
        write_index_page(root);
        const std::string prefix = dir_.file("");
        const std::string config = write_file(dir_.file("nginx.conf"), R"(
daemon off;
master_process on;
worker_processes 1;
error_log stderr warn;
pid )" + prefix + R"(nginx.pid;
events { worker_connections 256; }
http {
    access_log off;
    sendfile off;
    client_body_temp_path )" + prefix + R"(body;
    proxy_temp_path )" + prefix + R"(proxy;
    fastcgi_temp_path )" + prefix + R"(fastcgi;
    uwsgi_temp_path )" + prefix + R"(uwsgi;
    scgi_temp_path )" + prefix + R"(scgi;
    server { listen 127.0.0.1:)" + std::to_string(port) + "; root " + root +
                                                                           R"(; }
}
)");
        start({kNginx, "-p", prefix, "-c", config, "-e", "stderr"}, port);
    }

    Work drive(Load load) override {
        return ab_load(dir_, server_->port(), shape(load, {50, 400, 2000, 8}));
    }

    // The worker: the master's only child.
    pid_t worker() const { return server_->processes().back(); }
};

const std::vector<Invariant> kPerRequest = {
    {"accept4", "socket", 1}, {"epoll_ctl", nullptr, 1}, {"recvfrom", "socket", 1},
    {"writev", "socket", 1},  {"close", nullptr, 2},
};

TEST_F(NginxTest, PerRequestCountsAreInvariant) {
    check_invariants(kPerRequest);
}

TEST_F(NginxTest, CountsAgreeWithStrace) {
    check_against_strace(kPerRequest);
}

TEST_F(NginxTest, WorkerIsEdgeTriggeredEpoll) {
    const auto report = model_report();
    ASSERT_FALSE(report.is_null());
    EXPECT_EQ(label_of(process(report, worker())), "epoll-et");
}

TEST_F(NginxTest, RolesWorkerReactorMasterIdle) {
    const auto report = model_report();
    ASSERT_FALSE(report.is_null());
    ASSERT_HAS_ROLES(report);
    expect_process(process(report, worker()),
                   {{"epoll-et"}, {"single", "reactors"}, {{{"reactor"}, {"epoll-et"}}}});
    expect_process(process(report, server_->pid()),
                   {{"idle"}, {}, {{{"idle", "housekeeping"}, {}}}});
}

}  // namespace
}  // namespace servertest
