// Bad input: each mistake gets its documented exit code and a clear error, and nothing runs
// or attaches when the mistake is found up front.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "support/subprocess.h"
#include "support/tracer_run.h"

namespace bpftest {
namespace {

constexpr int kExitUsage = 2;
constexpr int kExitNotFound = 127;

class BadInputTest : public BpfTest {
  protected:
    // A command that shows whether it ran: it creates the marker file.
    std::vector<std::string> marker_command() const {
        return workload("touch", {"--path", dir_.file("marker")});
    }
    bool marker_exists() const { return std::filesystem::exists(dir_.file("marker")); }
};

// A pid that surely does not exist: one of our own children, already reaped.
pid_t dead_pid(const TempDir &dir) {
    Subprocess child({"/bin/true"}, dir.file("true.out"), dir.file("true.err"));
    child.wait_for(std::chrono::seconds(5));
    return child.pid();
}

TEST_F(BadInputTest, UnknownPidIsNamedAndExits2) {
    const std::string pid = std::to_string(dead_pid(dir_));
    const auto result = run_trace(dir_, {"-p", pid, "-d", "1"});
    EXPECT_EQ(result.exit_code, kExitUsage) << result.stderr_text;
    EXPECT_NE(result.stderr_text.find(pid), std::string::npos) << result.stderr_text;
    EXPECT_EQ(std::count(result.stderr_text.begin(), result.stderr_text.end(), '\n'), 1)
        << "one line of error: " << result.stderr_text;
}

TEST_F(BadInputTest, ZeroDurationExits2WithoutRunning) {
    const auto result = run_trace(dir_, {"-d", "0"}, marker_command());
    EXPECT_EQ(result.exit_code, kExitUsage) << result.stderr_text;
    EXPECT_FALSE(result.stderr_text.empty());
    EXPECT_FALSE(marker_exists()) << "the command must not run";
}

TEST_F(BadInputTest, UnwritableJsonPathExits2BeforeAttaching) {
    std::vector<std::string> args{"trace", "--json", "/proc/nonexistent/x.json", "--"};
    const auto command = marker_command();
    args.insert(args.end(), command.begin(), command.end());
    const auto result = run_iophase(dir_, args);
    EXPECT_EQ(result.exit_code, kExitUsage) << result.stderr_text;
    EXPECT_NE(result.stderr_text.find("/proc/nonexistent/x.json"), std::string::npos)
        << result.stderr_text;
    EXPECT_FALSE(marker_exists()) << "the path is checked before anything starts";
}

TEST_F(BadInputTest, CommandThatCannotStartExits127) {
    const auto result = run_trace(dir_, {}, {"/nonexistent/cmd"});
    EXPECT_EQ(result.exit_code, kExitNotFound) << result.stderr_text;
    EXPECT_NE(result.stderr_text.find("/nonexistent/cmd"), std::string::npos) << result.stderr_text;
}

TEST_F(BadInputTest, UnknownFlagExits2) {
    const auto result = run_trace(dir_, {"--no-such-flag"}, marker_command());
    EXPECT_EQ(result.exit_code, kExitUsage) << result.stderr_text;
    EXPECT_FALSE(marker_exists());
}

}  // namespace
}  // namespace bpftest
