#include "protocol.h"

#include <algorithm>

namespace iophase::proto {

std::optional<Header> parse_header(std::span<const std::uint8_t, kHeaderSize> bytes) {
    const auto op = static_cast<Op>(bytes[0]);
    if (op != Op::Echo && op != Op::Upload && op != Op::Download) {
        return std::nullopt;
    }
    const std::uint32_t length = (std::uint32_t{bytes[1]} << 24) | (std::uint32_t{bytes[2]} << 16) |
                                 (std::uint32_t{bytes[3]} << 8) | std::uint32_t{bytes[4]};
    if (length > kMaxPayload || (op == Op::Download && length != 8)) {
        return std::nullopt;
    }
    return Header{op, length};
}

void append_header(std::vector<std::uint8_t> &out, Op op, std::uint32_t length) {
    out.push_back(static_cast<std::uint8_t>(op));
    for (int shift = 24; shift >= 0; shift -= 8) {
        out.push_back(static_cast<std::uint8_t>(length >> shift));
    }
}

void append_u64(std::vector<std::uint8_t> &out, std::uint64_t value) {
    for (int shift = 56; shift >= 0; shift -= 8) {
        out.push_back(static_cast<std::uint8_t>(value >> shift));
    }
}

std::uint64_t read_u64(std::span<const std::uint8_t> bytes) {
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < 8 && i < bytes.size(); ++i) {
        value = (value << 8) | bytes[i];
    }
    return value;
}

std::uint8_t to_upper(std::uint8_t c) {
    return (c >= 'a' && c <= 'z') ? static_cast<std::uint8_t>(c - 'a' + 'A') : c;
}

bool append_reply(std::vector<std::uint8_t> &out, const Header &request,
                  std::span<const std::uint8_t> payload) {
    switch (request.op) {
        case Op::Echo:
            append_header(out, Op::Echo, request.length);
            std::transform(payload.begin(), payload.end(), std::back_inserter(out), to_upper);
            return true;
        case Op::Upload:
            append_header(out, Op::Upload, 8);
            append_u64(out, payload.size());
            return true;
        case Op::Download: {
            const std::uint64_t n = read_u64(payload);
            if (n > kMaxPayload) {
                return false;
            }
            append_header(out, Op::Download, static_cast<std::uint32_t>(n));
            const std::size_t start = out.size();
            out.resize(start + n);
            for (std::uint64_t i = 0; i < n; ++i) {
                out[start + i] = download_byte(i);
            }
            return true;
        }
    }
    return false;
}

long RequestDecoder::feed(std::span<const std::uint8_t> data, std::vector<std::uint8_t> &out) {
    long completed = 0;
    while (!data.empty()) {
        if (have_ < kHeaderSize) {
            const std::size_t take = std::min(kHeaderSize - have_, data.size());
            std::copy_n(data.begin(), take, header_ + have_);
            have_ += take;
            data = data.subspan(take);
            if (have_ < kHeaderSize) {
                break;
            }
            current_ = parse_header(std::span<const std::uint8_t, kHeaderSize>(header_));
            if (!current_) {
                return -1;
            }
            payload_.clear();
            payload_.reserve(std::min<std::size_t>(current_->length, 1u << 20));
        }
        const std::size_t want = current_->length - payload_.size();
        const std::size_t take = std::min(want, data.size());
        payload_.insert(payload_.end(), data.begin(), data.begin() + static_cast<long>(take));
        data = data.subspan(take);
        have_ += take;
        if (payload_.size() == current_->length) {
            if (!append_reply(out, *current_, payload_)) {
                return -1;
            }
            ++completed;
            have_ = 0;
            current_.reset();
        }
    }
    return completed;
}

std::vector<std::uint8_t> make_echo_request(std::span<const std::uint8_t> payload) {
    std::vector<std::uint8_t> out;
    out.reserve(kHeaderSize + payload.size());
    append_header(out, Op::Echo, static_cast<std::uint32_t>(payload.size()));
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

std::vector<std::uint8_t> make_download_request(std::uint64_t n) {
    std::vector<std::uint8_t> out;
    append_header(out, Op::Download, 8);
    append_u64(out, n);
    return out;
}

}  // namespace iophase::proto
