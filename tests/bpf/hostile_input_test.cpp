// Hostile input through the real `iophase` binary: names that are not UTF-8 or hold control
// bytes, a command that fails, outputs that must not be lost or mixed up, values that overflow,
// a --comm longer than the kernel keeps, a timeline under load, and a load generator that runs
// out of file descriptors. Each case is what a user typed in issue 10.
#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include "common/unique_fd.h"
#include "support/demo_line.h"
#include "support/report_query.h"
#include "support/tracer_run.h"

namespace bpftest {
namespace {

using namespace std::chrono_literals;

constexpr int kExitUsage = 2;

bool contains(const std::string &text, const std::string &part) {
    return text.find(part) != std::string::npos;
}

long lines(const std::string &text) {
    return std::count(text.begin(), text.end(), '\n');
}

class HostileInputTest : public BpfTest {
  protected:
    // DIR/NAME, a symlink to /bin/sleep: exec'd through it, a process's comm is NAME's
    // first 15 bytes, exactly as the kernel cuts them.
    std::string sleep_named(const std::string &name) const {
        const std::string link = dir_.file(name);
        std::filesystem::create_symlink("/bin/sleep", link);
        return link;
    }
    std::vector<std::string> marker_command() const {
        return workload("touch", {"--path", dir_.file("marker")});
    }
    bool marker_exists() const { return std::filesystem::exists(dir_.file("marker")); }
    // `iophase trace ARGS -- marker command`: bad usage must stop it before the command runs.
    TraceResult trace_marker(std::vector<std::string> args) const {
        args.insert(args.begin(), "trace");
        args.push_back("--");
        const auto command = marker_command();
        args.insert(args.end(), command.begin(), command.end());
        return run_iophase(dir_, args);
    }
};

// Issue 10 item 1: `sh -c 'sleep 4' $'\xff'` aborted with type_error.316 and 0-byte files.
TEST_F(HostileInputTest, ACommandLineThatIsNotUtf8GivesValidJsonAndTimeline) {
    const auto result = run_trace(dir_, {"--timeline", dir_.file("timeline.json")},
                                  {"/bin/sh", "-c", "sleep 0.3", std::string(1, '\xff')});
    ASSERT_TRACE_OK(result);
    const json *shell = nullptr;
    for (const auto &p : result.report["processes"]) {
        if (p.value("cmdline", std::string()).rfind("/bin/sh", 0) == 0) {
            shell = &p;
        }
    }
    ASSERT_NE(shell, nullptr) << result.report.dump(1);
    EXPECT_EQ((*shell)["cmdline"], "/bin/sh -c sleep 0.3 \\xff");
    const json timeline = json::parse(read_text(dir_.file("timeline.json")), nullptr, false);
    ASSERT_FALSE(timeline.is_discarded()) << "the timeline is not valid JSON";
    EXPECT_TRUE(timeline["traceEvents"].is_array());
}

TEST_F(HostileInputTest, ANameTheKernelCutInsideACharacterKeepsItsBytes) {
    const auto result = run_trace(dir_, {}, {sleep_named("серверный"), "0.2"});
    ASSERT_TRACE_OK(result);
    ASSERT_EQ(result.report["processes"].size(), 1u) << result.report.dump(1);
    const json &process = result.report["processes"][0];
    // 15 bytes: seven Cyrillic letters and the first byte of the eighth.
    EXPECT_EQ(process["comm"], "серверн\\xd1");
    EXPECT_EQ(process["threads"][0]["comm"], "серверн\\xd1");
    EXPECT_TRUE(contains(result.stdout_text, "серверн\\xd1")) << result.stdout_text;
}

// Item 2: a newline or an ESC in a name split the report header and reached the terminal.
TEST_F(HostileInputTest, ControlBytesInANameAreEscapedInTheTable) {
    const auto result = run_trace(dir_, {"--threads"}, {sleep_named("ab\ncd\x1b[31mef"), "0.2"});
    ASSERT_TRACE_OK(result);
    EXPECT_EQ(result.stdout_text.find('\x1b'), std::string::npos) << result.stdout_text;
    EXPECT_TRUE(contains(result.stdout_text, "ab\\ncd\\x1b[31mef")) << result.stdout_text;
    EXPECT_EQ(result.report["processes"][0]["comm"], "ab\ncd\x1b[31mef");  // JSON escapes it
}

// Item 11: the command's exit status is in the report and is iophase's exit code.
TEST_F(HostileInputTest, TheCommandsExitStatusIsReportedAndPassedOn) {
    const auto exited = run_trace(dir_, {}, {"/bin/sh", "-c", "exit 3"});
    EXPECT_EQ(exited.exit_code, 3) << exited.stderr_text;
    ASSERT_FALSE(exited.report.is_null()) << exited.json_error;
    EXPECT_EQ(exited.report["command"]["exit_code"], 3);
    EXPECT_TRUE(exited.report["command"]["signal"].is_null());
    EXPECT_TRUE(contains(exited.stdout_text, "exited with status 3")) << exited.stdout_text;

    const auto killed = run_trace(dir_, {}, {"/bin/sh", "-c", "kill -TERM $$"});
    EXPECT_EQ(killed.exit_code, 128 + SIGTERM) << killed.stderr_text;
    ASSERT_FALSE(killed.report.is_null()) << killed.json_error;
    EXPECT_EQ(killed.report["command"]["signal"], SIGTERM);
    EXPECT_EQ(killed.report["command"]["stopped_by_iophase"], false);

    // Outlived by the trace: iophase ends it, and that is no failure of the run.
    const auto outlived = run_trace(dir_, {"-d", "0.3"}, {"/bin/sh", "-c", "sleep 30"});
    EXPECT_EQ(outlived.exit_code, 0) << outlived.stderr_text;
    ASSERT_FALSE(outlived.report.is_null()) << outlived.json_error;
    EXPECT_EQ(outlived.report["command"]["stopped_by_iophase"], true);
}

// Item 6: the outputs are renamed into place only when complete.
TEST_F(HostileInputTest, AKilledTraceLeavesTheEarlierReportAsItWas) {
    const std::string report = dir_.file("report.json");
    std::ofstream(report) << "{\"earlier\": true}\n";
    Subprocess iophase({IOPHASE_BIN, "trace", "--json", report, "--timeline",
                        dir_.file("timeline.json"), "--", "/bin/sleep", "30"},
                       dir_.file("trace.stdout"), dir_.file("trace.stderr"));
    wait_until_attached(dir_);
    ASSERT_TRUE(contains(read_text(dir_.file("trace.stderr")), "attached"));
    iophase.kill();
    EXPECT_EQ(read_text(report), "{\"earlier\": true}\n");
    EXPECT_FALSE(std::filesystem::exists(dir_.file("timeline.json")));
    for (const auto &entry : std::filesystem::directory_iterator(dir_.file(""))) {
        EXPECT_FALSE(contains(entry.path().filename().string(), "iophase"))
            << "a temporary file was left behind: " << entry.path();
    }
}

TEST_F(HostileInputTest, OutputsThatCannotWorkAreRefusedBeforeAnythingRuns) {
    const std::string same = dir_.file("same.json");
    const std::vector<std::vector<std::string>> refused = {
        {"--json", "/proc/version"},
        {"--json", ""},
        {"--timeline", ""},
        {"--json", same, "--timeline", same},
        {"--json", "-", "--timeline", "-"},
        {"--json", dir_.file("")},  // a directory
    };
    for (const auto &args : refused) {
        const auto result = trace_marker(args);
        EXPECT_EQ(result.exit_code, kExitUsage) << args[1] << ": " << result.stderr_text;
        EXPECT_EQ(lines(result.stderr_text), 1) << result.stderr_text;
        EXPECT_FALSE(marker_exists()) << "nothing may run after: " << result.stderr_text;
    }
    EXPECT_FALSE(std::filesystem::exists(same));
}

// Items 8 and 9: non-finite and overflowing times, and one line that says what is right.
TEST_F(HostileInputTest, BadValuesGetOneLineThatSaysWhatWouldBeRight) {
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"-d", "1e10"}, "at most"},
        {{"-d", "nan"}, "'nan'"},
        {{"-i", "nan"}, "'nan'"},
        {{"-i", "1e10"}, "at most"},
        {{"-d", "inf"}, "'inf'"},
        {{"-p", "0"}, "not a process id"},
        {{"-p", "abc"}, "not a process id"},
    };
    for (const auto &[args, says] : cases) {
        const auto result = trace_marker(args);
        EXPECT_EQ(result.exit_code, kExitUsage) << args[1] << ": " << result.stderr_text;
        EXPECT_TRUE(contains(result.stderr_text, says)) << result.stderr_text;
        EXPECT_FALSE(contains(result.stderr_text, "1797693")) << "DBL_MAX: " << result.stderr_text;
        EXPECT_EQ(lines(result.stderr_text), 1) << result.stderr_text;
        EXPECT_FALSE(marker_exists());
    }
    const auto unknown = run_iophase(dir_, {"frobnicate"});
    EXPECT_EQ(unknown.exit_code, kExitUsage);
    EXPECT_TRUE(contains(unknown.stderr_text, "unknown command 'frobnicate'"))
        << unknown.stderr_text;
    EXPECT_TRUE(contains(unknown.stderr_text, "trace")) << unknown.stderr_text;
}

// Item 10: the kernel keeps 15 bytes of a name; the full name still finds the process.
TEST_F(HostileInputTest, ACommLongerThanTheKernelKeepsMatchesItsFirst15Bytes) {
    Subprocess target({sleep_named("averyveryverylongname"), "5"}, dir_.file("sleep.out"),
                      dir_.file("sleep.err"));
    std::this_thread::sleep_for(200ms);  // until it has exec'd
    const auto result = run_trace(dir_, {"--comm", "averyveryverylongname", "-d", "0.5"});
    ASSERT_TRACE_OK(result);
    EXPECT_NE(find_process(result.report, target.pid()), nullptr) << result.report.dump(1);
    EXPECT_TRUE(contains(result.stderr_text, "matching 'averyveryverylo'")) << result.stderr_text;
}

// The demo server of one model, killed at the end of the test.
class DemoServer {
  public:
    DemoServer(const std::string &binary, const TempDir &dir)
        : process_({binary, "--port", "0"}, dir.file("demo.out"), dir.file("demo.err")) {
        for (int attempt = 0; attempt < 400 && !line_; ++attempt) {
            std::this_thread::sleep_for(25ms);
            line_ = parse_demo_line(read_text(dir.file("demo.out")));
        }
    }
    const std::optional<DemoLine> &line() const { return line_; }

  private:
    Subprocess process_;
    std::optional<DemoLine> line_;
};

// Item 3: 5 s of the timeline of a loaded epoll server took 5.3 GB and lost 67% of it
// uncounted. Streamed, it must stay within 100 MB, cover the trace, and count every loss.
#ifdef IOPHASE_SANITIZED
// ASan's shadow memory and its quarantine of freed blocks come on top (192 MB measured).
constexpr long kTimelinePeakRssKib = 300 * 1024;
#else
constexpr long kTimelinePeakRssKib = 100 * 1024;
#endif
TEST_F(HostileInputTest, ATimelineUnderLoadIsStreamedWithBoundedMemory) {
    DemoServer demo(IOPHASE_DEMO_EPOLL_LT_BIN, dir_);
    ASSERT_TRUE(demo.line().has_value()) << read_text(dir_.file("demo.err"));
    Subprocess load({IOPHASE_BIN, "load", "127.0.0.1:" + std::to_string(demo.line()->port), "-c",
                     "50", "-d", "6", "--no-progress"},
                    dir_.file("load.out"), dir_.file("load.err"));
    std::this_thread::sleep_for(300ms);
    const std::string timeline_path = dir_.file("timeline.json");
    const auto result = run_trace(
        dir_, {"-p", std::to_string(demo.line()->pid), "-d", "5", "--timeline", timeline_path});
    ASSERT_TRACE_OK(result);
    rusage children{};
    ::getrusage(RUSAGE_CHILDREN, &children);  // the largest child reaped: iophase trace
    EXPECT_LT(children.ru_maxrss, kTimelinePeakRssKib) << "peak RSS in KiB";
    std::printf("peak RSS of the largest child (iophase trace --timeline): %ld KiB\n",
                children.ru_maxrss);

    const json timeline = json::parse(read_text(timeline_path), nullptr, false);
    ASSERT_FALSE(timeline.is_discarded()) << "the timeline is not valid JSON";
    double end_us = 0;
    std::size_t spans = 0;
    for (const auto &e : timeline["traceEvents"]) {
        if (e["ph"] == "X") {
            end_us = std::max(end_us, e["ts"].get<double>() + e["dur"].get<double>());
            ++spans;
        }
    }
    EXPECT_GT(spans, 100'000u) << "the server was not loaded";
    EXPECT_GT(end_us, 4.5e6) << "the timeline stops early, at " << end_us / 1e6 << " s";
    const json &health = result.report["health"];
    EXPECT_EQ(timeline["otherData"]["lost_events"],
              field(health, "ringbuf_drops") + field(health, "timeline_userspace_drops"));
    EXPECT_TRUE(contains(result.stderr_text, "in the ring buffer")) << result.stderr_text;
}

// A listening socket on 127.0.0.1 that never accepts: connects complete into its backlog.
struct Listener {
    iophase::UniqueFd fd{::socket(AF_INET, SOCK_STREAM, 0)};
    int port = 0;
    Listener() {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        if (::bind(fd.get(), reinterpret_cast<sockaddr *>(&address), length) == 0 &&
            ::listen(fd.get(), 1024) == 0 &&
            ::getsockname(fd.get(), reinterpret_cast<sockaddr *>(&address), &length) == 0) {
            port = ntohs(address.sin_port);
        }
    }
};

// Item 12: with 64 fds, 100 connections cannot be made; the load generator says so (and
// not "is the server running?"), and fails unless --allow-partial.
TEST_F(HostileInputTest, LoadNamesTheFdLimitInsteadOfBlamingTheServer) {
    Listener server;
    ASSERT_GT(server.port, 0);
    const std::vector<std::string> load = {"/usr/bin/prlimit",
                                           "--nofile=64:64",
                                           IOPHASE_BIN,
                                           "load",
                                           "127.0.0.1:" + std::to_string(server.port),
                                           "-c",
                                           "100",
                                           "-d",
                                           "0.3",
                                           "--no-progress"};
    const int refused = run_to_completion(load, dir_.file("load.out"), dir_.file("load.err"), 20s);
    const std::string refused_text = read_text(dir_.file("load.err"));
    EXPECT_EQ(refused, kExitUsage) << refused_text;
    EXPECT_TRUE(contains(refused_text, "may open 64")) << refused_text;
    EXPECT_FALSE(contains(refused_text, "server running")) << refused_text;

    auto partial = load;
    partial.push_back("--allow-partial");
    const int ran = run_to_completion(partial, dir_.file("load.out"), dir_.file("load.err"), 20s);
    const std::string ran_text = read_text(dir_.file("load.err"));
    EXPECT_EQ(ran, 0) << ran_text;
    EXPECT_TRUE(contains(ran_text, "EMFILE: this process's file descriptor limit")) << ran_text;
}

}  // namespace
}  // namespace bpftest
