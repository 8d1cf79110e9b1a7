// Multiplexers: fds asked about per call, fds returned ready, timeouts, and the epoll edge
// triggering the classifier needs.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/report_query.h"
#include "support/tracer_run.h"

namespace bpftest {
namespace {

constexpr int kFds = 7;
constexpr int kReady = 3;
constexpr int kRounds = 50;
constexpr int kIdleRounds = 5;  // 1 ms timeouts with nothing ready
constexpr int kCalls = kRounds + kIdleRounds;

class MultiplexTest : public BpfTest {
  protected:
    // Traces the multiplexing workload `name`; returns its facts and its process entry.
    const json *trace_workload(const std::string &name, Facts &facts,
                               const std::vector<std::string> &extra = {}) {
        const auto facts_path = dir_.file("facts.txt");
        std::vector<std::string> args = {"--fds",         std::to_string(kFds),
                                         "--ready",       std::to_string(kReady),
                                         "--rounds",      std::to_string(kRounds),
                                         "--idle-rounds", std::to_string(kIdleRounds),
                                         "--facts",       facts_path};
        args.insert(args.end(), extra.begin(), extra.end());
        result_ = run_trace(dir_, {}, workload(name, args));
        EXPECT_EQ(result_.exit_code, 0) << result_.stderr_text;
        EXPECT_FALSE(result_.report.is_null()) << result_.json_error << result_.stderr_text;
        facts = read_facts(facts_path);
        EXPECT_EQ(facts.count("status"), 1u) << "the workload did not finish";
        if (facts.count("pid") == 0 || result_.report.is_null()) {
            return nullptr;
        }
        return find_process(result_.report, fact(facts, "pid"));
    }

    TraceResult result_;
};

TEST_F(MultiplexTest, SelectAsksAboutNfdsPerCall) {
    Facts facts;
    const json *process = trace_workload("select", facts);
    ASSERT_NE(process, nullptr) << "workload pid missing from the report";
    const auto nfds = static_cast<std::uint64_t>(fact(facts, "nfds"));

    // glibc's select() is the pselect6 syscall on x86-64; count both.
    const auto select = sum_syscalls((*process)["syscalls"], {"select", "pselect6"});
    ASSERT_EQ(select.count, kCalls) << describe_syscalls((*process)["syscalls"]);
    EXPECT_EQ(select.fds_asked, kCalls * nfds) << "select asks about nfds = max fd + 1";
    EXPECT_EQ(select.fds_ready, std::uint64_t{kRounds} * kReady);
    EXPECT_EQ(select.timeouts, kIdleRounds);
}

TEST_F(MultiplexTest, PollAsksAboutEveryFdPerCall) {
    Facts facts;
    const json *process = trace_workload("poll", facts);
    ASSERT_NE(process, nullptr) << "workload pid missing from the report";

    const auto poll = sum_syscalls((*process)["syscalls"], {"poll", "ppoll"});
    ASSERT_EQ(poll.count, kCalls) << describe_syscalls((*process)["syscalls"]);
    EXPECT_EQ(poll.fds_asked, std::uint64_t{kCalls} * kFds);
    EXPECT_EQ(poll.fds_ready, std::uint64_t{kRounds} * kReady);
    EXPECT_EQ(poll.timeouts, kIdleRounds);
}

TEST_F(MultiplexTest, EpollWaitCountsRegisteredFdsAndEdgeTriggering) {
    Facts facts;
    const json *process = trace_workload("epoll", facts);
    ASSERT_NE(process, nullptr) << "workload pid missing from the report";

    const auto wait =
        sum_syscalls((*process)["syscalls"], {"epoll_wait", "epoll_pwait", "epoll_pwait2"});
    ASSERT_EQ(wait.count, kCalls) << describe_syscalls((*process)["syscalls"]);
    EXPECT_GE(wait.fds_asked, std::uint64_t{kCalls} * kFds) << "at least the registered fds";
    EXPECT_EQ(wait.fds_ready, std::uint64_t{kRounds} * kReady);
    EXPECT_EQ(wait.timeouts, kIdleRounds);

    EXPECT_EQ((*process)["io_model"].value("label", std::string()), "epoll-et")
        << (*process)["io_model"].dump();
    if (process->contains("facts")) {
        EXPECT_EQ(field((*process)["facts"], "epoll_ctl_et"), std::uint64_t{kFds});
        EXPECT_EQ(field((*process)["facts"], "epoll_ctl_lt"), 0u);
    }
}

TEST_F(MultiplexTest, ClosingARegisteredFdTakesItOutOfTheEpollInstance) {
    // nginx never calls EPOLL_CTL_DEL: closing a connection's fd removes it from the set.
    constexpr int kClosed = 2;
    Facts facts;
    const json *process = trace_workload("epoll", facts, {"--closed", std::to_string(kClosed)});
    ASSERT_NE(process, nullptr) << "workload pid missing from the report";
    const auto wait =
        sum_syscalls((*process)["syscalls"], {"epoll_wait", "epoll_pwait", "epoll_pwait2"});
    ASSERT_EQ(wait.count, kCalls) << describe_syscalls((*process)["syscalls"]);
    EXPECT_EQ(wait.fds_asked,
              std::uint64_t{kIdleRounds} * kFds + std::uint64_t{kRounds} * (kFds - kClosed));
}

}  // namespace
}  // namespace bpftest
