// Bulk transfers over loopback TCP for the copy brackets: one side of each is the traced
// thread, so the test knows how many bytes its receive or send calls copied.
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "fds.h"
#include "workloads.h"

namespace workload {

namespace {

constexpr std::size_t kChunk = 64 * 1024;

enum class Call { kSend, kWrite };

// `bytes` in calls of at most 64 KiB, with send(2) or write(2) (a syscall row of its own).
void send_all(int fd, std::size_t bytes, Call call = Call::kSend) {
    const std::string chunk(kChunk, 's');
    std::size_t sent = 0;
    while (sent < bytes) {
        const std::size_t n = std::min(kChunk, bytes - sent);
        const ssize_t done =
            call == Call::kSend ? ::send(fd, chunk.data(), n, 0) : ::write(fd, chunk.data(), n);
        sent += static_cast<std::size_t>(check(done, call == Call::kSend ? "send" : "write"));
    }
}

std::size_t recv_all(int fd) {
    std::vector<char> buffer(kChunk);
    std::size_t received = 0;
    for (;;) {
        const auto n = check(::recv(fd, buffer.data(), buffer.size(), 0), "recv");
        if (n == 0) {
            return received;
        }
        received += static_cast<std::size_t>(n);
    }
}

void wait_for_sigusr1() {
    sigset_t go;
    sigemptyset(&go);
    sigaddset(&go, SIGUSR1);
    check(::sigprocmask(SIG_BLOCK, &go, nullptr), "sigprocmask");
    int signal_number = 0;
    if (::sigwait(&go, &signal_number) != 0) {
        die("sigwait");
    }
}

}  // namespace

int bulk_recv(const Options &options) {
    const auto bytes = static_cast<std::size_t>(options.get_int("bytes", 4 << 20));
    auto pair = make_tcp_pair();
    std::thread sender([&] {
        send_all(pair.second.get(), bytes);
        ::shutdown(pair.second.get(), SHUT_WR);
    });
    const std::size_t received = recv_all(pair.first.get());
    sender.join();
    Facts facts(options);
    facts.add("bytes", static_cast<long long>(received));
    facts.write();
    return received == bytes ? 0 : 1;
}

int bulk_send(const Options &options) {
    constexpr std::size_t kWarmUp = 1 << 20;
    constexpr std::size_t kTracedWarmUp = 256 << 10;
    const auto bytes = static_cast<std::size_t>(options.get_int("bytes", 4 << 20));
    auto pair = make_tcp_pair();
    // The receiver is a process of its own, forked before the tracer attaches (the test
    // traces this pid only), so only the sending side is in the report.
    const pid_t receiver = static_cast<pid_t>(check(::fork(), "fork"));
    if (receiver == 0) {
        pair.second = UniqueFd();
        ::_exit(recv_all(pair.first.get()) == kWarmUp + kTracedWarmUp + bytes ? 0 : 1);
    }
    pair.first = UniqueFd();
    // Before the tracer attaches: the connection's send buffer and window grow to their steady
    // size, so what is traced costs per byte what any long transfer does.
    send_all(pair.second.get(), kWarmUp);
    wait_for_sigusr1();
    // The first sends after the pause are slow, by 30-70 us a run whatever its size (the cause
    // is not known): they are made with write(2), so the traced send(2) calls are all steady.
    send_all(pair.second.get(), kTracedWarmUp, Call::kWrite);
    send_all(pair.second.get(), bytes);
    pair.second = UniqueFd();
    int status = 0;
    check(::waitpid(receiver, &status, 0), "waitpid");
    Facts facts(options);
    facts.add("bytes", static_cast<long long>(bytes));
    facts.add("receiver_pid", receiver);
    facts.write();
    return status == 0 ? 0 : 1;
}

}  // namespace workload
