// nonblocking-poll — non-blocking sockets and no multiplexer (UNP ch. 6, figure 6.2).
//
// Every socket is O_NONBLOCK. The loop sweeps them all: accept() on the listener, then
// recv() and send() on every client. Most calls find nothing and return EAGAIN: the process
// never sleeps in phase 1, it polls, burning CPU. --sleep-us N pauses between sweeps (the
// classic compromise between latency and wasted CPU); the default 0 spins.
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "acceptor.h"
#include "connection.h"
#include "lifecycle.h"

using namespace iophase::demo;
using iophase::UniqueFd;

namespace {

constexpr const char *kModel = "nonblocking-poll";

// One poll of one client: take what arrived, send what is pending. False: close it.
bool poll_client(Connection &client) {
    if (!client.output_full() && client.receive() == IoResult::Closed) {
        return false;
    }
    return client.flush() != IoResult::Closed;
}

}  // namespace

int main(int argc, char **argv) {
    DemoSetup server =
        start_demo_server(argc, argv, kModel, {.nonblocking = true, .has_sleep_us = true});
    Acceptor acceptor(server.listener.get());
    std::vector<Connection> clients;

    while (!stop_requested()) {
        acceptor.accept_all([&](UniqueFd fd) { clients.emplace_back(std::move(fd)); });
        std::erase_if(clients, [](Connection &client) { return !poll_client(client); });
        if (server.options.sleep_us > 0) {
            usleep(static_cast<useconds_t>(server.options.sleep_us));
        }
    }
    return finish_demo_server(kModel);
}
