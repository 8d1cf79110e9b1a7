// python3 -m http.server: ThreadingHTTPServer, a main thread that waits in poll (selectors,
// 0.5 s timeout) and accepts, and one new thread per connection (clone3) that reads the request,
// answers and exits. Per HTTP/1.0 request: one accept4, one clone3, one recvfrom, two sendto
// (headers, then the file), one shutdown, and one write of the log line to stderr (a file here).
#include <gtest/gtest.h>

#include "support/http_load.h"
#include "support/port.h"
#include "support/roles.h"
#include "support/server_test.h"

namespace servertest {
namespace {

constexpr const char *kPython = "/usr/bin/python3";

class PythonHttpTest : public ServerTest {
  protected:
    std::vector<std::string> programs() const override { return {kPython, kAb}; }

    void start_server() override {
        const int port = unused_port();
        const std::string root = open_for_workers(dir_, "www");
        write_index_page(root);
        start({kPython, "-m", "http.server", "--bind", "127.0.0.1", "--directory", root,
               std::to_string(port)},
              port);
    }

    Work drive(Load load) override {
        return ab_load(dir_, server_->port(), shape(load, {50, 200, 300, 8}));
    }
};

const std::vector<Invariant> kPerRequest = {
    {"accept4", "socket", 1}, {"clone3", nullptr, 1}, {"recvfrom", "socket", 1},
    {"sendto", "socket", 2},  {"write", "file", 1},   {"shutdown", nullptr, 1},
};

TEST_F(PythonHttpTest, PerRequestCountsAreInvariant) {
    check_invariants(kPerRequest);
}

TEST_F(PythonHttpTest, CountsAgreeWithStrace) {
    check_against_strace(kPerRequest);
}

TEST_F(PythonHttpTest, RolesPollAcceptorAndAThreadPerConnection) {
    const auto report = model_report();
    ASSERT_FALSE(report.is_null());
    ASSERT_HAS_ROLES(report);
    expect_process(process(report, server_->pid()),
                   {{"thread-per-connection"},
                    {"thread-per-connection"},
                    {{{"acceptor"}, {"poll"}}, {{"connection-worker"}, {"blocking"}, 100}}});
}

}  // namespace
}  // namespace servertest
