// The wire protocol (demos/common/protocol.h): framing, replies and errors.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/protocol.h"

namespace iophase::proto {
namespace {

std::vector<std::uint8_t> bytes(const std::string &text) {
    return {text.begin(), text.end()};
}

std::vector<std::uint8_t> frame(char op, std::uint32_t length, const std::string &payload) {
    std::vector<std::uint8_t> out;
    out.push_back(static_cast<std::uint8_t>(op));
    for (int shift = 24; shift >= 0; shift -= 8) {
        out.push_back(static_cast<std::uint8_t>(length >> shift));
    }
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

TEST(Protocol, HeaderIsOpThenBigEndianLength) {
    std::vector<std::uint8_t> out;
    append_header(out, Op::Echo, 0x01020304);
    EXPECT_EQ(out, (std::vector<std::uint8_t>{'E', 1, 2, 3, 4}));
    const auto header = parse_header(std::span<const std::uint8_t, kHeaderSize>(out.data(), 5));
    ASSERT_TRUE(header.has_value());
    EXPECT_EQ(header->op, Op::Echo);
    EXPECT_EQ(header->length, 0x01020304u);
}

TEST(Protocol, U64RoundTripsBigEndian) {
    std::vector<std::uint8_t> out;
    append_u64(out, 0x0102030405060708ull);
    EXPECT_EQ(out, (std::vector<std::uint8_t>{1, 2, 3, 4, 5, 6, 7, 8}));
    EXPECT_EQ(read_u64(out), 0x0102030405060708ull);
}

TEST(Protocol, RejectsUnknownOpOversizeAndBadDownloadLength) {
    const auto parse = [](const std::vector<std::uint8_t> &header) {
        return parse_header(std::span<const std::uint8_t, kHeaderSize>(header.data(), 5));
    };
    EXPECT_FALSE(parse(frame('X', 1, "")).has_value());
    EXPECT_FALSE(parse(frame('E', kMaxPayload + 1, "")).has_value());
    EXPECT_TRUE(parse(frame('E', kMaxPayload, "")).has_value());
    EXPECT_FALSE(parse(frame('D', 7, "")).has_value());
    EXPECT_TRUE(parse(frame('D', 8, "")).has_value());
}

TEST(Protocol, EchoReplyIsUpperCasedAsciiOnly) {
    RequestDecoder decoder;
    std::vector<std::uint8_t> out;
    const auto request = make_echo_request(bytes("Hello, world! \xe9z"));
    EXPECT_EQ(decoder.feed(request, out), 1);
    EXPECT_EQ(out, frame('E', 16, "HELLO, WORLD! \xe9Z"));
    EXPECT_FALSE(decoder.mid_request());
}

TEST(Protocol, DecoderFedByteByByteEqualsOneChunk) {
    std::vector<std::uint8_t> stream;
    for (const std::string &text : {std::string("abc"), std::string(), std::string(3000, 'q')}) {
        const auto request = make_echo_request(bytes(text));
        stream.insert(stream.end(), request.begin(), request.end());
    }
    const auto download = make_download_request(30);
    stream.insert(stream.end(), download.begin(), download.end());

    RequestDecoder whole;
    std::vector<std::uint8_t> whole_out;
    EXPECT_EQ(whole.feed(stream, whole_out), 4);

    RequestDecoder bytewise;
    std::vector<std::uint8_t> bytewise_out;
    long completed = 0;
    for (std::size_t i = 0; i < stream.size(); ++i) {
        completed += bytewise.feed(std::span(stream).subspan(i, 1), bytewise_out);
        // Mid-request exactly while a frame is incomplete.
        EXPECT_EQ(bytewise.mid_request(),
                  i + 1 < stream.size() && !(i + 1 == 8 || i + 1 == 13 || i + 1 == 3018))
            << "after byte " << i;
    }
    EXPECT_EQ(completed, 4);
    EXPECT_EQ(bytewise_out, whole_out);
}

TEST(Protocol, UploadReplyCountsPayloadBytes) {
    RequestDecoder decoder;
    std::vector<std::uint8_t> out;
    EXPECT_EQ(decoder.feed(frame('U', 5, "abcde"), out), 1);
    std::vector<std::uint8_t> expected = frame('U', 8, "");
    append_u64(expected, 5);
    EXPECT_EQ(out, expected);
}

TEST(Protocol, DownloadReplyIsRepeatingAlphabet) {
    RequestDecoder decoder;
    std::vector<std::uint8_t> out;
    EXPECT_EQ(decoder.feed(make_download_request(60), out), 1);
    ASSERT_EQ(out.size(), kHeaderSize + 60);
    EXPECT_EQ(out[0], 'D');
    EXPECT_EQ(read_u64(std::vector<std::uint8_t>{0, 0, 0, 0, out[1], out[2], out[3], out[4]}), 60u);
    EXPECT_EQ(out[kHeaderSize], 'A');
    EXPECT_EQ(out[kHeaderSize + 25], 'Z');
    EXPECT_EQ(out[kHeaderSize + 26], 'A');
    EXPECT_EQ(out[kHeaderSize + 59], download_byte(59));
}

TEST(Protocol, DecoderReportsErrors) {
    std::vector<std::uint8_t> out;
    {
        RequestDecoder decoder;
        EXPECT_EQ(decoder.feed(frame('?', 0, ""), out), -1) << "unknown op";
    }
    {
        RequestDecoder decoder;
        EXPECT_EQ(decoder.feed(frame('E', kMaxPayload + 1, ""), out), -1) << "oversize";
    }
    {
        RequestDecoder decoder;
        EXPECT_EQ(decoder.feed(frame('D', 4, "abcd"), out), -1) << "download length not 8";
    }
    {
        RequestDecoder decoder;
        std::vector<std::uint8_t> request = frame('D', 8, "");
        append_u64(request, std::uint64_t{kMaxPayload} + 1);
        EXPECT_EQ(decoder.feed(request, out), -1) << "download larger than kMaxPayload";
    }
    EXPECT_TRUE(out.empty());
    {
        // A good request before the bad one is still answered.
        RequestDecoder decoder;
        std::vector<std::uint8_t> stream = make_echo_request(bytes("ok"));
        const auto bad = frame('Z', 0, "");
        stream.insert(stream.end(), bad.begin(), bad.end());
        EXPECT_EQ(decoder.feed(stream, out), -1);
        EXPECT_EQ(out, frame('E', 2, "OK"));
    }
}

}  // namespace
}  // namespace iophase::proto
