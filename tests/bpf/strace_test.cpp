// Syscall counts agree with `strace -f -c` on a workload that makes a fixed number of calls.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>

#include "support/report_query.h"
#include "support/strace_summary.h"
#include "support/subprocess.h"
#include "support/tracer_run.h"

namespace bpftest {
namespace {

class StraceTest : public BpfTest {};

TEST_F(StraceTest, CountsEqualStraceCounts) {
    const char *strace = "/usr/bin/strace";
    if (::access(strace, X_OK) != 0) {
        GTEST_SKIP() << "strace is not installed (tools/setup.sh installs it)";
    }
    const std::vector<std::string> workload_args{"--writes", "500", "--reads",    "300",
                                                 "--sleeps", "40",  "--messages", "100",
                                                 "--polls",  "50"};
    auto with_facts = [&](const std::string &facts_path) {
        auto args = workload_args;
        args.insert(args.end(), {"--facts", facts_path});
        return workload("fixed-syscalls", args);
    };

    // LeakSanitizer cannot run under ptrace: switch it off when the workload is sanitized.
    std::vector<std::string> strace_argv{
        strace, "-f", "-c", "-o", dir_.file("strace.txt"), "-E", "ASAN_OPTIONS=detect_leaks=0"};
    const auto traced_by_strace = with_facts(dir_.file("strace-facts.txt"));
    strace_argv.insert(strace_argv.end(), traced_by_strace.begin(), traced_by_strace.end());
    ASSERT_EQ(run_to_completion(strace_argv, dir_.file("strace.out"), dir_.file("strace.err"),
                                std::chrono::seconds(30)),
              0)
        << read_text(dir_.file("strace.err"));
    const auto strace_counts = parse_strace_counts(read_text(dir_.file("strace.txt")));
    ASSERT_FALSE(strace_counts.empty()) << read_text(dir_.file("strace.txt"));

    const auto facts_path = dir_.file("facts.txt");
    const auto result = run_trace(dir_, {}, with_facts(facts_path));
    ASSERT_TRACE_OK(result);
    const auto facts = read_facts(facts_path);
    ASSERT_EQ(facts.count("status"), 1u) << "the workload did not finish";
    const json *process = find_process(result.report, fact(facts, "pid"));
    ASSERT_NE(process, nullptr) << "workload pid missing from the report";
    const auto &syscalls = (*process)["syscalls"];

    // Calls the workload makes a fixed number of times (plus one write of the facts file,
    // made under both tracers). glibc's nanosleep() is clock_nanosleep.
    for (const char *name :
         {"write", "clock_nanosleep", "nanosleep", "sendto", "recvfrom", "poll"}) {
        SCOPED_TRACE(name);
        const auto from_strace = strace_counts.count(name) ? strace_counts.at(name) : 0;
        EXPECT_EQ(sum_syscalls(syscalls, {name}).count, from_strace) << describe_syscalls(syscalls);
    }
    // read: the loader's reads of shared libraries come on top of the 300 pipe reads (and
    // iophase's own pre-exec read of the child), so compare the pipe rows with the known count.
    // (No such check for write: a sanitizer runtime probes memory with writes to a pipe.)
    EXPECT_EQ(sum_syscalls(syscalls, {"read"}, "pipe").count, fact(facts, "reads"));
    EXPECT_GE(strace_counts.at("write"), 500u) << "sanity: strace saw the workload's writes";
}

}  // namespace
}  // namespace bpftest
