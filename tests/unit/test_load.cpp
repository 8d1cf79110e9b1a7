// The load generator against small servers started inside the test on 127.0.0.1.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "common/protocol.h"
#include "load/load.h"
#include "load/progress.h"
#include "load/reply_checker.h"
#include "common/unique_fd.h"

namespace iophase::load {
namespace {

enum class Behavior {
    Correct,         // the real protocol
    NoUppercase,     // replies with the payload unchanged (and lower-cases downloads)
    CloseOnRequest,  // closes a connection as soon as a request arrives
};

// A single-threaded poll() server on 127.0.0.1, port chosen by the kernel. It serves the
// protocol with proto::RequestDecoder, or misbehaves as asked, until destroyed.
class TestServer {
  public:
    explicit TestServer(Behavior behavior) : behavior_(behavior) {
        listener_.reset(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        if (!listener_ ||
            ::bind(listener_.get(), reinterpret_cast<sockaddr *>(&address), length) != 0 ||
            ::listen(listener_.get(), 512) != 0 ||
            ::getsockname(listener_.get(), reinterpret_cast<sockaddr *>(&address), &length) != 0) {
            throw std::runtime_error("test server: cannot listen");
        }
        port_ = ntohs(address.sin_port);
        PipeFds wake = open_pipe(O_CLOEXEC | O_NONBLOCK);
        if (!wake.read) {
            throw std::runtime_error("test server: pipe");
        }
        wake_read_ = std::move(wake.read);
        wake_write_ = std::move(wake.write);
        thread_ = std::thread([this] { serve(); });
    }

    ~TestServer() {
        const char byte = 'q';
        [[maybe_unused]] const auto ignored = ::write(wake_write_.get(), &byte, 1);
        thread_.join();
    }

    std::uint16_t port() const { return port_; }
    std::uint64_t accepted() const { return accepted_; }
    std::uint64_t requests() const { return requests_; }

  private:
    struct Client {
        UniqueFd fd;
        proto::RequestDecoder decoder;
        std::vector<std::uint8_t> out;
        std::size_t out_done = 0;
    };

    void serve() {
        std::map<int, Client> clients;
        std::vector<std::uint8_t> buffer(64 << 10);
        while (true) {
            std::vector<pollfd> fds{{wake_read_.get(), POLLIN, 0}, {listener_.get(), POLLIN, 0}};
            for (auto &[fd, client] : clients) {
                const bool pending = client.out_done < client.out.size();
                fds.push_back({fd, static_cast<short>(pending ? POLLOUT : POLLIN), 0});
            }
            if (::poll(fds.data(), fds.size(), -1) < 0) {
                continue;
            }
            if (fds[0].revents != 0) {
                return;
            }
            if (fds[1].revents != 0) {
                while (true) {
                    const int fd =
                        ::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
                    if (fd < 0) {
                        break;
                    }
                    ++accepted_;
                    clients[fd].fd.reset(fd);
                }
            }
            for (std::size_t i = 2; i < fds.size(); ++i) {
                if (fds[i].revents != 0 && !service(clients.at(fds[i].fd), buffer)) {
                    clients.erase(fds[i].fd);
                }
            }
        }
    }

    // Returns false when the connection should be closed.
    bool service(Client &client, std::vector<std::uint8_t> &buffer) {
        if (client.out_done < client.out.size()) {
            const ssize_t n = ::send(client.fd.get(), client.out.data() + client.out_done,
                                     client.out.size() - client.out_done, MSG_NOSIGNAL);
            if (n < 0) {
                return errno == EAGAIN;
            }
            client.out_done += static_cast<std::size_t>(n);
            return true;
        }
        const ssize_t n = ::recv(client.fd.get(), buffer.data(), buffer.size(), 0);
        if (n <= 0) {
            return n < 0 && errno == EAGAIN;
        }
        if (behavior_ == Behavior::CloseOnRequest) {
            ++requests_;
            return false;
        }
        client.out.erase(client.out.begin(),
                         client.out.begin() + static_cast<long>(client.out_done));
        client.out_done = 0;
        const std::size_t before = client.out.size();
        const long completed =
            client.decoder.feed(std::span(buffer.data(), static_cast<std::size_t>(n)), client.out);
        if (completed < 0) {
            return false;
        }
        requests_ += static_cast<std::uint64_t>(completed);
        if (behavior_ == Behavior::NoUppercase && completed == 1) {
            // The load generator keeps one request in flight, so this is one whole reply.
            std::transform(client.out.begin() + static_cast<long>(before + proto::kHeaderSize),
                           client.out.end(),
                           client.out.begin() + static_cast<long>(before + proto::kHeaderSize),
                           [](std::uint8_t c) {
                               return (c >= 'A' && c <= 'Z') ? static_cast<std::uint8_t>(c + 32)
                                                             : c;
                           });
        }
        return true;
    }

    Behavior behavior_;
    UniqueFd listener_;
    UniqueFd wake_read_;
    UniqueFd wake_write_;
    std::uint16_t port_ = 0;
    std::atomic<std::uint64_t> accepted_{0};
    std::atomic<std::uint64_t> requests_{0};
    std::thread thread_;
};

Options options_for(const TestServer &server) {
    Options options;
    options.port = server.port();
    return options;
}

TEST(Load, EchoCountsEveryMessageAndByte) {
    TestServer server(Behavior::Correct);
    Options options = options_for(server);
    options.connections = 4;
    options.messages = 1000;
    options.size = 100;
    const Result result = run(options);
    EXPECT_EQ(result.messages, 1000u);
    EXPECT_EQ(result.errors, 0u);
    EXPECT_EQ(result.connections_established, 4u);
    const std::uint64_t wire = 1000 * (proto::kHeaderSize + 100);
    EXPECT_EQ(result.bytes_sent, wire);
    EXPECT_EQ(result.bytes_received, wire);
    EXPECT_EQ(result.latency.count(), 1000u);
    EXPECT_GT(result.latency.percentile(50), 0u);
    EXPECT_LE(result.latency.percentile(50), result.latency.percentile(99));
    EXPECT_LE(result.latency.percentile(99), result.latency.max());
    EXPECT_GT(result.msgs_per_s, 0.0);
    EXPECT_EQ(server.requests(), 1000u);
}

TEST(Load, EmptyAndLargeEchoMessages) {
    TestServer server(Behavior::Correct);
    Options options = options_for(server);
    options.messages = 20;
    options.size = 0;
    const Result empty = run(options);
    EXPECT_EQ(empty.messages, 20u);
    EXPECT_EQ(empty.errors, 0u);
    EXPECT_EQ(empty.bytes_received, 20 * proto::kHeaderSize);

    options.size = 3 << 20;
    options.messages = 3;
    options.connections = 2;
    const Result large = run(options);
    EXPECT_EQ(large.messages, 3u);
    EXPECT_EQ(large.errors, 0u);
    EXPECT_EQ(large.bytes_received, 3 * (proto::kHeaderSize + (3u << 20)));
}

TEST(Load, ServerThatDoesNotUppercaseIsCaught) {
    TestServer server(Behavior::NoUppercase);
    Options options = options_for(server);
    options.connections = 2;
    options.messages = 50;
    const Result result = run(options);
    EXPECT_EQ(result.messages, 0u);
    EXPECT_EQ(result.bad_replies, 50u);
    EXPECT_GT(result.errors, 0u);
    EXPECT_EQ(result.latency.count(), 0u);
}

TEST(Load, UploadChecksTheAcknowledgedCount) {
    TestServer server(Behavior::Correct);
    Options options = options_for(server);
    options.mode = Mode::Upload;
    options.connections = 2;
    options.transfer_bytes = 1 << 20;
    options.messages = 5;
    const Result result = run(options);
    EXPECT_EQ(result.messages, 5u);
    EXPECT_EQ(result.errors, 0u);
    EXPECT_EQ(result.bytes_sent, 5 * (proto::kHeaderSize + (1u << 20)));
    EXPECT_EQ(result.bytes_received, 5 * (proto::kHeaderSize + 8));
}

TEST(Load, DownloadChecksEveryByte) {
    TestServer server(Behavior::Correct);
    Options options = options_for(server);
    options.mode = Mode::Download;
    options.connections = 2;
    options.transfer_bytes = (1 << 20) + 7;
    options.messages = 5;
    const Result result = run(options);
    EXPECT_EQ(result.messages, 5u);
    EXPECT_EQ(result.errors, 0u);
    EXPECT_EQ(result.bytes_sent, 5 * (proto::kHeaderSize + 8));
    EXPECT_EQ(result.bytes_received, 5 * (proto::kHeaderSize + (1u << 20) + 7));
}

TEST(Load, CorruptDownloadIsCaught) {
    TestServer server(Behavior::NoUppercase);
    Options options = options_for(server);
    options.mode = Mode::Download;
    options.transfer_bytes = 100'000;
    options.messages = 3;
    const Result result = run(options);
    EXPECT_EQ(result.messages, 0u);
    EXPECT_EQ(result.bad_replies, 3u);
}

TEST(Load, ClosedConnectionsAreCountedNotFatal) {
    TestServer server(Behavior::CloseOnRequest);
    Options options = options_for(server);
    options.connections = 3;
    options.duration_s = 20;  // must end early: every connection fails
    const Result result = run(options);
    EXPECT_EQ(result.messages, 0u);
    EXPECT_EQ(result.connection_errors, 3u);
    EXPECT_EQ(result.errors, 3u);
    EXPECT_LT(result.elapsed_ns, 10'000'000'000u);
}

TEST(Load, RefusedConnectionsAreCounted) {
    std::uint16_t port = 0;
    {
        // A port that was just free: bind, read the number, close.
        TestServer server(Behavior::Correct);
        port = server.port();
    }
    Options options;
    options.port = port;
    options.connections = 3;
    options.idle = 2;
    options.duration_s = 20;
    const Result result = run(options);
    EXPECT_EQ(result.connect_failures, 5u);
    EXPECT_EQ(result.connect_errors.at(ECONNREFUSED), 5u);  // the server, not a local limit
    EXPECT_NE(describe_connect_failures(result).find("is the server running?"), std::string::npos);
    EXPECT_EQ(result.connections_established, 0u);
    EXPECT_EQ(result.messages, 0u);
    EXPECT_LT(result.elapsed_ns, 10'000'000'000u);
}

// More connections than this process may have fds, or than there are local ports for one
// server address, are refused up front, naming the limit; --allow-partial runs anyway.
TEST(Load, LimitsAreNamedBeforeTheRun) {
    ConnectionLimits limits;
    limits.fds = 1024;
    limits.fds_hard = 4096;
    limits.port_low = 32768;
    limits.port_high = 60999;
    EXPECT_EQ(limit_problem(100, 200, limits), "");
    const std::string fds = limit_problem(100'000, 100'066, limits);
    EXPECT_NE(fds.find("100,066 file descriptors"), std::string::npos) << fds;
    EXPECT_NE(fds.find("may open 1,024 (ulimit -n; hard limit 4,096)"), std::string::npos) << fds;
    limits.fds = 1'000'000;
    const std::string ports = limit_problem(100'000, 100'066, limits);
    EXPECT_NE(ports.find("32768-60999) has 28,232"), std::string::npos) << ports;
    EXPECT_NE(connect_error_reason(EMFILE, limits).find("ulimit -n 1,000,000"), std::string::npos);
    EXPECT_NE(connect_error_reason(EADDRNOTAVAIL, limits).find("28,232 ports"), std::string::npos);
}

// In a child whose hard fd limit is 64, 100 connections are refused up front; with
// allow_partial the run goes on and every failed connect is put down to EMFILE. The child is
// forked before the server's thread exists (a fork of a threaded process may inherit a lock
// held by another thread), learns the port through a pipe and reports through another.
TEST(Load, TheFdLimitIsBlamedNotTheServer) {
    PipeFds port_pipe = open_pipe(0);
    PipeFds report = open_pipe(0);
    ASSERT_TRUE(port_pipe.read && report.read);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        port_pipe.write.reset();
        report.read.reset();
        std::uint16_t port = 0;
        if (::read(port_pipe.read.get(), &port, sizeof port) != sizeof port) {
            ::_exit(1);
        }
        const rlimit low{64, 64};
        ::setrlimit(RLIMIT_NOFILE, &low);
        Options options;
        options.port = port;
        options.connections = 100;
        options.duration_s = 0.3;
        std::string refused;
        try {
            run(options);
        } catch (const std::invalid_argument &e) {
            refused = e.what();
        }
        options.allow_partial = true;
        const Result result = run(options);
        const std::string line = fmt::format(
            "{}|{}|{}|{}", refused.find("may open 64") != std::string::npos ? "refused" : refused,
            result.connections_established,
            result.connect_errors.count(EMFILE) != 0 ? result.connect_errors.at(EMFILE) : 0,
            result.connect_failures);
        (void)!::write(report.write.get(), line.data(), line.size());
        ::_exit(0);
    }
    port_pipe.read.reset();
    report.write.reset();
    std::string line(256, '\0');
    ssize_t n = -1;
    {
        TestServer server(Behavior::Correct);
        const std::uint16_t port = server.port();
        (void)!::write(port_pipe.write.get(), &port, sizeof port);
        port_pipe.write.reset();
        pollfd ready{report.read.get(), POLLIN, 0};
        if (::poll(&ready, 1, 30'000) == 1) {
            n = ::read(report.read.get(), line.data(), line.size());
        } else {
            ::kill(child, SIGKILL);  // a hung child fails the test instead of the CI run
        }
    }
    report.read.reset();
    ::waitpid(child, nullptr, 0);
    ASSERT_GT(n, 0) << "the child reported nothing within 30 s";
    line.resize(static_cast<std::size_t>(n));
    unsigned established = 0;
    unsigned emfile = 0;
    unsigned failures = 0;
    char refused[32] = {};
    ASSERT_EQ(
        std::sscanf(line.c_str(), "%31[^|]|%u|%u|%u", refused, &established, &emfile, &failures), 4)
        << line;
    EXPECT_STREQ(refused, "refused");
    EXPECT_GT(established, 0u);
    EXPECT_GT(emfile, 0u);
    EXPECT_EQ(emfile, failures) << line;
    EXPECT_EQ(established + failures, 100u) << line;
}

TEST(Load, IdleConnectionsAreHeldOpen) {
    TestServer server(Behavior::Correct);
    Options options = options_for(server);
    options.connections = 2;
    options.idle = 30;
    options.threads = 3;
    options.messages = 200;
    const Result result = run(options);
    EXPECT_EQ(result.messages, 200u);
    EXPECT_EQ(result.errors, 0u);
    EXPECT_EQ(result.connections_established, 32u);
    EXPECT_EQ(server.accepted(), 32u);
    EXPECT_EQ(server.requests(), 200u);
}

TEST(Load, ThreadsShareAnExactMessageCount) {
    TestServer server(Behavior::Correct);
    Options options = options_for(server);
    options.connections = 5;
    options.threads = 3;
    options.messages = 999;
    const Result result = run(options);
    EXPECT_EQ(result.messages, 999u);
    EXPECT_EQ(result.errors, 0u);
    EXPECT_EQ(result.latency.count(), 999u);
}

TEST(Load, DurationBoundsTheRun) {
    TestServer server(Behavior::Correct);
    Options options = options_for(server);
    options.duration_s = 0.3;
    const Result result = run(options);
    EXPECT_GT(result.messages, 0u);
    EXPECT_EQ(result.errors, 0u);
    EXPECT_LE(result.elapsed_ns, 300'000'000u);
    EXPECT_GT(result.elapsed_ns, 250'000'000u);
}

TEST(Load, StopFlagEndsTheRun) {
    TestServer server(Behavior::Correct);
    Options options = options_for(server);
    options.duration_s = 60;
    std::atomic<bool> stop{false};
    std::thread stopper([&stop] {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        stop = true;
    });
    const Result result = run(options, &stop);
    stopper.join();
    EXPECT_GT(result.messages, 0u);
    EXPECT_LT(result.elapsed_ns, 30'000'000'000u);
}

TEST(Load, OpenLoopNeverExceedsItsSchedule) {
    TestServer server(Behavior::Correct);
    Options options = options_for(server);
    options.connections = 2;
    options.rate = 200;
    options.duration_s = 0.5;
    const Result result = run(options);
    EXPECT_EQ(result.errors, 0u);
    // 200/s for 0.5 s: at most 100 requests are due (plus one per connection at the edge).
    EXPECT_LE(result.messages, 102u);
    EXPECT_GE(result.messages, 20u);
}

TEST(Load, ThinkTimeSpacesRequests) {
    TestServer server(Behavior::Correct);
    Options options = options_for(server);
    options.think_ms = 20;
    options.messages = 6;
    const Result result = run(options);
    EXPECT_EQ(result.messages, 6u);
    // Five pauses of at least 20 ms between six requests.
    EXPECT_GE(result.elapsed_ns, 100'000'000u);
}

TEST(Load, InvalidOptionsAreRejected) {
    Options options;
    options.port = 1;
    options.connections = 0;
    EXPECT_THROW(run(options), std::invalid_argument);
    options.connections = 1;
    options.size = std::size_t{proto::kMaxPayload} + 1;
    EXPECT_THROW(run(options), std::invalid_argument);
    options.size = 1;
    options.threads = 0;
    EXPECT_THROW(run(options), std::invalid_argument);
}

TEST(ReplyChecker, EchoReplyInPiecesIsAccepted) {
    ReplyChecker checker;
    checker.expect_echo(70, 5);
    std::vector<std::uint8_t> reply;
    proto::append_header(reply, proto::Op::Echo, 70);
    for (std::uint64_t i = 0; i < 70; ++i) {
        reply.push_back(proto::to_upper(echo_request_byte(5, i)));
    }
    std::size_t used = 0;
    for (std::size_t step : {3u, 4u, 30u, 100u}) {
        used += checker.feed(std::span(reply).subspan(used, std::min(step, reply.size() - used)));
    }
    EXPECT_EQ(used, reply.size());
    EXPECT_EQ(checker.status(), ReplyChecker::Status::Complete);
    EXPECT_TRUE(checker.content_ok());
}

TEST(ReplyChecker, OneWrongByteIsCaught) {
    ReplyChecker checker;
    checker.expect_download(1000);
    std::vector<std::uint8_t> reply;
    proto::append_header(reply, proto::Op::Download, 1000);
    for (std::uint64_t i = 0; i < 1000; ++i) {
        reply.push_back(i == 777 ? 'x' : proto::download_byte(i));
    }
    EXPECT_EQ(checker.feed(reply), reply.size());
    EXPECT_EQ(checker.status(), ReplyChecker::Status::Complete);
    EXPECT_FALSE(checker.content_ok());
}

TEST(ReplyChecker, WrongHeaderBreaksFramingAndExtraBytesAreLeft) {
    ReplyChecker checker;
    checker.expect_upload_ack(42);
    std::vector<std::uint8_t> reply;
    proto::append_header(reply, proto::Op::Upload, 8);
    proto::append_u64(reply, 42);
    reply.push_back('!');
    EXPECT_EQ(checker.feed(reply), reply.size() - 1);
    EXPECT_TRUE(checker.content_ok());

    checker.expect_echo(4, 0);
    const std::vector<std::uint8_t> wrong_length = {'E', 0, 0, 0, 5};
    checker.feed(wrong_length);
    EXPECT_EQ(checker.status(), ReplyChecker::Status::Broken);
}

TEST(LoadReport, JsonAndTextCarryTheNumbers) {
    Result result;
    result.messages = 1234;
    result.msgs_per_s = 617;
    result.elapsed_ns = 2'000'000'000;
    for (std::uint64_t v = 1; v <= 100; ++v) {
        result.latency.record(v * 1000);
    }
    const auto json = to_json(result);
    EXPECT_EQ(json["messages"], 1234u);
    EXPECT_EQ(json["mode"], "echo");
    EXPECT_NEAR(json["latency_ns"]["p50"].get<double>(), 50'000, 500);
    EXPECT_EQ(json["latency_ns"]["max"], 100'000u);
    const std::string text = render_text(result);
    EXPECT_NE(text.find("1234"), std::string::npos);
    EXPECT_NE(text.find("p99.9"), std::string::npos);
}

TEST(LoadProgress, LineShowsBytesForTransfers) {
    Options options;
    options.mode = Mode::Download;
    options.messages = 10;
    options.transfer_bytes = 1'000'000;
    ProgressSnapshot snapshot;
    snapshot.elapsed_s = 2;
    snapshot.bytes_received = 5'000'000;
    const std::string line = render_progress_line(options, snapshot);
    EXPECT_NE(line.find("5.0 MB received"), std::string::npos) << line;
    EXPECT_NE(line.find("2.5 MB/s"), std::string::npos) << line;
    EXPECT_NE(line.find("[###############...............]"), std::string::npos) << line;
}

}  // namespace
}  // namespace iophase::load
