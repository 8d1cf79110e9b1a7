#include "demo_client.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "common/protocol.h"

namespace iophase::demo::testing {

void Socket::reset() {
    const linger abort_on_close = {1, 0};
    setsockopt(fd_.get(), SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close);
    close();
}

Socket connect_to(std::uint16_t port, int receive_buffer) {
    Socket socket(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (socket.fd() < 0) {
        throw std::runtime_error("socket(): " + std::string(strerror(errno)));
    }
    if (receive_buffer > 0) {
        setsockopt(socket.fd(), SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    }
    set_receive_timeout(socket, 10'000);
    const timeval send_timeout = {10, 0};
    setsockopt(socket.fd(), SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof send_timeout);
    sockaddr_in address = {};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(socket.fd(), reinterpret_cast<sockaddr *>(&address), sizeof address) != 0) {
        throw std::runtime_error("connect(127.0.0.1:" + std::to_string(port) +
                                 "): " + strerror(errno));
    }
    return socket;
}

void set_receive_timeout(const Socket &socket, int milliseconds) {
    const timeval timeout = {milliseconds / 1000, (milliseconds % 1000) * 1000};
    setsockopt(socket.fd(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
}

bool send_all(const Socket &socket, std::span<const std::uint8_t> bytes) {
    while (!bytes.empty()) {
        const ssize_t n = send(socket.fd(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        bytes = bytes.subspan(static_cast<std::size_t>(n));
    }
    return true;
}

bool receive_exact(const Socket &socket, std::size_t n, std::vector<std::uint8_t> &out) {
    out.resize(n);
    std::size_t have = 0;
    while (have < n) {
        const ssize_t got = recv(socket.fd(), out.data() + have, n - have, 0);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            return false;
        }
        have += static_cast<std::size_t>(got);
    }
    return true;
}

bool peer_closed(const Socket &socket) {
    std::uint8_t byte = 0;
    while (true) {
        const ssize_t got = recv(socket.fd(), &byte, 1, 0);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        return got == 0 || (got < 0 && errno == ECONNRESET);
    }
}

std::vector<std::uint8_t> make_payload(std::size_t size, unsigned seed) {
    static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789 ABC\n\xff\x00";
    std::vector<std::uint8_t> payload(size);
    std::uint32_t state = seed * 2654435761u + 1;
    for (std::uint8_t &byte : payload) {
        state = state * 1664525u + 1013904223u;
        byte = static_cast<std::uint8_t>(kAlphabet[(state >> 16) % (sizeof kAlphabet - 1)]);
    }
    return payload;
}

std::vector<std::uint8_t> expected_echo_reply(std::span<const std::uint8_t> payload) {
    std::vector<std::uint8_t> reply;
    proto::append_header(reply, proto::Op::Echo, static_cast<std::uint32_t>(payload.size()));
    for (const std::uint8_t byte : payload) {
        reply.push_back(proto::to_upper(byte));
    }
    return reply;
}

bool echo_round_trip(const Socket &socket, std::span<const std::uint8_t> payload) {
    const auto expected = expected_echo_reply(payload);
    std::vector<std::uint8_t> reply;
    return send_all(socket, proto::make_echo_request(payload)) &&
           receive_exact(socket, expected.size(), reply) && reply == expected;
}

namespace {

struct EchoClient {
    Socket socket;
    int rounds_left = 0;
    std::size_t sent = 0;
    std::vector<std::uint8_t> reply;
    bool done = false;
};

}  // namespace

ConcurrentResult run_concurrent_echo(std::uint16_t port, int clients, int rounds, std::size_t size,
                                     int timeout_ms) {
    const auto payload = make_payload(size, 7);
    const auto request = proto::make_echo_request(payload);
    const auto expected = expected_echo_reply(payload);
    std::vector<EchoClient> all(static_cast<std::size_t>(clients));
    for (EchoClient &client : all) {
        client.socket = connect_to(port);
        fcntl(client.socket.fd(), F_SETFL, fcntl(client.socket.fd(), F_GETFL) | O_NONBLOCK);
        client.rounds_left = rounds;
    }
    ConcurrentResult result;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    std::vector<pollfd> watched;
    std::vector<EchoClient *> owners;
    std::vector<std::uint8_t> chunk(64 << 10);
    while (result.completed + result.failed < clients &&
           std::chrono::steady_clock::now() < deadline) {
        watched.clear();
        owners.clear();
        for (EchoClient &client : all) {
            if (!client.done) {
                const short events = client.sent < request.size() ? POLLOUT : POLLIN;
                watched.push_back(pollfd{client.socket.fd(), events, 0});
                owners.push_back(&client);
            }
        }
        if (poll(watched.data(), watched.size(), 100) < 0 && errno != EINTR) {
            break;
        }
        for (std::size_t i = 0; i < watched.size(); ++i) {
            EchoClient &client = *owners[i];
            const auto fail = [&] {
                client.done = true;
                client.socket.close();
                ++result.failed;
            };
            if (watched[i].revents == 0) {
                continue;
            }
            if (client.sent < request.size()) {
                const ssize_t n = send(client.socket.fd(), request.data() + client.sent,
                                       request.size() - client.sent, MSG_NOSIGNAL);
                if (n > 0) {
                    client.sent += static_cast<std::size_t>(n);
                } else if (errno != EAGAIN) {
                    fail();
                }
                continue;
            }
            const ssize_t n = recv(client.socket.fd(), chunk.data(), chunk.size(), 0);
            if (n <= 0) {
                if (n == 0 || errno != EAGAIN) {
                    fail();
                }
                continue;
            }
            client.reply.insert(client.reply.end(), chunk.begin(), chunk.begin() + n);
            if (client.reply.size() < expected.size()) {
                continue;
            }
            if (client.reply != expected) {
                fail();
                continue;
            }
            client.reply.clear();
            client.sent = 0;
            if (--client.rounds_left == 0) {
                client.done = true;
                client.socket.close();  // lets an iterative server move on
                ++result.completed;
            }
        }
    }
    return result;
}

double process_cpu_seconds(pid_t pid) {
    std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    // Fields after the command name, which is in parentheses and may contain spaces.
    std::istringstream fields(text.substr(text.rfind(')') + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int index = 3; fields >> field; ++index) {
        if (index == 14) {
            utime = std::stoull(field);
        } else if (index == 15) {
            stime = std::stoull(field);
            break;
        }
    }
    return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

int open_fd_count(pid_t pid) {
    const std::string path = "/proc/" + std::to_string(pid) + "/fd";
    DIR *dir = opendir(path.c_str());
    if (dir == nullptr) {
        return -1;
    }
    int count = 0;
    while (const dirent *entry = readdir(dir)) {
        count += entry->d_name[0] != '.';
    }
    closedir(dir);
    return count;
}

int zombie_children(pid_t pid) {
    DIR *dir = opendir("/proc");
    if (dir == nullptr) {
        return -1;
    }
    int zombies = 0;
    while (const dirent *entry = readdir(dir)) {
        if (entry->d_name[0] < '0' || entry->d_name[0] > '9') {
            continue;
        }
        std::ifstream file(std::string("/proc/") + entry->d_name + "/stat");
        std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
        const auto close_paren = text.rfind(')');
        if (close_paren == std::string::npos) {
            continue;  // the process is gone already
        }
        // After the command name: state, then the parent's pid.
        std::istringstream fields(text.substr(close_paren + 2));
        std::string state;
        pid_t parent = 0;
        fields >> state >> parent;
        zombies += parent == pid && state == "Z";
    }
    closedir(dir);
    return zombies;
}

std::map<std::string, std::string> parse_fields(const std::string &line) {
    std::map<std::string, std::string> fields;
    std::istringstream words(line);
    std::string word;
    while (words >> word) {
        const auto equals = word.find('=');
        if (equals != std::string::npos) {
            fields[word.substr(0, equals)] = word.substr(equals + 1);
        }
    }
    return fields;
}

}  // namespace iophase::demo::testing
