// One client connection: its socket, the request decoder on the input side and the output
// buffer of replies not yet taken by the socket.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "protocol.h"
#include "unique_fd.h"

namespace iophase::demo {

enum class IoResult {
    Progress,    // bytes moved (receive), or all pending output sent (flush)
    WouldBlock,  // EAGAIN: wait for readiness and try again
    Closed,      // EOF, reset, protocol error or stop: close the connection
};

class Connection {
  public:
    // Reading stops while this much output waits, so a client that sends without reading
    // cannot make the server buffer without bound.
    static constexpr std::size_t kOutputHighWater = 1u << 20;
    static constexpr std::size_t kReadChunk = 64u << 10;

    explicit Connection(UniqueFd fd) : fd_(std::move(fd)) {}

    int fd() const { return fd_.get(); }

    // One recv() of what is available (blocks on a blocking socket); replies go to output.
    IoResult receive();
    // send() pending output until it is all gone (Progress) or the socket is full
    // (WouldBlock). On a blocking socket this returns only when done or closed.
    IoResult flush();
    // For readiness reported as a change (edge-triggered epoll, signal-driven I/O): receive
    // and flush until the socket says EAGAIN, or until output is full (the EAGAIN of send
    // brings the next report once there is room). Closed, or WouldBlock.
    IoResult drain();

    bool has_output() const { return output_offset_ < output_.size(); }
    bool output_full() const { return output_.size() - output_offset_ >= kOutputHighWater; }

    // For io_uring, where the kernel does the recv and send: hand over bytes it received,
    // look at what to send, and account bytes it sent.
    IoResult accept_input(std::span<const std::uint8_t> data);
    std::span<const std::uint8_t> pending_output() const {
        return std::span(output_).subspan(output_offset_);
    }
    void mark_sent(std::size_t bytes);

  private:
    UniqueFd fd_;
    proto::RequestDecoder decoder_;
    std::vector<std::uint8_t> output_;
    std::size_t output_offset_ = 0;  // bytes of output_ already sent
};

}  // namespace iophase::demo
