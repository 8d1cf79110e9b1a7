// epoll-et — I/O multiplexing with epoll, edge-triggered (EPOLLET).
//
// Each socket is registered once for both directions with EPOLLET: epoll_wait (phase 1)
// reports a socket when its state changes (data arrived, send space freed), not while it
// stays ready. So every report must be drained: recv() until EAGAIN, send() until EAGAIN,
// accept() until EAGAIN; stopping early would leave data nobody is told about.
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

constexpr const char *kModel = "epoll-et";
constexpr std::uint32_t kClientEvents = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;

// Accept until EAGAIN: the listener's edge came once for all who are waiting.
void accept_until_eagain(Acceptor &acceptor, int epoll_fd,
                         std::unordered_map<int, Connection> &clients) {
    acceptor.accept_all([&](UniqueFd fd) {
        const int raw_fd = fd.get();
        epoll_event event = {.events = kClientEvents, .data = {.fd = raw_fd}};
        if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, raw_fd, &event) != 0) {
            report_errno("epoll_ctl(ADD)");
            return;  // the connection closes with fd
        }
        clients.emplace(raw_fd, Connection(std::move(fd)));
    });
}

}  // namespace

int main(int argc, char **argv) {
    DemoSetup server = start_demo_server(argc, argv, kModel, {.nonblocking = true});
    const int listener = server.listener.get();
    Acceptor acceptor(listener);
    UniqueFd epoll_fd(epoll_create1(EPOLL_CLOEXEC));
    epoll_event listen_event = {.events = EPOLLIN | EPOLLET, .data = {.fd = listener}};
    if (!epoll_fd || epoll_ctl(epoll_fd.get(), EPOLL_CTL_ADD, listener, &listen_event) != 0) {
        report_errno("epoll on the listen socket");
        return 1;
    }
    std::unordered_map<int, Connection> clients;  // by fd
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
                accept_until_eagain(acceptor, epoll_fd.get(), clients);
                continue;
            }
            const auto found = clients.find(fd);
            // Drain: the next report comes only with the next change.
            if (found != clients.end() && found->second.drain() == IoResult::Closed) {
                clients.erase(found);
            }
        }
    }
    return finish_demo_server(kModel);
}
