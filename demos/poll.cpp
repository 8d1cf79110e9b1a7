// poll — I/O multiplexing with poll().
//
// Like select, one thread sleeps in poll() on every socket (phase 1) and then does
// recv()/send() on the ready ones (phase 2). poll takes an array of (fd, events) instead of
// bitmaps, so there is no FD_SETSIZE limit, but each call still copies and scans the whole
// array: the cost grows with the number of connections, idle or not.
#include <poll.h>

#include <cerrno>
#include <vector>

#include "acceptor.h"
#include "connection.h"
#include "lifecycle.h"

using namespace iophase::demo;
using iophase::UniqueFd;

namespace {

constexpr const char *kModel = "poll";

short wanted_events(const Connection &client) {
    return static_cast<short>((client.output_full() ? 0 : POLLIN) |
                              (client.has_output() ? POLLOUT : 0));
}

}  // namespace

int main(int argc, char **argv) {
    DemoSetup server = start_demo_server(argc, argv, kModel, {.nonblocking = true});
    Acceptor acceptor(server.listener.get());
    std::vector<Connection> clients;
    std::vector<pollfd> watched;  // [0] the listener, [i + 1] clients[i]

    while (!stop_requested()) {
        watched.assign(1, pollfd{server.listener.get(), POLLIN, 0});
        for (const Connection &client : clients) {
            watched.push_back(pollfd{client.fd(), wanted_events(client), 0});
        }

        if (poll(watched.data(), watched.size(), -1) < 0) {
            if (errno != EINTR) {
                report_errno("poll");
            }
            continue;
        }

        // Clients first: the indices of `watched` match `clients` only until we accept.
        std::size_t index = 0;
        std::erase_if(clients, [&](Connection &client) {
            const short ready = watched[++index].revents;
            if ((ready & (POLLIN | POLLERR | POLLHUP)) && client.receive() == IoResult::Closed) {
                return true;
            }
            return ready != 0 && client.flush() == IoResult::Closed;
        });
        if (watched[0].revents & POLLIN) {
            acceptor.accept_all([&](UniqueFd fd) { clients.emplace_back(std::move(fd)); });
        }
    }
    return finish_demo_server(kModel);
}
