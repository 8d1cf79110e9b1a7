// epoll-lt — I/O multiplexing with epoll, level-triggered (the default).
//
// The interest list lives in the kernel: each socket is registered once with epoll_ctl, and
// epoll_wait (phase 1) returns only the ready ones, so the cost follows the number of ready
// sockets, not the number of connections. Level-triggered: a socket is reported as long as
// it stays ready, so one recv() per report is enough. EPOLLOUT is asked for only while
// output is pending; otherwise every idle socket would be "ready to write" forever.
#include <sys/epoll.h>

#include <array>
#include <cerrno>
#include <unordered_map>

#include "acceptor.h"
#include "connection.h"
#include "lifecycle.h"

using namespace iophase::demo;
using iophase::UniqueFd;

namespace {

constexpr const char *kModel = "epoll-lt";

struct Client {
    Connection connection;
    std::uint32_t registered = 0;  // the events epoll watches for this socket now
};

std::uint32_t wanted_events(const Connection &connection) {
    return (connection.output_full() ? 0u : EPOLLIN) | (connection.has_output() ? EPOLLOUT : 0u);
}

// Tell epoll what we wait for now, if it changed.
void update_interest(int epoll_fd, Client &client) {
    const std::uint32_t wanted = wanted_events(client.connection);
    if (wanted != client.registered) {
        epoll_event event = {.events = wanted, .data = {.fd = client.connection.fd()}};
        epoll_ctl(epoll_fd, EPOLL_CTL_MOD, client.connection.fd(), &event);
        client.registered = wanted;
    }
}

void accept_pending(Acceptor &acceptor, int epoll_fd, std::unordered_map<int, Client> &clients) {
    acceptor.accept_all([&](UniqueFd fd) {
        const int raw_fd = fd.get();
        epoll_event event = {.events = EPOLLIN, .data = {.fd = raw_fd}};
        if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, raw_fd, &event) != 0) {
            report_errno("epoll_ctl(ADD)");
            return;  // the connection closes with fd
        }
        clients.emplace(raw_fd, Client{Connection(std::move(fd)), EPOLLIN});
    });
}

// Handle one report for one client. False: close it.
bool on_ready(Client &client, std::uint32_t events) {
    Connection &connection = client.connection;
    if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && connection.receive() == IoResult::Closed) {
        return false;
    }
    return connection.flush() != IoResult::Closed;
}

}  // namespace

int main(int argc, char **argv) {
    DemoSetup server = start_demo_server(argc, argv, kModel, {.nonblocking = true});
    const int listener = server.listener.get();
    Acceptor acceptor(listener);
    UniqueFd epoll_fd(epoll_create1(EPOLL_CLOEXEC));
    epoll_event listen_event = {.events = EPOLLIN, .data = {.fd = listener}};
    if (!epoll_fd || epoll_ctl(epoll_fd.get(), EPOLL_CTL_ADD, listener, &listen_event) != 0) {
        report_errno("epoll on the listen socket");
        return 1;
    }
    std::unordered_map<int, Client> clients;  // by fd
    std::array<epoll_event, 256> ready;

    while (!stop_requested()) {
        const int count = epoll_wait(epoll_fd.get(), ready.data(), ready.size(), -1);
        if (count < 0) {
            if (errno != EINTR) {
                report_errno("epoll_wait");
            }
            continue;
        }
        for (int i = 0; i < count; ++i) {
            const int fd = ready[i].data.fd;
            if (fd == listener) {
                accept_pending(acceptor, epoll_fd.get(), clients);
                continue;
            }
            const auto found = clients.find(fd);
            if (found == clients.end()) {
                continue;
            }
            if (on_ready(found->second, ready[i].events)) {
                update_interest(epoll_fd.get(), found->second);
            } else {
                clients.erase(found);  // closing the socket also removes it from epoll
            }
        }
    }
    return finish_demo_server(kModel);
}
