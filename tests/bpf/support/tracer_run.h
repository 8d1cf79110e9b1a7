// Running `iophase trace` on a workload and reading what both sides wrote, plus the fixture
// every bpf test uses: it skips (or, with CI=true, fails) when tracing cannot work here.
#pragma once

#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/subprocess.h"
#include "support/temp_dir.h"

namespace bpftest {

using nlohmann::json;

struct TraceResult {
    int exit_code = -1;  // -1: timed out and killed
    std::string stdout_text;
    std::string stderr_text;
    json report;             // null when no parsable JSON file was written
    std::string json_error;  // why `report` is null
};

// `iophase trace --json DIR/report.json TRACE_ARGS [-- COMMAND...]`, started in the background
// (for tests that do something while it traces); finish() waits and reads the results.
class TraceRun {
  public:
    TraceRun(const TempDir &dir, const std::vector<std::string> &trace_args,
             const std::vector<std::string> &command = {});

    TraceResult finish(std::chrono::milliseconds timeout = std::chrono::seconds(40));

    // Ctrl-C: iophase stops tracing and writes its report (finish() then reads it).
    void interrupt() const { process_->signal(SIGINT); }

  private:
    const TempDir &dir_;
    std::unique_ptr<Subprocess> process_;
};

// Waits (up to 10 s) until a TraceRun in `dir` says on stderr that it has attached.
void wait_until_attached(const TempDir &dir);

// True once `pid` sits in sigwait() (rt_sigtimedwait), waiting for its go signal; polled up
// to 5 s. (SigBlk cannot tell: the kernel unblocks the awaited signals during the wait.)
bool waits_for_signal(pid_t pid);

// The same, run to completion.
TraceResult run_trace(const TempDir &dir, const std::vector<std::string> &trace_args,
                      const std::vector<std::string> &command = {});

// `iophase ARGS...` exactly as given (no --json added); only exit code and output are read.
TraceResult run_iophase(const TempDir &dir, const std::vector<std::string> &args);

// The command line of a workload subcommand: {bpf_workload, subcommand, args...}.
std::vector<std::string> workload(const std::string &subcommand,
                                  const std::vector<std::string> &args = {});

// "key value" lines a workload wrote with --facts.
using Facts = std::map<std::string, std::string>;
Facts read_facts(const std::string &path);
long long fact(const Facts &facts, const std::string &key);  // throws when missing

// Why tracing cannot work on this machine, or "" when it can (checked once per run: root,
// then a short `iophase trace` of /bin/true).
const std::string &tracing_unavailable_reason();

// CI=true: the tests that need root, BPF or an installed tool must run there, not skip.
bool in_ci();

// Base fixture: skips the test (fails it when CI=true) if tracing is unavailable; on failure
// keeps the reports the test wrote in /tmp for a look.
class BpfTest : public ::testing::Test {
  protected:
    void SetUp() override;
    void TearDown() override;

    TempDir dir_;
};

}  // namespace bpftest

// Asserts a trace run finished with status 0 and a parsable report; shows stderr otherwise.
#define ASSERT_TRACE_OK(result)                                                                 \
    do {                                                                                        \
        ASSERT_EQ((result).exit_code, 0) << "iophase stderr:\n" << (result).stderr_text;        \
        ASSERT_FALSE((result).report.is_null()) << (result).json_error << "\niophase stderr:\n" \
                                                << (result).stderr_text;                        \
    } while (0)
