// signal-driven — O_ASYNC + F_SETOWN + F_SETSIG (UNP ch. 6.2, figure 6.4; ch. 25).
//
// Each socket is told to raise a realtime signal (SIGRTMIN+1) carrying its fd when it
// becomes readable or writable. The signal is blocked and the thread waits for it in
// sigwaitinfo() (phase 1); the signal's si_fd says which socket to serve with non-blocking
// accept()/recv()/send() (phase 2). Like edge-triggered epoll a signal reports a change, so
// each socket is drained until EAGAIN. When the kernel's realtime signal queue overflows
// it sends plain SIGIO instead, and we no longer know which sockets are ready: sweep all.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <unordered_map>

#include "acceptor.h"
#include "connection.h"
#include "lifecycle.h"

using namespace iophase::demo;
using iophase::UniqueFd;

namespace {

constexpr const char *kModel = "signal-driven";

int readiness_signal() {
    return SIGRTMIN + 1;
}

// The signals this thread waits for: readiness, queue overflow, and the stop signals (so a
// stop cannot slip in between checking the flag and going to sleep).
sigset_t waited_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, readiness_signal());
    sigaddset(&set, SIGIO);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    return set;
}

// Ask the kernel to signal this process, with our realtime signal, when `fd` is ready.
bool signal_when_ready(int fd) {
    return fcntl(fd, F_SETOWN, getpid()) == 0 && fcntl(fd, F_SETSIG, readiness_signal()) == 0 &&
           fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_ASYNC | O_NONBLOCK) == 0;
}

void accept_until_eagain(Acceptor &acceptor, std::unordered_map<int, Connection> &clients) {
    acceptor.accept_all([&](UniqueFd fd) {
        if (!signal_when_ready(fd.get())) {
            report_errno("fcntl(O_ASYNC)");
            return;  // the connection closes with fd
        }
        const int raw_fd = fd.get();
        Connection client(std::move(fd));
        // Data that arrived before O_ASYNC was set raised no signal: look now.
        if (client.drain() != IoResult::Closed) {
            clients.emplace(raw_fd, std::move(client));
        }
    });
}

void serve_fd(int fd, Acceptor &acceptor, std::unordered_map<int, Connection> &clients) {
    if (fd == acceptor.listen_fd()) {
        accept_until_eagain(acceptor, clients);
        return;
    }
    // A signal may be stale: its socket already closed (and the number maybe reused).
    const auto found = clients.find(fd);
    if (found != clients.end() && found->second.drain() == IoResult::Closed) {
        clients.erase(found);
    }
}

void sweep_all(Acceptor &acceptor, std::unordered_map<int, Connection> &clients) {
    accept_until_eagain(acceptor, clients);
    for (auto it = clients.begin(); it != clients.end();) {
        it = it->second.drain() == IoResult::Closed ? clients.erase(it) : std::next(it);
    }
}

}  // namespace

int main(int argc, char **argv) {
    DemoSetup server = start_demo_server(argc, argv, kModel, {.nonblocking = true});
    const sigset_t waited = waited_signals();
    sigprocmask(SIG_BLOCK, &waited, nullptr);
    Acceptor acceptor(server.listener.get());
    if (!signal_when_ready(acceptor.listen_fd())) {
        report_errno("fcntl(O_ASYNC) on the listen socket");
        return 1;
    }
    std::unordered_map<int, Connection> clients;  // by fd
    sweep_all(acceptor, clients);  // a client that connected before O_ASYNC raised no signal

    while (!stop_requested()) {
        siginfo_t info = {};
        const int signal_number = sigwaitinfo(&waited, &info);
        if (signal_number == readiness_signal()) {
            serve_fd(info.si_fd, acceptor, clients);
        } else if (signal_number == SIGIO) {
            sweep_all(acceptor, clients);  // the realtime queue overflowed
        } else if (signal_number == SIGINT || signal_number == SIGTERM) {
            request_stop();
        } else if (signal_number < 0 && errno != EINTR) {
            report_errno("sigwaitinfo");
        }
    }
    return finish_demo_server(kModel);
}
