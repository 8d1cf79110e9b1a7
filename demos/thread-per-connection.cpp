// thread-per-connection — blocking I/O, one thread per client.
//
// The main thread sleeps in accept(); each client gets its own thread that sleeps in recv()
// and send() exactly like the iterative server. The kernel's scheduler is the multiplexer:
// a thread per waiting client, each with its own stack.
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>

#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <set>
#include <system_error>
#include <thread>

#include "acceptor.h"
#include "connection.h"
#include "lifecycle.h"

using namespace iophase::demo;
using iophase::UniqueFd;

namespace {

constexpr const char *kModel = "thread-per-connection";

// The sockets of running client threads, so a stop can wake them (shutdown makes their
// blocked recv return 0) and wait until every thread has finished.
class ActiveClients {
  public:
    void add(int fd) {
        std::lock_guard lock(mutex_);
        fds_.insert(fd);
    }
    void remove(int fd) {
        std::lock_guard lock(mutex_);
        fds_.erase(fd);
        if (fds_.empty()) {
            all_gone_.notify_all();
        }
    }
    void shut_down_all_and_wait() {
        std::unique_lock lock(mutex_);
        for (const int fd : fds_) {
            shutdown(fd, SHUT_RDWR);
        }
        all_gone_.wait(lock, [this] { return fds_.empty(); });
    }

  private:
    std::mutex mutex_;
    std::condition_variable all_gone_;
    std::set<int> fds_;
};

void serve_until_closed(Connection &client) {
    while (client.receive() == IoResult::Progress && client.flush() == IoResult::Progress) {
    }
}

void client_thread(UniqueFd fd, ActiveClients &active) {
    const int raw_fd = fd.get();
    {
        Connection client(std::move(fd));
        serve_until_closed(client);
        active.remove(raw_fd);  // before the socket closes, so a stop never touches a reused fd
    }
}

// Client threads block SIGINT/SIGTERM so the stop signal always interrupts the main thread.
void start_client_thread(UniqueFd fd, ActiveClients &active) {
    sigset_t stop_signals, previous;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, &previous);
    const int raw_fd = fd.get();
    active.add(raw_fd);
    try {
        std::thread(client_thread, std::move(fd), std::ref(active)).detach();
    } catch (const std::system_error &error) {
        // Out of threads (or memory for a stack): this client is refused, the server goes on.
        errno = error.code().value();
        report_errno("cannot start a client thread");
        active.remove(raw_fd);  // the socket was closed with the thread's arguments
    }
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

}  // namespace

int main(int argc, char **argv) {
    DemoSetup server = start_demo_server(argc, argv, kModel, {.nonblocking = false});
    Acceptor acceptor(server.listener.get());
    ActiveClients active;

    while (!stop_requested()) {
        AcceptResult next = acceptor.accept_client(/*nonblocking=*/false);
        if (next.outcome == AcceptOutcome::Accepted) {
            start_client_thread(std::move(next.fd), active);
        }
    }
    active.shut_down_all_and_wait();
    return finish_demo_server(kModel);
}
