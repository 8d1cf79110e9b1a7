// select — I/O multiplexing with select() (UNP ch. 6.3).
//
// One thread sleeps in select() on every socket at once (phase 1), then recv()/send() on
// the ready ones (phase 2). Each call hands the kernel three fd_set bitmaps and the kernel
// scans every bit up to the highest fd. An fd_set holds only FD_SETSIZE (1024) bits: a
// connection whose fd is >= FD_SETSIZE cannot be watched, so it is refused and closed.
#include <sys/select.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <vector>

#include "acceptor.h"
#include "connection.h"
#include "lifecycle.h"

using namespace iophase::demo;
using iophase::UniqueFd;

namespace {

constexpr const char *kModel = "select";

void accept_within_fd_setsize(Acceptor &acceptor, std::vector<Connection> &clients) {
    acceptor.accept_all([&](UniqueFd fd) {
        if (fd.get() >= FD_SETSIZE) {
            // FD_SET on it would write past the end of the fd_set.
            std::fprintf(stderr,
                         "iophase-demo-select: refusing connection: fd %d >= FD_SETSIZE (%d), "
                         "select() cannot watch it; closing it (use poll or epoll for more)\n",
                         fd.get(), FD_SETSIZE);
            return;  // closes it
        }
        clients.emplace_back(std::move(fd));
    });
}

}  // namespace

int main(int argc, char **argv) {
    DemoSetup server = start_demo_server(argc, argv, kModel, {.nonblocking = true});
    const int listener = server.listener.get();
    Acceptor acceptor(listener);
    std::vector<Connection> clients;

    while (!stop_requested()) {
        fd_set readable, writable;
        FD_ZERO(&readable);
        FD_ZERO(&writable);
        FD_SET(listener, &readable);
        int max_fd = listener;
        for (const Connection &client : clients) {
            if (!client.output_full()) {
                FD_SET(client.fd(), &readable);
            }
            if (client.has_output()) {
                FD_SET(client.fd(), &writable);
            }
            max_fd = std::max(max_fd, client.fd());
        }

        if (select(max_fd + 1, &readable, &writable, nullptr, nullptr) < 0) {
            if (errno != EINTR) {
                report_errno("select");
            }
            continue;
        }

        if (FD_ISSET(listener, &readable)) {
            accept_within_fd_setsize(acceptor, clients);
        }
        std::erase_if(clients, [&](Connection &client) {
            const bool can_read = FD_ISSET(client.fd(), &readable);
            const bool can_write = FD_ISSET(client.fd(), &writable);
            if (can_read && client.receive() == IoResult::Closed) {
                return true;
            }
            // Reply at once; what the socket does not take waits for writability.
            return (can_read || can_write) && client.flush() == IoResult::Closed;
        });
    }
    return finish_demo_server(kModel);
}
