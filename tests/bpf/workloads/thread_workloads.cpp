// Threads that come and go: a process that starts and ends threads at a fixed rate, and a
// thread-per-connection server that serves a fixed number of connections from a client
// process, so the tests know every thread and every call that happened.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "fds.h"
#include "workloads.h"

namespace workload {

using std::chrono::microseconds;
using std::chrono::steady_clock;

int thread_churn(const Options &options) {
    const long per_second = options.get_int("per-second", 2000);
    const long seconds = options.get_int("seconds", 3);
    const long total = per_second * seconds;
    const auto period = microseconds(1'000'000 / per_second);
    auto next = steady_clock::now();
    for (long i = 0; i < total; ++i) {
        // Each thread makes three known calls and exits.
        std::thread worker([] {
            for (int call = 0; call < 3; ++call) {
                ::syscall(SYS_getppid);
            }
        });
        worker.join();
        next += period;
        std::this_thread::sleep_until(next);
    }
    Facts facts(options);
    facts.add("threads", total);
    facts.write();
    return 0;
}

namespace {

// A listening TCP socket on 127.0.0.1 and the port it got.
UniqueFd listen_on_loopback(int &port) {
    UniqueFd listener(static_cast<int>(check(::socket(AF_INET, SOCK_STREAM, 0), "socket")));
    const int yes = 1;
    check(::setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes), "reuseaddr");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    auto *generic = reinterpret_cast<sockaddr *>(&address);
    check(::bind(listener.get(), generic, sizeof address), "bind 127.0.0.1");
    check(::listen(listener.get(), 128), "listen");
    socklen_t length = sizeof address;
    check(::getsockname(listener.get(), generic, &length), "getsockname");
    port = ntohs(address.sin_port);
    return listener;
}

// The client: `connections` connections one after another, each one request and its reply.
[[noreturn]] void run_clients(int port, long connections, std::size_t bytes) {
    const std::string request(bytes, 'q');
    std::vector<char> reply(bytes);
    for (long i = 0; i < connections; ++i) {
        UniqueFd fd(static_cast<int>(check(::socket(AF_INET, SOCK_STREAM, 0), "socket")));
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = htons(static_cast<std::uint16_t>(port));
        check(::connect(fd.get(), reinterpret_cast<sockaddr *>(&address), sizeof address),
              "connect");
        send_once(fd.get(), request);
        recv_once(fd.get(), reply.data(), reply.size());
    }
    ::_exit(0);
}

// One connection's thread: the request (until it is whole), the reply, then EOF.
void serve_one(UniqueFd fd, std::size_t bytes) {
    std::vector<char> request(bytes);
    recv_once(fd.get(), request.data(), request.size());
    send_once(fd.get(), std::string_view(request.data(), request.size()));
    char byte;
    if (::recv(fd.get(), &byte, 1, 0) != 0) {
        die("expected EOF after the reply");
    }
}

}  // namespace

int thread_server(const Options &options) {
    const long connections = options.get_int("connections", 500);
    const auto bytes = static_cast<std::size_t>(options.get_int("bytes", 100));
    int port = 0;
    UniqueFd listener = listen_on_loopback(port);
    const pid_t client = static_cast<pid_t>(check(::fork(), "fork"));
    if (client == 0) {
        run_clients(port, connections, bytes);
    }
    for (long i = 0; i < connections; ++i) {
        UniqueFd fd(static_cast<int>(check(::accept(listener.get(), nullptr, nullptr), "accept")));
        std::thread(serve_one, std::move(fd), bytes).detach();
    }
    int status = 0;
    check(::waitpid(client, &status, 0), "waitpid");
    // The last threads may still be finishing their EOF read.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    Facts facts(options);
    facts.add("client_pid", client);
    facts.add("connections", connections);
    facts.add("client_status", status);
    facts.write();
    return status == 0 ? 0 : 1;
}

}  // namespace workload
