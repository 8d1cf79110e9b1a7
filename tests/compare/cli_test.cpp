// `iophase compare` rejects bad flags with one line and exit code 2, before measuring anything
// (so these need no root).
#include <gtest/gtest.h>

#include "test_support.h"

namespace iophase::compare {
namespace {

namespace t = testing;

struct BadFlags {
    const char *flags;
    const char *says;  // part of the one-line error
};

TEST(CompareCli, BadFlagsExitWithTwoAndSayWhy) {
    const BadFlags cases[] = {
        {"--models blocking,nosuch", "unknown model 'nosuch'"},
        {"--scenario fast", "unknown scenario 'fast'"},
        {"--duration 0", "--duration: '0' is not a number of seconds > 0"},
        {"--duration nan", "'nan' is not a number of seconds"},
        {"--duration -1", "--duration"},
        {"--idle-sweep 0,many", "--idle-sweep wants non-negative counts"},
        {"--json /nonexistent-dir/x.json", "/nonexistent-dir/x.json"},
        {"--no-such-flag", "no-such-flag"},
    };
    for (const BadFlags &bad : cases) {
        const t::CommandResult result =
            t::run_command(std::string(IOPHASE_BIN) + " compare " + bad.flags);
        EXPECT_EQ(result.exit_code, 2) << bad.flags << ": " << result.output;
        EXPECT_NE(result.output.find(bad.says), std::string::npos)
            << bad.flags << ": " << result.output;
        EXPECT_EQ(result.output.find("[1/"), std::string::npos) << "a run started: " << bad.flags;
    }
}

}  // namespace
}  // namespace iophase::compare
