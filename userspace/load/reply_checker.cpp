#include "load/reply_checker.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace iophase::load {

namespace {

constexpr std::size_t kAlphabet = 26;
constexpr std::size_t kPatternSpan = kAlphabet * 2520;  // 65520 bytes compared per memcmp

// 'A'..'Z' repeated, long enough that any offset 0..25 can be followed by kPatternSpan bytes.
const std::array<std::uint8_t, kPatternSpan + kAlphabet> &upper_pattern() {
    static const auto pattern = [] {
        std::array<std::uint8_t, kPatternSpan + kAlphabet> bytes{};
        for (std::size_t i = 0; i < bytes.size(); ++i) {
            bytes[i] = static_cast<std::uint8_t>('A' + i % kAlphabet);
        }
        return bytes;
    }();
    return pattern;
}

// True if `chunk` equals 'A' + (start + i) % 26 for every i.
bool matches_upper_cycle(std::span<const std::uint8_t> chunk, std::uint64_t start) {
    const auto &pattern = upper_pattern();
    while (!chunk.empty()) {
        const std::size_t n = std::min(chunk.size(), kPatternSpan);
        if (std::memcmp(chunk.data(), pattern.data() + start % kAlphabet, n) != 0) {
            return false;
        }
        chunk = chunk.subspan(n);
        start += n;
    }
    return true;
}

}  // namespace

std::uint8_t echo_request_byte(std::uint64_t seed, std::uint64_t i) {
    return static_cast<std::uint8_t>('a' + (seed + i) % kAlphabet);
}

void ReplyChecker::expect(proto::Op op, std::uint32_t length, std::uint64_t seed) {
    op_ = op;
    length_ = length;
    seed_ = seed % kAlphabet;
    header_have_ = 0;
    payload_have_ = 0;
    content_ok_ = true;
    status_ = Status::Incomplete;
}

void ReplyChecker::expect_echo(std::uint32_t length, std::uint64_t seed) {
    expect(proto::Op::Echo, length, seed);
}

void ReplyChecker::expect_upload_ack(std::uint64_t bytes_uploaded) {
    expect(proto::Op::Upload, 8, 0);
    expected_ack_ = bytes_uploaded;
}

void ReplyChecker::expect_download(std::uint32_t length) {
    // download_byte(i) is 'A' + i % 26: the same cycle as an echo reply with seed 0.
    expect(proto::Op::Download, length, 0);
}

std::size_t ReplyChecker::feed(std::span<const std::uint8_t> data) {
    if (status_ != Status::Incomplete) {
        return 0;
    }
    std::size_t used = 0;
    if (header_have_ < proto::kHeaderSize) {
        const std::size_t take = std::min(proto::kHeaderSize - header_have_, data.size());
        std::copy_n(data.begin(), take, header_ + header_have_);
        header_have_ += take;
        used += take;
        if (header_have_ < proto::kHeaderSize) {
            return used;
        }
        // Not proto::parse_header: that one validates requests (a download request is
        // 8 bytes long, its reply is not).
        const std::uint32_t length = (std::uint32_t{header_[1]} << 24) |
                                     (std::uint32_t{header_[2]} << 16) |
                                     (std::uint32_t{header_[3]} << 8) | std::uint32_t{header_[4]};
        if (header_[0] != static_cast<std::uint8_t>(op_) || length != length_) {
            content_ok_ = false;
            status_ = Status::Broken;
            return used;
        }
    }
    const std::size_t take = std::min<std::size_t>(length_ - payload_have_, data.size() - used);
    check_payload(data.subspan(used, take));
    payload_have_ += static_cast<std::uint32_t>(take);
    used += take;
    if (payload_have_ == length_) {
        if (op_ == proto::Op::Upload) {
            content_ok_ = content_ok_ && proto::read_u64(ack_) == expected_ack_;
        }
        status_ = Status::Complete;
    }
    return used;
}

void ReplyChecker::check_payload(std::span<const std::uint8_t> chunk) {
    if (chunk.empty()) {
        return;
    }
    if (op_ == proto::Op::Upload) {
        std::copy(chunk.begin(), chunk.end(), ack_ + payload_have_);
        return;
    }
    if (content_ok_ && !matches_upper_cycle(chunk, seed_ + payload_have_)) {
        content_ok_ = false;
    }
}

}  // namespace iophase::load
