// Checks one reply as its bytes arrive, without buffering the payload: the expected bytes
// of every reply follow from the request (echo: the upper-cased payload; download:
// download_byte(i); upload: the byte count), so each chunk is compared in place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "common/protocol.h"

namespace iophase::load {

// The payload of echo request number `seed`: lowercase letters starting at 'a' + seed % 26.
// The reply is the same sequence upper-cased.
std::uint8_t echo_request_byte(std::uint64_t seed, std::uint64_t i);

class ReplyChecker {
  public:
    enum class Status {
        Incomplete,  // more bytes are needed
        Complete,    // the whole reply arrived; see content_ok()
        Broken,      // the header was wrong: framing is lost, close the connection
    };

    void expect_echo(std::uint32_t length, std::uint64_t seed);
    void expect_upload_ack(std::uint64_t bytes_uploaded);
    void expect_download(std::uint32_t length);

    // Consumes bytes of the expected reply (never beyond its end) and returns how many.
    std::size_t feed(std::span<const std::uint8_t> data);

    Status status() const { return status_; }
    bool content_ok() const { return content_ok_; }

  private:
    void expect(proto::Op op, std::uint32_t length, std::uint64_t seed);
    void check_payload(std::span<const std::uint8_t> chunk);

    proto::Op op_ = proto::Op::Echo;
    std::uint32_t length_ = 0;
    std::uint64_t seed_ = 0;          // offset into the 'A'..'Z' cycle of byte 0
    std::uint64_t expected_ack_ = 0;  // upload only
    std::uint8_t header_[proto::kHeaderSize] = {};
    std::uint8_t ack_[8] = {};
    std::size_t header_have_ = 0;
    std::uint32_t payload_have_ = 0;
    bool content_ok_ = true;
    Status status_ = Status::Complete;
};

}  // namespace iophase::load
