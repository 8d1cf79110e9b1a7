#include "report/name_escape.h"

#include <cstdint>

#include <fmt/format.h>

namespace iophase {
namespace {

// Length of the well-formed UTF-8 character at the start of `s`, or 0 if there is none. The
// ranges are those of the Unicode standard (table 3-7): no overlong forms, no surrogates,
// nothing above U+10FFFF.
std::size_t utf8_length(std::string_view s) {
    auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(s[i]); };
    auto continuation = [&](std::size_t i, std::uint8_t low = 0x80, std::uint8_t high = 0xBF) {
        return i < s.size() && byte(i) >= low && byte(i) <= high;
    };
    const std::uint8_t lead = byte(0);
    if (lead < 0x80) {
        return 1;
    }
    if (lead >= 0xC2 && lead <= 0xDF) {
        return continuation(1) ? 2 : 0;
    }
    if (lead >= 0xE0 && lead <= 0xEF) {
        const std::uint8_t low = lead == 0xE0 ? 0xA0 : 0x80;
        const std::uint8_t high = lead == 0xED ? 0x9F : 0xBF;
        return continuation(1, low, high) && continuation(2) ? 3 : 0;
    }
    if (lead >= 0xF0 && lead <= 0xF4) {
        const std::uint8_t low = lead == 0xF0 ? 0x90 : 0x80;
        const std::uint8_t high = lead == 0xF4 ? 0x8F : 0xBF;
        return continuation(1, low, high) && continuation(2) && continuation(3) ? 4 : 0;
    }
    return 0;
}

std::string control_escape(std::uint8_t c) {
    switch (c) {
        case '\n':
            return "\\n";
        case '\r':
            return "\\r";
        case '\t':
            return "\\t";
        default:
            return fmt::format("\\x{:02x}", c);
    }
}

std::string escaped(std::string_view bytes, bool controls) {
    std::string out;
    out.reserve(bytes.size());
    for (std::size_t at = 0; at < bytes.size();) {
        const std::string_view rest = bytes.substr(at);
        const std::size_t length = utf8_length(rest);
        const auto lead = static_cast<std::uint8_t>(rest[0]);
        if (length == 0) {
            out += fmt::format("\\x{:02x}", lead);
            at += 1;
            continue;
        }
        if (controls && length == 1 && (lead < 0x20 || lead == 0x7F)) {
            out += control_escape(lead);
        } else if (controls && length == 2 && lead == 0xC2 &&
                   static_cast<std::uint8_t>(rest[1]) <= 0x9F) {
            out += fmt::format("\\u{:04x}", static_cast<std::uint8_t>(rest[1]));
        } else {
            out += rest.substr(0, length);
        }
        at += length;
    }
    return out;
}

}  // namespace

std::string utf8_escaped(std::string_view bytes) {
    return escaped(bytes, false);
}

std::string terminal_escaped(std::string_view bytes) {
    return escaped(bytes, true);
}

}  // namespace iophase
