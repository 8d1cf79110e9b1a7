#include "connection.h"

#include <sys/socket.h>

#include <array>
#include <cerrno>

#include "lifecycle.h"

namespace iophase::demo {

IoResult Connection::receive() {
    std::array<std::uint8_t, kReadChunk> buffer;
    while (true) {
        const ssize_t n = recv(fd_.get(), buffer.data(), buffer.size(), 0);
        if (n > 0) {
            return accept_input(std::span(buffer.data(), static_cast<std::size_t>(n)));
        }
        if (n == 0) {
            return IoResult::Closed;  // orderly EOF
        }
        if (errno == EINTR && !stop_requested()) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return IoResult::WouldBlock;
        }
        return IoResult::Closed;  // ECONNRESET and friends, or stopping
    }
}

IoResult Connection::flush() {
    while (has_output()) {
        const auto pending = pending_output();
        const ssize_t n = send(fd_.get(), pending.data(), pending.size(), MSG_NOSIGNAL);
        if (n >= 0) {
            mark_sent(static_cast<std::size_t>(n));
            continue;
        }
        if (errno == EINTR && !stop_requested()) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return IoResult::WouldBlock;
        }
        return IoResult::Closed;  // EPIPE, ECONNRESET, or stopping
    }
    return IoResult::Progress;
}

IoResult Connection::drain() {
    while (true) {
        if (flush() == IoResult::Closed) {
            return IoResult::Closed;
        }
        if (output_full()) {
            return IoResult::WouldBlock;  // flush hit EAGAIN with lots pending
        }
        switch (receive()) {
            case IoResult::Closed:
                return IoResult::Closed;
            case IoResult::WouldBlock:
                return flush() == IoResult::Closed ? IoResult::Closed : IoResult::WouldBlock;
            case IoResult::Progress:
                break;
        }
    }
}

IoResult Connection::accept_input(std::span<const std::uint8_t> data) {
    Counters &totals = counters();
    totals.bytes_in += data.size();
    const long completed = decoder_.feed(data, output_);
    if (completed < 0) {
        return IoResult::Closed;  // protocol error: the documented answer is to hang up
    }
    totals.messages += static_cast<std::uint64_t>(completed);
    return IoResult::Progress;
}

void Connection::mark_sent(std::size_t bytes) {
    counters().bytes_out += bytes;
    output_offset_ += bytes;
    if (output_offset_ == output_.size()) {
        output_.clear();
        output_offset_ = 0;
    } else if (output_offset_ >= kOutputHighWater && output_offset_ * 2 >= output_.size()) {
        // Drop the sent prefix once it is the larger part, so copying stays amortised.
        output_.erase(output_.begin(), output_.begin() + static_cast<long>(output_offset_));
        output_offset_ = 0;
    }
}

}  // namespace iophase::demo
