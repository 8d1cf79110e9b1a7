// Names are bytes: what is not UTF-8 is kept visible as \xNN, valid UTF-8 is kept as it is, and
// control characters never reach a terminal raw. The expected strings are written by hand from
// the Unicode standard's table of well-formed sequences, not produced by the code under test.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "report/name_escape.h"

namespace iophase {
namespace {

TEST(NameEscape, ValidUtf8IsKeptAsItIs) {
    EXPECT_EQ(utf8_escaped("nginx: worker"), "nginx: worker");
    EXPECT_EQ(utf8_escaped("серверный"), "серверный");
    EXPECT_EQ(utf8_escaped("a文件传输"), "a文件传输");
    EXPECT_EQ(utf8_escaped("\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80");  // U+1F600, 4 bytes
    EXPECT_EQ(utf8_escaped(""), "");
}

TEST(NameEscape, TheKernelsCutOfALongerNameKeepsItsLastByteVisible) {
    // prctl(PR_SET_NAME, "серверный") keeps 15 bytes: 7 letters and half of the 8th.
    EXPECT_EQ(utf8_escaped(std::string("серверный").substr(0, 15)), "серверн\\xd1");
    // "a文件传输服务器": 'a' and 4 characters of 3 bytes, then 2 bytes of the 5th.
    EXPECT_EQ(utf8_escaped(std::string("a文件传输服务器").substr(0, 15)), "a文件传输\\xe6\\x9c");
}

TEST(NameEscape, EveryMalformedByteIsEscaped) {
    EXPECT_EQ(utf8_escaped("\xff"), "\\xff");
    EXPECT_EQ(utf8_escaped("a\x80z"), "a\\x80z");                // a lone continuation byte
    EXPECT_EQ(utf8_escaped("\xc0\xaf"), "\\xc0\\xaf");           // overlong '/'
    EXPECT_EQ(utf8_escaped("\xe0\x80\xaf"), "\\xe0\\x80\\xaf");  // overlong, 3 bytes
    EXPECT_EQ(utf8_escaped("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // a UTF-16 surrogate
    EXPECT_EQ(utf8_escaped("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // above U+10FFFF
    EXPECT_EQ(utf8_escaped("\xe2\x82"), "\\xe2\\x82");                    // cut at the end
}

TEST(NameEscape, ControlCharactersAreEscapedOnlyForTheTerminal) {
    const std::string name = "srv\n\x1b[2J\t\x7f\xc2\x9b!";
    EXPECT_EQ(terminal_escaped(name), "srv\\n\\x1b[2J\\t\\x7f\\u009b!");
    EXPECT_EQ(utf8_escaped(name), name);  // JSON escapes control characters itself
    EXPECT_EQ(terminal_escaped("\xff\r"), "\\xff\\r");
}

TEST(NameEscape, TheResultAlwaysDumpsAsStrictJson) {
    std::string all_bytes;
    for (int b = 0; b < 256; ++b) {
        all_bytes.push_back(static_cast<char>(b));
    }
    const std::string escaped = utf8_escaped(all_bytes);
    const nlohmann::json value = escaped;
    EXPECT_NO_THROW(EXPECT_EQ(nlohmann::json::parse(value.dump()), escaped));
}

}  // namespace
}  // namespace iophase
