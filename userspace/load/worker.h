// One load-generator thread: an epoll loop over its share of the connections.
#pragma once

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <queue>
#include <vector>

#include "load/load.h"
#include "load/reply_checker.h"
#include "common/unique_fd.h"

namespace iophase::load {

using Clock = std::chrono::steady_clock;

std::int64_t now_ns();  // steady clock, nanoseconds

// What every worker of one run shares. Only the atomics are written during the run.
struct SharedRun {
    explicit SharedRun(const Options &run_options) : options(run_options) {}

    const Options &options;
    sockaddr_storage address{};
    socklen_t address_length = 0;
    std::int64_t start_ns = 0;
    std::int64_t deadline_ns = 0;              // 0: no deadline (message count mode)
    int active_total = 0;                      // active connections over all workers
    std::vector<std::uint8_t> upload_request;  // one 'U' request, built once, read-only
    const std::atomic<bool> *stop = nullptr;

    std::atomic<std::uint64_t> messages_claimed{0};  // message-count mode: requests handed out
    std::atomic<int> workers_busy{0};  // workers whose active connections still have work
    std::atomic<bool> finished{false};
};

// Counters a worker publishes for the progress line, on their own cache line.
struct alignas(64) LiveCounters {
    std::atomic<std::uint64_t> messages{0};
    std::atomic<std::uint64_t> bytes_sent{0};
    std::atomic<std::uint64_t> bytes_received{0};
};

class Worker {
  public:
    // `first_active` is the run-wide index of this worker's first active connection (it
    // staggers the open-loop schedules).
    Worker(SharedRun &shared, LiveCounters &live, int active, int idle, int first_active);

    void run();
    const Result &result() const { return result_; }
    std::int64_t work_end_ns() const { return work_end_ns_; }

  private:
    enum class State {
        Connecting,
        Idle,       // an idle connection: connected, never used
        Scheduled,  // waiting for its next send time (think time or open-loop schedule)
        InFlight,   // request being written or reply awaited
        Done,       // no more requests (message count reached)
        Closed,
    };

    struct Connection {
        UniqueFd fd;
        State state = State::Connecting;
        bool active = false;
        bool watching_writable = false;
        std::uint64_t sequence = 0;         // echo payload seed, changes every request
        std::vector<std::uint8_t> request;  // echo/download request bytes
        const std::uint8_t *out = nullptr;  // what is being written: request or upload_request
        std::size_t out_size = 0;
        std::size_t out_done = 0;
        std::int64_t latency_origin_ns = 0;  // send time, or intended send time (open loop)
        std::int64_t next_send_ns = 0;       // open loop: the intended time of the next request
        std::int64_t interval_ns = 0;        // open loop: between this connection's requests
        ReplyChecker checker;
    };

    struct Timer {
        std::int64_t when_ns;
        std::size_t index;
        bool operator>(const Timer &other) const { return when_ns > other.when_ns; }
    };

    void open_connection(std::size_t index);
    void on_event(std::size_t index, std::uint32_t events);
    void on_connected(std::size_t index);
    void schedule_next(std::size_t index, std::int64_t now);
    void send_request(std::size_t index, std::int64_t latency_origin_ns);
    void flush(std::size_t index);
    void on_readable(std::size_t index);
    void consume(std::size_t index, std::span<const std::uint8_t> data);
    void fail(std::size_t index, std::uint64_t &counter);
    void connect_failed(std::size_t index, int error);  // counted by errno
    void retire(std::size_t index, State state);
    bool watch(std::size_t index, bool writable);  // false: failed and closed
    void run_due_timers(std::int64_t now);
    void mark_work_done(std::int64_t now);
    bool should_stop(std::int64_t now) const;

    SharedRun &shared_;
    LiveCounters &live_;
    const Options &options_;
    UniqueFd epoll_;
    std::vector<Connection> connections_;
    std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers_;
    std::vector<std::uint8_t> read_buffer_;
    int active_left_ = 0;  // active connections that may still send requests
    bool work_done_ = false;
    std::int64_t work_end_ns_ = 0;
    Result result_;
};

}  // namespace iophase::load
