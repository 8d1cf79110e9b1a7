// Receive-side workloads: one blocking recv per known delay, exact call counts, EAGAIN loops,
// and one recv of a large message that is already queued (pure copy phase).
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "fds.h"
#include "workloads.h"

namespace workload {

using std::chrono::milliseconds;

int blocking_recv(const Options &options) {
    const auto delay = milliseconds(options.get_int("delay-ms", 200));
    const auto bytes = static_cast<std::size_t>(options.get_int("bytes", 1000));
    const long repeat = options.get_int("repeat", 3);
    auto pair = make_tcp_pair();

    // The main thread is already inside recv() while the peer sleeps, so each recv waits
    // for (almost exactly) `delay`.
    std::thread peer([&] {
        const std::string message(bytes, 'x');
        for (long i = 0; i < repeat; ++i) {
            std::this_thread::sleep_for(delay);
            send_once(pair.second.get(), message);
        }
    });
    std::vector<char> buffer(bytes);
    for (long i = 0; i < repeat; ++i) {
        recv_once(pair.first.get(), buffer.data(), buffer.size());
    }
    peer.join();

    Facts facts(options);
    facts.add("recv_calls", repeat);
    facts.write();
    return 0;
}

int counted_recv(const Options &options) {
    const long messages = options.get_int("messages", 200);
    const auto bytes = static_cast<std::size_t>(options.get_int("bytes", 100));
    auto pair = make_tcp_pair();

    std::thread sender([&] {
        const std::string message(bytes, 'y');
        for (long i = 0; i < messages; ++i) {
            send_once(pair.second.get(), message);
        }
    });
    std::vector<char> buffer(bytes);
    for (long i = 0; i < messages; ++i) {
        recv_once(pair.first.get(), buffer.data(), buffer.size());
    }
    sender.join();

    Facts facts(options);
    facts.add("messages", messages);
    facts.write();
    return 0;
}

int nonblocking_recv(const Options &options) {
    const long calls = options.get_int("calls", 1000);
    auto pair = make_tcp_pair();  // the peer stays open and silent: EAGAIN, never EOF
    set_nonblocking(pair.first.get());

    char byte = 0;
    long eagain = 0;
    for (long i = 0; i < calls; ++i) {
        if (::recv(pair.first.get(), &byte, 1, 0) < 0 &&
            (errno == EAGAIN || errno == EWOULDBLOCK)) {
            ++eagain;
        }
    }
    Facts facts(options);
    facts.add("calls", calls);
    facts.add("eagain", eagain);
    facts.write();
    return eagain == calls ? 0 : 1;
}

int large_recv(const Options &options) {
    const auto bytes = static_cast<std::size_t>(options.get_int("bytes", 1 << 20));
    // Buffers twice the message so the whole message fits in the queue before the recv.
    auto pair = make_unix_pair(static_cast<int>(2 * bytes));

    std::thread sender([&] { send_once(pair.second.get(), std::string(bytes, 'z')); });
    // Wait (bounded) until the whole message is queued, so the recv below only copies.
    int queued = 0;
    for (int attempt = 0; attempt < 2000; ++attempt) {
        check(::ioctl(pair.first.get(), SIOCINQ, &queued), "SIOCINQ");
        if (static_cast<std::size_t>(queued) >= bytes) {
            break;
        }
        std::this_thread::sleep_for(milliseconds(1));
    }
    std::vector<char> buffer(bytes);
    recv_once(pair.first.get(), buffer.data(), buffer.size());
    sender.join();

    Facts facts(options);
    facts.add("bytes", static_cast<long long>(bytes));
    facts.add("queued_before_recv", queued);
    facts.write();
    return 0;
}

}  // namespace workload
