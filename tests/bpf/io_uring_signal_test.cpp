// The asynchronous and signal-driven models: an io_uring recv put on the ring before the peer
// sends shows the peer's delay as readiness wait done by the kernel; the io_uring and
// signal-driven demos under load show their operations, signals and labels.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "support/demo_line.h"
#include "support/report_query.h"
#include "support/tracer_run.h"

namespace bpftest {
namespace {

using namespace std::chrono_literals;

constexpr std::uint64_t kMs = 1'000'000;

// The io_uring[] row of one opcode, or nullptr.
const json *find_uring_op(const json &process, const std::string &opcode) {
    if (!process.contains("io_uring") || !process["io_uring"].is_array()) {
        return nullptr;
    }
    for (const auto &row : process["io_uring"]) {
        if (row.value("opcode", std::string()) == opcode) {
            return &row;
        }
    }
    return nullptr;
}

// Kills the traced demo (not our child: iophase started it) if the test gives up early, so
// no server is left behind when iophase itself is killed.
class DemoGuard {
  public:
    explicit DemoGuard(long long pid) : pid_(static_cast<pid_t>(pid)) {}
    DemoGuard(const DemoGuard &) = delete;
    DemoGuard &operator=(const DemoGuard &) = delete;
    ~DemoGuard() {
        if (!stopped_) {
            ::kill(pid_, SIGKILL);
        }
    }
    void stop() {
        ::kill(pid_, SIGTERM);
        stopped_ = true;
    }

  private:
    pid_t pid_;
    bool stopped_ = false;
};

constexpr int kLoadMessages = 2000;
constexpr int kEchoPayload = 64;  // `iophase load` default message size
constexpr int kFrameHeader = 5;   // docs/protocol.md: op + 4-byte length
constexpr int kLoadConnections = 4;

// A demo traced by `iophase trace -- DEMO` while `iophase load` drives it, then stopped with
// SIGTERM. The load generator's JSON results are kept for the byte counts.
struct DemoRun {
    TraceResult trace;
    long long demo_pid = 0;
    json load;
    int load_exit_code = -1;
};

class DemoUnderLoadTest : public BpfTest {
  protected:
    // Fills `run`; a fatal failure means the run could not be done (the caller returns).
    void trace_demo_under_load(const std::string &demo_bin, DemoRun &run) {
        TraceRun tracing(dir_, {}, {demo_bin});
        std::optional<DemoLine> line;
        for (int attempt = 0; attempt < 400 && !line; ++attempt) {
            std::this_thread::sleep_for(25ms);
            line = parse_demo_line(read_text(dir_.file("trace.stdout")));
        }
        if (!line) {
            const auto failed = tracing.finish(1s);
            FAIL() << "the demo never printed its first line; iophase stderr:\n"
                   << failed.stderr_text;
        }
        DemoGuard demo(line->pid);
        run.demo_pid = line->pid;

        const std::string load_json = dir_.file("load.json");
        run.load_exit_code =
            run_to_completion({IOPHASE_BIN, "load", "127.0.0.1:" + std::to_string(line->port), "-c",
                               std::to_string(kLoadConnections), "-n",
                               std::to_string(kLoadMessages), "--json", load_json, "--no-progress"},
                              dir_.file("load.stdout"), dir_.file("load.stderr"), 20s);
        const std::string load_text = read_text(load_json);
        if (!load_text.empty()) {
            run.load = json::parse(load_text, nullptr, false);
        }
        // Let the demo take what the load generator sent last (and its EOFs) before stopping.
        std::this_thread::sleep_for(300ms);
        demo.stop();
        run.trace = tracing.finish(20s);
    }
};

class IoUringRecvTest : public BpfTest {};

TEST_F(IoUringRecvTest, RecvSubmittedBeforeThePeerSendsWaitsForReadinessInTheKernel) {
    constexpr int kRepeat = 3;
    constexpr int kBytes = 1000;
    constexpr std::uint64_t kDelayNs = 200 * kMs;
    const auto facts_path = dir_.file("facts.txt");
    const auto result = run_trace(
        dir_, {},
        workload("uring-recv", {"--delay-ms", "200", "--bytes", std::to_string(kBytes), "--repeat",
                                std::to_string(kRepeat), "--facts", facts_path}));
    ASSERT_TRACE_OK(result);
    const auto facts = read_facts(facts_path);
    ASSERT_EQ(facts.count("status"), 1u) << "the workload did not finish";
    ASSERT_EQ(fact(facts, "short_or_failed"), 0) << "the workload's own recvs misbehaved";
    const long long pid = fact(facts, "pid");
    const json *process = find_process(result.report, pid);
    ASSERT_NE(process, nullptr) << "workload pid missing from the report";

    const json *recv = find_uring_op(*process, "recv");
    ASSERT_NE(recv, nullptr) << "no io_uring recv row: " << (*process)["io_uring"].dump();
    EXPECT_EQ(field(*recv, "completions"), std::uint64_t{kRepeat}) << recv->dump();
    EXPECT_EQ(field(*recv, "bytes"), std::uint64_t{kRepeat} * kBytes) << recv->dump();
    EXPECT_EQ(field(*recv, "errors"), 0u) << recv->dump();
    ASSERT_EQ(field(*recv, "ready_waits"), std::uint64_t{kRepeat})
        << "each recv found no data and armed a poll: " << recv->dump();
    const double wait_per_op = static_cast<double>(field(*recv, "ready_wait_ns")) / kRepeat;
    EXPECT_NEAR(wait_per_op, kDelayNs, 0.10 * kDelayNs)
        << "the peer sent 200 ms after each recv was submitted";
    std::printf("measured io_uring recv readiness wait: %.1f ms per op (peer delay 200 ms)\n",
                wait_per_op / kMs);

    // The kernel took the data: the receiving (main) thread made no receive syscall at all.
    const json *main_thread = find_thread(*process, pid);
    ASSERT_NE(main_thread, nullptr) << "main thread missing from threads[]";
    const auto &syscalls = (*main_thread)["syscalls"];
    EXPECT_EQ(sum_syscalls(syscalls, {"recvfrom", "recvmsg"}).count, 0u)
        << describe_syscalls(syscalls);
    EXPECT_EQ(sum_syscalls(syscalls, {"read", "readv"}, "socket").count, 0u)
        << describe_syscalls(syscalls);
    EXPECT_GT(field((*process)["facts"], "io_uring_setups"), 0u);
}

TEST_F(DemoUnderLoadTest, IoUringDemoLetsTheKernelReceiveEveryByteSent) {
    DemoRun run;
    trace_demo_under_load(IOPHASE_DEMO_IO_URING_BIN, run);
    if (HasFatalFailure()) {
        return;
    }
    ASSERT_EQ(run.load_exit_code, 0) << read_text(dir_.file("load.stderr"));
    ASSERT_TRUE(run.load.is_object()) << "no JSON from iophase load";
    ASSERT_TRACE_OK(run.trace);
    const json *process = find_process(run.trace.report, run.demo_pid);
    ASSERT_NE(process, nullptr) << "demo pid missing from the report";

    EXPECT_EQ((*process)["io_model"].value("label", std::string()), "io_uring")
        << (*process)["io_model"].dump();
    const json *recv = find_uring_op(*process, "recv");
    const json *send = find_uring_op(*process, "send");
    ASSERT_NE(recv, nullptr) << (*process)["io_uring"].dump();
    ASSERT_NE(send, nullptr) << (*process)["io_uring"].dump();
    EXPECT_GE(field(*recv, "completions"), std::uint64_t{kLoadMessages}) << recv->dump();
    EXPECT_GE(field(*send, "completions"), std::uint64_t{kLoadMessages}) << send->dump();

    const std::uint64_t bytes_sent = field(run.load, "bytes_sent");
    EXPECT_GE(bytes_sent, std::uint64_t{kLoadMessages} * (kFrameHeader + kEchoPayload));
    EXPECT_EQ(field(*recv, "bytes"), bytes_sent)
        << "every byte the load generator sent was received by an io_uring recv; demo said: "
        << run.trace.stdout_text;
    EXPECT_GT(field(*recv, "lifetime_ns"), 0u) << recv->dump();
    std::printf(
        "io_uring demo: recv completions %llu bytes %llu (load sent %llu), send "
        "completions %llu, mean recv lifetime %.1f us\n",
        static_cast<unsigned long long>(field(*recv, "completions")),
        static_cast<unsigned long long>(field(*recv, "bytes")),
        static_cast<unsigned long long>(bytes_sent),
        static_cast<unsigned long long>(field(*send, "completions")),
        static_cast<double>(field(*recv, "lifetime_ns")) /
            std::max<std::uint64_t>(1, field(*recv, "completions")) / 1000.0);

    // No receive syscall ever slept: the thread's only wait is io_uring_enter.
    const auto &syscalls = (*process)["syscalls"];
    const auto recv_calls = sum_syscalls(syscalls, {"recvfrom", "recvmsg"});
    EXPECT_TRUE(recv_calls.count == 0 || recv_calls.wait_ns == 0) << describe_syscalls(syscalls);
}

TEST_F(DemoUnderLoadTest, SignalDrivenDemoShowsItsSignalsAndWaitsInSigtimedwait) {
    DemoRun run;
    trace_demo_under_load(IOPHASE_DEMO_SIGNAL_DRIVEN_BIN, run);
    if (HasFatalFailure()) {
        return;
    }
    ASSERT_EQ(run.load_exit_code, 0) << read_text(dir_.file("load.stderr"));
    ASSERT_TRACE_OK(run.trace);
    const json *process = find_process(run.trace.report, run.demo_pid);
    ASSERT_NE(process, nullptr) << "demo pid missing from the report";

    EXPECT_EQ((*process)["io_model"].value("label", std::string()), "signal-driven")
        << (*process)["io_model"].dump();
    const json &signals = (*process)["signals"];
    EXPECT_GT(field(signals, "generated"), 0u) << signals.dump();
    EXPECT_GT(field(signals, "taken"), 0u) << signals.dump();
    const std::uint64_t samples = field(signals, "delay_samples");
    ASSERT_GT(samples, 0u) << signals.dump();
    const double mean_delay = static_cast<double>(field(signals, "delay_ns")) / samples;
    EXPECT_GT(mean_delay, 0.0) << signals.dump();
    EXPECT_LT(mean_delay, 1e9) << signals.dump();
    std::printf("signal-driven demo: generated %llu taken %llu, mean delivery delay %.1f us\n",
                static_cast<unsigned long long>(field(signals, "generated")),
                static_cast<unsigned long long>(field(signals, "taken")), mean_delay / 1000.0);

    const json &blocked_by = (*process)["budget"]["blocked_by"];
    ASSERT_TRUE(blocked_by.is_object() && !blocked_by.empty()) << blocked_by.dump();
    std::string largest;
    std::uint64_t largest_ns = 0;
    for (const auto &[reason, ns] : blocked_by.items()) {
        if (ns.get<std::uint64_t>() > largest_ns) {
            largest = reason;
            largest_ns = ns.get<std::uint64_t>();
        }
    }
    EXPECT_EQ(largest, "rt_sigtimedwait") << blocked_by.dump();
}

}  // namespace
}  // namespace bpftest
