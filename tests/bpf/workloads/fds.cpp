#include "fds.h"

#include <arpa/inet.h>
#include <cerrno>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "options.h"

namespace workload {

namespace {

void force_buffers(int fd, int bytes) {
    if (bytes <= 0) {
        return;
    }
    // The FORCE variants ignore net.core.[rw]mem_max when we are privileged; fall back to
    // the plain ones (capped) otherwise.
    if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) < 0) {
        check(::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes), "SO_RCVBUF");
    }
    if (::setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &bytes, sizeof bytes) < 0) {
        check(::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes), "SO_SNDBUF");
    }
}

}  // namespace

FdPair make_tcp_pair(int buffer_bytes) {
    UniqueFd listener(static_cast<int>(check(::socket(AF_INET, SOCK_STREAM, 0), "socket")));
    force_buffers(listener.get(), buffer_bytes);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;  // any free port
    auto *generic = reinterpret_cast<sockaddr *>(&address);
    check(::bind(listener.get(), generic, sizeof address), "bind 127.0.0.1");
    check(::listen(listener.get(), 1), "listen");
    socklen_t length = sizeof address;
    check(::getsockname(listener.get(), generic, &length), "getsockname");

    UniqueFd client(static_cast<int>(check(::socket(AF_INET, SOCK_STREAM, 0), "socket")));
    force_buffers(client.get(), buffer_bytes);
    check(::connect(client.get(), generic, sizeof address), "connect");
    UniqueFd server(static_cast<int>(check(::accept(listener.get(), nullptr, nullptr), "accept")));
    return FdPair{std::move(server), std::move(client)};
}

FdPair make_unix_pair(int buffer_bytes) {
    int fds[2];
    check(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), "socketpair");
    FdPair pair{UniqueFd(fds[0]), UniqueFd(fds[1])};
    force_buffers(pair.first.get(), buffer_bytes);
    force_buffers(pair.second.get(), buffer_bytes);
    return pair;
}

FdPair make_pipe() {
    int fds[2];
    check(::pipe(fds), "pipe");
    return FdPair{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

void set_nonblocking(int fd) {
    const int flags = static_cast<int>(check(::fcntl(fd, F_GETFL), "F_GETFL"));
    check(::fcntl(fd, F_SETFL, flags | O_NONBLOCK), "F_SETFL O_NONBLOCK");
}

void send_once(int fd, std::string_view data) {
    const auto sent = check(::send(fd, data.data(), data.size(), 0), "send");
    if (static_cast<std::size_t>(sent) != data.size()) {
        errno = EIO;
        die("short send");
    }
}

void recv_once(int fd, char *buffer, std::size_t size) {
    const auto received = check(::recv(fd, buffer, size, MSG_WAITALL), "recv");
    if (static_cast<std::size_t>(received) != size) {
        errno = EIO;
        die("short recv");
    }
}

}  // namespace workload
