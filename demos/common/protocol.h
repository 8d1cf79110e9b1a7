// The wire protocol every demo server speaks and the load generator drives.
//
// A frame is a 5-byte header followed by a payload:
//
//     op (1 byte) | payload length (4 bytes, big-endian) | payload
//
// Requests and their replies:
//   'E' echo      payload: any bytes   reply: 'E', same length, the payload upper-cased (ASCII)
//   'U' upload    payload: any bytes   reply: 'U', length 8, u64 big-endian bytes received
//   'D' download  payload: u64 big-endian N   reply: 'D', length N, N bytes of download_byte(i)
//
// Payloads may be 0 bytes .. kMaxPayload. Anything else (unknown op, oversized length, a
// download request whose payload is not 8 bytes) is a protocol error: the server closes the
// connection. See docs/protocol.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace iophase::proto {

inline constexpr std::size_t kHeaderSize = 5;
inline constexpr std::uint32_t kMaxPayload = 64u << 20;  // 64 MiB

enum class Op : std::uint8_t { Echo = 'E', Upload = 'U', Download = 'D' };

struct Header {
    Op op;
    std::uint32_t length;
};

// Parses a header; nullopt if the op is unknown or the length exceeds kMaxPayload.
std::optional<Header> parse_header(std::span<const std::uint8_t, kHeaderSize> bytes);

void append_header(std::vector<std::uint8_t> &out, Op op, std::uint32_t length);
void append_u64(std::vector<std::uint8_t> &out, std::uint64_t value);
std::uint64_t read_u64(std::span<const std::uint8_t> bytes);  // first 8 bytes, big-endian

// The byte at offset i of a download reply: 'A'..'Z' repeating.
inline std::uint8_t download_byte(std::uint64_t i) {
    return static_cast<std::uint8_t>('A' + i % 26);
}

// Server side: turns a complete request into the reply bytes appended to `out`.
// Returns false on a protocol error (the connection should be closed).
bool append_reply(std::vector<std::uint8_t> &out, const Header &request,
                  std::span<const std::uint8_t> payload);

// Server side: an incremental request decoder. Feed it whatever recv() returned; it calls
// back once per complete request. Buffers at most one request.
class RequestDecoder {
  public:
    // Consumes `data`, appending replies for every complete request to `out`.
    // Returns the number of requests completed, or -1 on a protocol error.
    long feed(std::span<const std::uint8_t> data, std::vector<std::uint8_t> &out);

    // True if a request has been started but not completed (bytes are pending).
    bool mid_request() const { return have_ > 0; }

  private:
    std::uint8_t header_[kHeaderSize] = {};
    std::optional<Header> current_;
    std::vector<std::uint8_t> payload_;
    std::size_t have_ = 0;  // bytes of the current request (header + payload) received
};

// Client side helpers.
std::vector<std::uint8_t> make_echo_request(std::span<const std::uint8_t> payload);
std::vector<std::uint8_t> make_download_request(std::uint64_t n);
std::uint8_t to_upper(std::uint8_t c);

}  // namespace iophase::proto
