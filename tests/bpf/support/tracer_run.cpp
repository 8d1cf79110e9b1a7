#include "support/tracer_run.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace bpftest {

namespace {

std::vector<std::string> trace_argv(const std::string &report_path,
                                    const std::vector<std::string> &trace_args,
                                    const std::vector<std::string> &command) {
    std::vector<std::string> argv{IOPHASE_BIN, "trace", "--json", report_path};
    argv.insert(argv.end(), trace_args.begin(), trace_args.end());
    if (!command.empty()) {
        argv.push_back("--");
        argv.insert(argv.end(), command.begin(), command.end());
    }
    return argv;
}

// Waits for iophase and reads its output (not the report).
TraceResult collect(const TempDir &dir, Subprocess &process, std::chrono::milliseconds timeout) {
    TraceResult result;
    result.exit_code = process.wait_for(timeout).value_or(-1);
    process.kill();
    result.stdout_text = read_text(dir.file("trace.stdout"));
    result.stderr_text = read_text(dir.file("trace.stderr"));
    if (result.exit_code == -1) {
        result.stderr_text += "\n(killed: still running after the test's timeout)";
    }
    return result;
}

}  // namespace

TraceRun::TraceRun(const TempDir &dir, const std::vector<std::string> &trace_args,
                   const std::vector<std::string> &command)
    : dir_(dir) {
    std::filesystem::remove(dir.file("report.json"));
    process_ =
        std::make_unique<Subprocess>(trace_argv(dir.file("report.json"), trace_args, command),
                                     dir.file("trace.stdout"), dir.file("trace.stderr"));
}

TraceResult TraceRun::finish(std::chrono::milliseconds timeout) {
    TraceResult result = collect(dir_, *process_, timeout);
    const std::string report_path = dir_.file("report.json");
    const std::string text = read_text(report_path);
    if (text.empty()) {
        result.json_error = "no report written to " + report_path;
        return result;
    }
    try {
        result.report = json::parse(text);
    } catch (const json::exception &error) {
        result.json_error = std::string("report is not valid JSON: ") + error.what();
    }
    return result;
}

void wait_until_attached(const TempDir &dir) {
    for (int attempt = 0; attempt < 1000; ++attempt) {
        if (read_text(dir.file("trace.stderr")).find("attached") != std::string::npos) {
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

bool waits_for_signal(pid_t pid) {
    for (int attempt = 0; attempt < 500; ++attempt) {
        std::istringstream syscall(read_text("/proc/" + std::to_string(pid) + "/syscall"));
        long number = -1;
        if (syscall >> number && number == SYS_rt_sigtimedwait) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

TraceResult run_trace(const TempDir &dir, const std::vector<std::string> &trace_args,
                      const std::vector<std::string> &command) {
    return TraceRun(dir, trace_args, command).finish();
}

TraceResult run_iophase(const TempDir &dir, const std::vector<std::string> &args) {
    std::vector<std::string> argv{IOPHASE_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    Subprocess process(argv, dir.file("trace.stdout"), dir.file("trace.stderr"));
    return collect(dir, process, std::chrono::seconds(20));
}

std::vector<std::string> workload(const std::string &subcommand,
                                  const std::vector<std::string> &args) {
    std::vector<std::string> argv{BPF_WORKLOAD_BIN, subcommand};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

Facts read_facts(const std::string &path) {
    Facts facts;
    std::istringstream lines(read_text(path));
    std::string key;
    std::string value;
    while (lines >> key >> value) {
        facts[key] = value;
    }
    return facts;
}

long long fact(const Facts &facts, const std::string &key) {
    auto it = facts.find(key);
    if (it == facts.end()) {
        throw std::runtime_error("the workload did not record '" + key + "'");
    }
    return std::stoll(it->second);
}

namespace {

bool mentions_missing_privilege(const std::string &text) {
    for (const char *word : {"BPF", "bpf", "CAP_", "BTF", "ermission", "not permitted", "root"}) {
        if (text.find(word) != std::string::npos) {
            return true;
        }
    }
    return false;
}

std::string probe_tracing() {
    if (::geteuid() != 0) {
        return "not running as root: the bpf tests load BPF programs";
    }
    TempDir dir;
    const auto probe = run_trace(dir, {"-d", "5"}, {"/bin/true"});
    if (probe.exit_code != 0 && mentions_missing_privilege(probe.stderr_text)) {
        return "iophase cannot load BPF here: " + probe.stderr_text;
    }
    return "";  // other failures are the tracer's bugs: let the tests show them
}

}  // namespace

const std::string &tracing_unavailable_reason() {
    static const std::string reason = probe_tracing();
    return reason;
}

bool in_ci() {
    const char *ci = std::getenv("CI");
    return ci != nullptr && std::string(ci) == "true";
}

void BpfTest::SetUp() {
    const std::string &reason = tracing_unavailable_reason();
    if (reason.empty()) {
        return;
    }
    if (in_ci()) {
        GTEST_FAIL() << "CI=true, so the bpf tests must run, but " << reason;
    }
    GTEST_SKIP() << reason;
}

void BpfTest::TearDown() {
    if (!HasFailure()) {
        return;
    }
    const auto *info = ::testing::UnitTest::GetInstance()->current_test_info();
    const std::string kept = std::string("/tmp/iophase-bpftest-") + info->test_suite_name() + "." +
                             info->name() + ".json";
    std::error_code error;
    std::filesystem::copy_file(dir_.file("report.json"), kept,
                               std::filesystem::copy_options::overwrite_existing, error);
    if (!error) {
        std::printf("report kept in %s\n", kept.c_str());
    }
}

}  // namespace bpftest
