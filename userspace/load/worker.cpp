#include "load/worker.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <system_error>

namespace iophase::load {

namespace {

constexpr std::size_t kReadBufferSize = 256 << 10;
constexpr std::int64_t kMaxWaitNs = 20'000'000;  // how often stop flags are looked at
constexpr int kMaxEvents = 256;

void fill_echo_request(std::vector<std::uint8_t> &request, std::size_t size, std::uint64_t seed) {
    request.clear();
    proto::append_header(request, proto::Op::Echo, static_cast<std::uint32_t>(size));
    request.resize(proto::kHeaderSize + size);
    auto letter = static_cast<std::uint8_t>(seed % 26);
    for (std::size_t i = 0; i < size; ++i) {
        request[proto::kHeaderSize + i] = static_cast<std::uint8_t>('a' + letter);
        letter = letter == 25 ? 0 : letter + 1;
    }
}

}  // namespace

std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
        .count();
}

Worker::Worker(SharedRun &shared, LiveCounters &live, int active, int idle, int first_active)
    : shared_(shared),
      live_(live),
      options_(shared.options),
      epoll_(::epoll_create1(EPOLL_CLOEXEC)),
      connections_(static_cast<std::size_t>(active + idle)),
      read_buffer_(kReadBufferSize),
      active_left_(active) {
    if (!epoll_) {
        throw std::system_error(errno, std::generic_category(), "epoll_create1");
    }
    result_.options = options_;
    for (int i = 0; i < active; ++i) {
        auto &c = connections_[static_cast<std::size_t>(i)];
        c.active = true;
        if (options_.rate > 0) {
            // Every connection sends at rate/active_total; their first sends are spread
            // evenly over one interval so the requests do not arrive in bursts.
            const double per_request_ns = 1e9 / options_.rate;
            c.interval_ns = static_cast<std::int64_t>(per_request_ns * shared_.active_total);
            c.next_send_ns = static_cast<std::int64_t>(per_request_ns * (first_active + i));
        }
        if (options_.mode == Mode::Download) {
            c.request = proto::make_download_request(options_.transfer_bytes);
        }
    }
}

void Worker::run() {
    for (std::size_t i = 0; i < connections_.size(); ++i) {
        open_connection(i);
    }
    std::int64_t now = now_ns();
    epoll_event events[kMaxEvents];
    while (true) {
        run_due_timers(now);
        if (!work_done_ && active_left_ == 0) {
            mark_work_done(now);
        }
        if (should_stop(now)) {
            break;
        }
        std::int64_t wait_until = now + kMaxWaitNs;
        if (!timers_.empty()) {
            wait_until = std::min(wait_until, timers_.top().when_ns);
        }
        if (shared_.deadline_ns != 0) {
            wait_until = std::min(wait_until, shared_.deadline_ns);
        }
        const std::int64_t wait_ns = std::max<std::int64_t>(0, wait_until - now);
        const timespec timeout{static_cast<time_t>(wait_ns / 1'000'000'000),
                               static_cast<long>(wait_ns % 1'000'000'000)};
        const int n = ::epoll_pwait2(epoll_.get(), events, kMaxEvents, &timeout, nullptr);
        if (n < 0 && errno != EINTR) {
            throw std::system_error(errno, std::generic_category(), "epoll_pwait2");
        }
        for (int e = 0; e < n; ++e) {
            on_event(static_cast<std::size_t>(events[e].data.u64), events[e].events);
        }
        now = now_ns();
    }
    if (!work_done_) {
        work_end_ns_ = shared_.deadline_ns != 0 ? std::min(now, shared_.deadline_ns) : now;
        work_done_ = true;
    }
    // Connections close when the worker is destroyed.
}

bool Worker::should_stop(std::int64_t now) const {
    return shared_.finished.load(std::memory_order_relaxed) ||
           (shared_.stop != nullptr && shared_.stop->load(std::memory_order_relaxed)) ||
           (shared_.deadline_ns != 0 && now >= shared_.deadline_ns);
}

void Worker::mark_work_done(std::int64_t now) {
    work_done_ = true;
    work_end_ns_ = now;
    if (std::none_of(connections_.begin(), connections_.end(),
                     [](const Connection &c) { return c.active; })) {
        work_end_ns_ = shared_.start_ns;  // an idle-only worker does not stretch the run
    }
    if (shared_.workers_busy.fetch_sub(1) == 1) {
        shared_.finished.store(true);
    }
}

void Worker::open_connection(std::size_t index) {
    auto &c = connections_[index];
    c.fd.reset(::socket(shared_.address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!c.fd) {
        connect_failed(index, errno);
        return;
    }
    const int one = 1;
    ::setsockopt(c.fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(c.fd.get(), reinterpret_cast<const sockaddr *>(&shared_.address),
                  shared_.address_length) != 0 &&
        errno != EINPROGRESS) {
        connect_failed(index, errno);
        return;
    }
    // Writable means connected (or failed: SO_ERROR tells), also when connect() succeeded
    // at once.
    epoll_event event{};
    event.events = EPOLLOUT;
    event.data.u64 = index;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, c.fd.get(), &event) != 0) {
        connect_failed(index, errno);
    }
}

void Worker::on_event(std::size_t index, std::uint32_t events) {
    auto &c = connections_[index];
    switch (c.state) {
        case State::Connecting: {
            int error = 0;
            socklen_t length = sizeof error;
            if (::getsockopt(c.fd.get(), SOL_SOCKET, SO_ERROR, &error, &length) != 0) {
                error = errno;
            }
            if (error != 0) {
                connect_failed(index, error);
            } else {
                on_connected(index);
            }
            return;
        }
        case State::Done:
        case State::Closed:
            return;
        default:
            break;
    }
    if ((events & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0) {
        on_readable(index);
    }
    if ((events & EPOLLOUT) != 0 && c.state == State::InFlight && c.out_done < c.out_size) {
        flush(index);
    }
}

void Worker::on_connected(std::size_t index) {
    auto &c = connections_[index];
    ++result_.connections_established;
    if (!watch(index, false)) {
        return;
    }
    if (!c.active) {
        c.state = State::Idle;  // watched for reading only to notice the server closing it
        return;
    }
    const std::int64_t now = now_ns();
    c.next_send_ns += now;  // open loop: the stagger offset becomes the first intended time
    schedule_next(index, now);
}

void Worker::schedule_next(std::size_t index, std::int64_t now) {
    auto &c = connections_[index];
    std::int64_t when = now;
    if (options_.rate > 0) {
        when = c.next_send_ns;
    } else if (options_.think_ms > 0 && c.sequence > 0) {
        when = now + static_cast<std::int64_t>(options_.think_ms * 1e6);
    }
    if (when <= now) {
        // Open loop: a late request still counts its latency from when it was due.
        send_request(index, options_.rate > 0 ? when : now);
        return;
    }
    c.state = State::Scheduled;
    timers_.push(Timer{when, index});
}

void Worker::run_due_timers(std::int64_t now) {
    while (!timers_.empty() && timers_.top().when_ns <= now) {
        const Timer timer = timers_.top();
        timers_.pop();
        if (connections_[timer.index].state == State::Scheduled) {
            send_request(timer.index, options_.rate > 0 ? timer.when_ns : now_ns());
        }
    }
}

void Worker::send_request(std::size_t index, std::int64_t latency_origin_ns) {
    auto &c = connections_[index];
    if (options_.messages != 0 &&
        shared_.messages_claimed.fetch_add(1, std::memory_order_relaxed) >= options_.messages) {
        retire(index, State::Done);
        return;
    }
    c.latency_origin_ns = latency_origin_ns;
    c.next_send_ns = latency_origin_ns + c.interval_ns;
    switch (options_.mode) {
        case Mode::Echo:
            fill_echo_request(c.request, options_.size, c.sequence);
            c.checker.expect_echo(static_cast<std::uint32_t>(options_.size), c.sequence);
            c.out = c.request.data();
            c.out_size = c.request.size();
            break;
        case Mode::Upload:
            c.checker.expect_upload_ack(options_.transfer_bytes);
            c.out = shared_.upload_request.data();
            c.out_size = shared_.upload_request.size();
            break;
        case Mode::Download:
            c.checker.expect_download(static_cast<std::uint32_t>(options_.transfer_bytes));
            c.out = c.request.data();
            c.out_size = c.request.size();
            break;
    }
    ++c.sequence;
    c.out_done = 0;
    c.state = State::InFlight;
    flush(index);
}

void Worker::flush(std::size_t index) {
    auto &c = connections_[index];
    while (c.out_done < c.out_size) {
        const ssize_t n =
            ::send(c.fd.get(), c.out + c.out_done, c.out_size - c.out_done, MSG_NOSIGNAL);
        if (n > 0) {
            c.out_done += static_cast<std::size_t>(n);
            result_.bytes_sent += static_cast<std::uint64_t>(n);
            live_.bytes_sent.store(result_.bytes_sent, std::memory_order_relaxed);
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!c.watching_writable) {
                watch(index, true);
            }
            return;
        } else {
            fail(index, result_.connection_errors);
            return;
        }
    }
    if (c.watching_writable) {
        watch(index, false);
    }
}

void Worker::on_readable(std::size_t index) {
    auto &c = connections_[index];
    while (true) {
        const ssize_t n = ::recv(c.fd.get(), read_buffer_.data(), read_buffer_.size(), 0);
        if (n > 0) {
            result_.bytes_received += static_cast<std::uint64_t>(n);
            live_.bytes_received.store(result_.bytes_received, std::memory_order_relaxed);
            consume(index, std::span(read_buffer_.data(), static_cast<std::size_t>(n)));
            // A short read emptied the socket; level-triggered epoll reports the rest.
            if (c.state == State::Closed || static_cast<std::size_t>(n) < read_buffer_.size()) {
                return;
            }
        } else if (n == 0) {
            fail(index, result_.connection_errors);  // the server closed the connection
            return;
        } else if (errno == EINTR) {
            continue;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return;
        } else {
            fail(index, result_.connection_errors);
            return;
        }
    }
}

void Worker::consume(std::size_t index, std::span<const std::uint8_t> data) {
    auto &c = connections_[index];
    while (!data.empty()) {
        if (c.state != State::InFlight) {
            fail(index, result_.bad_replies);  // bytes nobody asked for
            return;
        }
        data = data.subspan(c.checker.feed(data));
        switch (c.checker.status()) {
            case ReplyChecker::Status::Incomplete:
                break;
            case ReplyChecker::Status::Broken:
                fail(index, result_.bad_replies);
                return;
            case ReplyChecker::Status::Complete: {
                if (c.out_done < c.out_size) {
                    fail(index, result_.bad_replies);  // a reply before the whole request
                    return;
                }
                const std::int64_t now = now_ns();
                if (c.checker.content_ok()) {
                    ++result_.messages;
                    result_.latency.record(static_cast<std::uint64_t>(
                        std::max<std::int64_t>(0, now - c.latency_origin_ns)));
                    live_.messages.store(result_.messages, std::memory_order_relaxed);
                } else {
                    ++result_.bad_replies;
                }
                schedule_next(index, now);
                if (c.state == State::Closed || c.state == State::Done) {
                    return;
                }
                break;
            }
        }
    }
}

void Worker::connect_failed(std::size_t index, int error) {
    ++result_.connect_errors[error];
    fail(index, result_.connect_failures);
}

void Worker::fail(std::size_t index, std::uint64_t &counter) {
    ++counter;
    retire(index, State::Closed);
}

void Worker::retire(std::size_t index, State state) {
    auto &c = connections_[index];
    if (c.active && c.state != State::Done && c.state != State::Closed) {
        --active_left_;
    }
    if (state == State::Closed) {
        c.fd.reset();  // closing also removes it from the epoll set
    } else if (c.fd) {
        ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, c.fd.get(), nullptr);
    }
    c.state = state;
}

bool Worker::watch(std::size_t index, bool writable) {
    auto &c = connections_[index];
    epoll_event event{};
    event.events = EPOLLIN | (writable ? EPOLLOUT : 0u);
    event.data.u64 = index;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, c.fd.get(), &event) != 0) {
        fail(index, result_.connection_errors);
        return false;
    }
    c.watching_writable = writable;
    return true;
}

}  // namespace iophase::load
