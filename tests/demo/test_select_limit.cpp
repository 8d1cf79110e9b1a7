// The select demo's FD_SETSIZE limit: a connection whose fd would not fit in an fd_set is
// refused with a message and closed, and the server stays correct for the others.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/select.h>
#include <unistd.h>

#include <string>

#include "catalog.h"
#include "common/protocol.h"
#include "demo_client.h"

namespace iophase::demo::testing {
namespace {

std::string read_available(int fd) {
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    std::string text;
    char buffer[4096];
    ssize_t n = 0;
    while ((n = read(fd, buffer, sizeof buffer)) > 0) {
        text.append(buffer, static_cast<std::size_t>(n));
    }
    return text;
}

TEST(SelectDemo, RefusesConnectionsWhoseFdIsAtOrAboveFdSetsize) {
    constexpr int kClients = 1100;  // more than FD_SETSIZE (1024)
    RunningDemo demo = start_demo("select", {}, /*capture_stderr=*/true);
    struct StopOnExit {
        RunningDemo &demo;
        ~StopOnExit() {
            if (demo.pid > 0) {
                stop_demo(demo);
            }
        }
    } stop_on_exit{demo};

    std::vector<Socket> clients;
    for (int i = 0; i < kClients; ++i) {
        clients.push_back(connect_to(demo.port));
    }
    int served = 0, refused = 0, wrong = 0;
    const auto payload = make_payload(64, 11);
    const auto request = proto::make_echo_request(payload);
    const auto expected = expected_echo_reply(payload);
    for (Socket &client : clients) {
        std::vector<std::uint8_t> reply;
        if (!send_all(client, request) || !receive_exact(client, expected.size(), reply)) {
            ++refused;  // closed by the server (EOF or reset)
        } else if (reply == expected) {
            ++served;
        } else {
            ++wrong;
        }
    }
    // The server holds 0-2, the listener and its spare fd, so at most FD_SETSIZE - 5 clients.
    EXPECT_EQ(wrong, 0);
    EXPECT_EQ(served + refused, kClients);
    EXPECT_LE(served, FD_SETSIZE - 5);
    EXPECT_GE(served, FD_SETSIZE - 40);
    EXPECT_GE(refused, kClients - (FD_SETSIZE - 5));

    // The clients that were served are still served correctly.
    EXPECT_TRUE(echo_round_trip(clients.front(), payload));
    clients.clear();
    Socket late = connect_to(demo.port);
    EXPECT_TRUE(echo_round_trip(late, payload)) << "served again once fds are free";
    late.close();

    const std::string errors = read_available(demo.stderr_fd.get());
    EXPECT_NE(errors.find("FD_SETSIZE"), std::string::npos) << errors;
    const std::string last = stop_demo(demo);
    EXPECT_EQ(parse_fields(last)["model"], "select") << last;
}

}  // namespace
}  // namespace iophase::demo::testing
