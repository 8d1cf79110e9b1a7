#include "synthetic.h"

#include "tracer/syscall_table.h"

#include <nlohmann/json.hpp>

namespace iophase::compare::testing {

void ThreadScript::push(ThreadState state, const std::string &syscall, std::uint64_t dur_ns) {
    events_.push_back({now_ns_, pid_, tid_, state, syscall});
    now_ns_ += dur_ns;
}

void ThreadScript::user(std::uint64_t dur_ns) {
    push(ThreadState::User, "", dur_ns);
}

void ThreadScript::call(const std::string &syscall,
                        std::initializer_list<std::pair<ThreadState, std::uint64_t>> pieces) {
    for (const auto &[state, dur_ns] : pieces) {
        push(state, syscall, dur_ns);
    }
}

void ThreadScript::data_ready(const std::string &syscall, std::uint64_t ago_ns) {
    events_.push_back({now_ns_ - ago_ns, pid_, tid_, ThreadState::Runq, syscall, true});
}

Timeline ThreadScript::timeline() const {
    Timeline timeline;
    timeline.start_ns = 1'000'000;
    timeline.events = events_;
    timeline.events.push_back({now_ns_, pid_, tid_, ThreadState::User, ""});
    return timeline;
}

RequestTimeline synthetic_request(const std::string &multiplexer, std::uint64_t wait_ns) {
    ThreadScript thread(100, 100);
    thread.user(1'000);
    thread.call(multiplexer, {{ThreadState::Kernel, 500}, {ThreadState::Blocked, wait_ns}});
    thread.data_ready(multiplexer, wait_ns / 4);
    thread.call(multiplexer, {{ThreadState::Runq, 700}, {ThreadState::Kernel, 300}});
    thread.user(400);
    thread.call("recvfrom",
                {{ThreadState::Kernel, 200}, {ThreadState::Copy, 600}, {ThreadState::Kernel, 100}});
    thread.user(800);
    return *pick_request(thread.timeline(), std::vector<pid_t>{100});
}

Report synthetic_report(const std::string &label, const std::string &multiplexer,
                        std::uint64_t fds_asked, std::uint64_t fds_ready) {
    Report report;
    report.duration_ns = 1'000'000'000;
    ProcessReport process;
    process.pid = 100;
    process.comm = "server";
    process.io_model.label = label;
    process.io_model.evidence = {"synthetic"};
    process.budget.wall_ns = 1'000'000'000;
    process.budget.user_ns = 100'000'000;
    process.budget.kernel_copy_ns = 50'000'000;
    process.budget.kernel_other_ns = 250'000'000;
    process.budget.blocked_ns = 550'000'000;
    process.budget.runq_ns = 50'000'000;
    process.budget.blocked_by = {{multiplexer, 500'000'000}, {"futex", 50'000'000}};
    ThreadReport thread;
    thread.tid = 100;
    thread.budget = process.budget;
    process.threads.push_back(thread);

    SyscallStats mux;
    mux.name = multiplexer;
    mux.kind = syscall_kind(mux.name, "");
    mux.multiplexer = true;
    mux.count = 1000;
    mux.fds_asked = fds_asked;
    mux.fds_ready = fds_ready;
    mux.kernel_ns = 2'000'000;
    mux.wait_ns = 500'000'000;
    SyscallStats recv;
    recv.name = "recvfrom";
    recv.fd_kind = "socket";
    recv.kind = syscall_kind(recv.name, recv.fd_kind);
    recv.count = 2000;
    recv.eagain = 400;
    recv.copy_ns = 50'000'000;
    SyscallStats accept;
    accept.name = "accept4";
    accept.kind = syscall_kind(accept.name, "socket");
    accept.count = 12;
    accept.errors = 2;
    process.syscalls = {mux, recv, accept};
    report.processes.push_back(process);
    return report;
}

namespace {

RunRecord synthetic_run(Scenario scenario, const std::string &variant, int idle,
                        const std::string &model, const std::string &label,
                        const std::string &multiplexer, std::uint64_t fds_asked,
                        std::uint64_t fds_ready, double msgs_per_s) {
    RunRecord record;
    Row &row = record.row;
    row.scenario = scenario;
    row.variant = variant;
    row.model = model;
    row.expected_label = model;
    row.load_settings.connections = 10;
    row.load_settings.idle = idle;
    row.load.messages = static_cast<std::uint64_t>(msgs_per_s);
    row.load.msgs_per_s = msgs_per_s;
    row.load.p50_ns = 80'000;
    row.load.p99_ns = 400'000;
    row.load.connections_established = static_cast<std::uint64_t>(10 + idle);
    row.peak_rss_kb = 3000;
    derive_server_numbers(row, synthetic_report(label, multiplexer, fds_asked, fds_ready), 100);
    record.load = {{"messages", row.load.messages}};
    record.trace = {{"schema_version", 1}};
    // Echo runs have a measured request; the sweep's fall back to the mean per message.
    if (scenario == Scenario::Echo) {
        record.request = synthetic_request(multiplexer, msgs_per_s > 25'000 ? 3'000 : 8'000);
    }
    return record;
}

}  // namespace

CompareResult synthetic_comparison() {
    CompareResult result;
    result.iophase_version = "test";
    result.kernel = "6.18-test";
    result.started_at = "2026-11-23T00:00:00Z";
    result.cpus = 2;
    result.command = "iophase compare --synthetic </script><script>";
    result.plan.models = {"poll", "epoll-lt", "select"};
    result.plan.scenarios = {Scenario::Echo, Scenario::IdleFanin};
    result.plan.idle_sweep = {0, 300};
    result.runs.push_back(
        synthetic_run(Scenario::Echo, "", 0, "poll", "poll", "poll", 12'000, 4'000, 20'000));
    result.runs.push_back(synthetic_run(Scenario::Echo, "", 0, "epoll-lt", "mixed", "epoll_wait",
                                        12'000, 4'000, 30'000));
    RunRecord failed;
    failed.row.scenario = Scenario::Echo;
    failed.row.model = "select";
    failed.row.expected_label = "select";
    failed.row.status = RunStatus::Failed;
    failed.row.error = "demo crashed <boom>";
    result.runs.push_back(failed);
    result.runs.push_back(synthetic_run(Scenario::IdleFanin, "idle=0", 0, "poll", "poll", "poll",
                                        12'000, 3'000, 20'000));
    result.runs.push_back(synthetic_run(Scenario::IdleFanin, "idle=0", 0, "epoll-lt", "epoll-lt",
                                        "epoll_wait", 10'000, 3'000, 30'000));
    result.runs.push_back(synthetic_run(Scenario::IdleFanin, "idle=300", 300, "poll", "poll",
                                        "poll", 312'000, 3'000, 9'000));
    result.runs.push_back(synthetic_run(Scenario::IdleFanin, "idle=300", 300, "epoll-lt",
                                        "epoll-lt", "epoll_wait", 310'000, 3'000, 29'000));
    result.planned_runs = result.runs.size();
    return result;
}

}  // namespace iophase::compare::testing
