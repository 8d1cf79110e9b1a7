// io_uring workloads: a recv operation put on the ring before the peer sends, so the kernel
// (not the thread) waits for readiness for a known time, then does the copy itself.
#include <liburing.h>

#include <cerrno>
#include <chrono>
#include <semaphore>
#include <string>
#include <thread>
#include <vector>

#include "fds.h"
#include "workloads.h"

namespace workload {

namespace {

// An initialised ring, torn down on scope exit.
class Ring {
  public:
    explicit Ring(unsigned entries) {
        if (const int error = io_uring_queue_init(entries, &ring_, 0); error < 0) {
            errno = -error;
            die("io_uring_queue_init");
        }
    }
    Ring(const Ring &) = delete;
    Ring &operator=(const Ring &) = delete;
    ~Ring() { io_uring_queue_exit(&ring_); }

    io_uring *get() { return &ring_; }

  private:
    io_uring ring_{};
};

// Submits one IORING_OP_RECV into buffer and returns once the kernel has taken it (the
// inline attempt finds no data and arms a poll), without waiting for the completion.
void submit_recv(Ring &ring, int fd, std::vector<char> &buffer) {
    io_uring_sqe *sqe = io_uring_get_sqe(ring.get());
    if (sqe == nullptr) {
        errno = EBUSY;
        die("io_uring_get_sqe");
    }
    io_uring_prep_recv(sqe, fd, buffer.data(), buffer.size(), 0);
    if (const int submitted = io_uring_submit(ring.get()); submitted != 1) {
        errno = submitted < 0 ? -submitted : EIO;
        die("io_uring_submit");
    }
}

// Waits for the one completion in flight and returns its result.
int wait_completion(Ring &ring) {
    io_uring_cqe *cqe = nullptr;
    if (const int error = io_uring_wait_cqe(ring.get(), &cqe); error < 0) {
        errno = -error;
        die("io_uring_wait_cqe");
    }
    const int result = cqe->res;
    io_uring_cqe_seen(ring.get(), cqe);
    return result;
}

}  // namespace

int uring_recv(const Options &options) {
    const auto delay = std::chrono::milliseconds(options.get_int("delay-ms", 200));
    const auto bytes = static_cast<std::size_t>(options.get_int("bytes", 1000));
    const long repeat = options.get_int("repeat", 3);
    auto pair = make_tcp_pair();
    Ring ring(4);

    // The peer starts its delay only once the recv is on the ring, so each operation waits
    // for readiness for (almost exactly) `delay`.
    std::binary_semaphore recv_submitted(0);
    std::thread peer([&] {
        const std::string message(bytes, 'u');
        for (long i = 0; i < repeat; ++i) {
            recv_submitted.acquire();
            std::this_thread::sleep_for(delay);
            send_once(pair.second.get(), message);
        }
    });
    std::vector<char> buffer(bytes);
    long long received = 0;
    long short_or_failed = 0;
    for (long i = 0; i < repeat; ++i) {
        submit_recv(ring, pair.first.get(), buffer);
        recv_submitted.release();
        const int result = wait_completion(ring);
        if (result > 0) {
            received += result;
        }
        if (result != static_cast<int>(bytes)) {
            ++short_or_failed;
        }
    }
    peer.join();

    Facts facts(options);
    facts.add("recv_ops", repeat);
    facts.add("bytes_received", received);
    facts.add("short_or_failed", short_or_failed);
    facts.write();
    return short_or_failed == 0 ? 0 : 1;
}

}  // namespace workload
