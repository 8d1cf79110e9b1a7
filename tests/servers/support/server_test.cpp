#include "support/server_test.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "support/proc_tree.h"
#include "support/report_query.h"
#include "support/report_summary.h"
#include "support/strace_log.h"
#include "support/syscall_rows.h"

namespace servertest {

void ServerTest::SetUp() {
    bpftest::BpfTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) {
        return;
    }
    std::string missing;
    for (const auto &program : programs()) {
        if (::access(program.c_str(), X_OK) != 0) {
            missing += " " + program;
        }
    }
    if (missing.empty()) {
        return;
    }
    if (bpftest::in_ci()) {
        GTEST_FAIL() << "CI=true, so the server tests must run, but these are not installed:"
                     << missing << " (tools/setup.sh installs them)";
    }
    GTEST_SKIP() << "not installed:" << missing << " (tools/setup.sh installs them)";
}

void ServerTest::TearDown() {
    server_.reset();
    // IOPHASE_SERVER_REPORTS=DIR keeps every report (and strace log): the data of docs/servers.md.
    if (const char *keep = std::getenv("IOPHASE_SERVER_REPORTS")) {
        const auto *info = ::testing::UnitTest::GetInstance()->current_test_info();
        const std::string name =
            std::string(keep) + "/" + info->test_suite_name() + "." + info->name();
        std::error_code ignored;
        for (const char *file : {"report.json", "strace.log"}) {
            std::filesystem::copy_file(dir_.file(file), name + "." + file,
                                       std::filesystem::copy_options::overwrite_existing, ignored);
        }
    }
    bpftest::BpfTest::TearDown();
}

const Server &ServerTest::start(const std::vector<std::string> &argv, int port) {
    server_.emplace(dir_, "server", argv, port);
    return *server_;
}

void ServerTest::run(Load load, WithStrace with_strace) {
    ASSERT_NO_THROW(start_server());
    ASSERT_TRUE(server_.has_value()) << "start_server() started nothing";
    std::printf("server processes and threads before the trace:\n%s",
                describe_tree(server_->pid()).c_str());
    TracedLoad traced;
    ASSERT_NO_THROW(traced = trace_load(
                        dir_, *server_, [&] { work_ = drive(load); }, with_strace));
    ASSERT_TRACE_OK(traced.trace);
    print_summary(traced.trace.report);
    // A failed map insert loses calls: every count below would be short.
    EXPECT_EQ(bpftest::field(bpftest::member(traced.trace.report, "health"), "map_full_drops"), 0u)
        << "iophase dropped data";
    traced_ = std::move(traced);
}

void ServerTest::check_invariants(const std::vector<Invariant> &invariants) {
    ASSERT_NO_FATAL_FAILURE(run(Load::kCounts));
    const auto rows = report_rows(traced_->trace.report);
    // A syscall iophase does not name yet is in its `other` row: its invariant waits (strace
    // checks it meanwhile), and applies by itself once the report names every syscall.
    const auto names = by_name(rows);
    std::vector<Invariant> named;
    for (const auto &invariant : invariants) {
        if (names.count(invariant.name) || !names.count("other")) {
            named.push_back(invariant);
        } else {
            std::printf("not checked: the report does not name %s yet\n", invariant.name);
        }
    }
    expect_invariants(rows, named, work_, "iophase");
}

void ServerTest::check_against_strace(const std::vector<Invariant> &invariants) {
    if (!have_strace()) {
        GTEST_SKIP() << "strace is not installed (tools/setup.sh installs it)";
    }
    ASSERT_NO_FATAL_FAILURE(run(Load::kStrace, WithStrace::kYes));
    const auto &calls = traced_->strace;
    ASSERT_FALSE(calls.empty()) << "strace saw no calls";
    const auto lower = strace_rows(calls, traced_->attached, traced_->interrupted);
    const auto upper = strace_rows(calls, traced_->started, traced_->exited);
    expect_between(report_rows(traced_->trace.report), lower, upper);
    expect_invariants(lower, invariants, work_, "strace");
}

nlohmann::json ServerTest::model_report() {
    run(Load::kModel);
    return traced_ ? traced_->trace.report : nlohmann::json();
}

const nlohmann::json &ServerTest::process(const nlohmann::json &report, pid_t pid) {
    static const nlohmann::json missing = nlohmann::json::object();
    if (const nlohmann::json *found = bpftest::find_process(report, pid)) {
        return *found;
    }
    ADD_FAILURE() << "pid " << pid << " is not in the report";
    return missing;
}

}  // namespace servertest
