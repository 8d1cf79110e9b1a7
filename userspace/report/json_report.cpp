#include "report/json_report.h"

#include <fmt/format.h>

#include <stdexcept>

#include "report/name_escape.h"

namespace iophase {

// Every fact is a required member of `facts` (from_json throws on a missing one).
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ProcessFacts, epoll_ctl_et, epoll_ctl_lt, epoll_registered_et,
                                   epoll_registered_lt, set_nonblock, set_async, set_own, set_sig,
                                   io_uring_setups, threads_created, processes_created, accepted,
                                   signals_received)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ThreadRole, role, tids, model, io_call_share, wall_share,
                                   evidence)

using nlohmann::json;

json budget_to_json(const Budget &b) {
    json j = json::object();
#define IOPHASE_PUT(field) j[#field] = b.field;
    IOPHASE_BUDGET_BUCKETS(IOPHASE_PUT)
#undef IOPHASE_PUT
    j["blocked_by"] = b.blocked_by;
    return j;
}

namespace {

Budget budget_from_json(const json &j) {
    Budget b;
#define IOPHASE_GET(field) j.at(#field).get_to(b.field);
    IOPHASE_BUDGET_BUCKETS(IOPHASE_GET)
#undef IOPHASE_GET
    j.at("blocked_by").get_to(b.blocked_by);
    return b;
}

void get_histogram(const json &j, const char *key, const std::string &owner,
                   std::array<std::uint64_t, kHistSlots> &hist);

json syscall_to_json(const SyscallStats &s) {
    json j = {{"name", s.name},
              {"nr", s.nr},
              {"role", syscall_role_name(s.kind.role)},
              {"fd_kind", s.fd_kind},
              {"hist_log2_ns", s.hist_log2_ns},
              {"copy_hist_log2_ns", s.copy_hist_log2_ns}};
#define IOPHASE_PUT(field) j[#field] = s.field;
    IOPHASE_SYSCALL_COUNTERS(IOPHASE_PUT)
    // The multiplexer fields exist only for multiplexers: their presence is the flag.
    if (s.multiplexer) {
        j["multiplexer"] = multiplexer_name(s.kind.multiplexer);
        IOPHASE_MULTIPLEXER_COUNTERS(IOPHASE_PUT)
    }
#undef IOPHASE_PUT
    return j;
}

SyscallStats syscall_from_json(const json &j) {
    SyscallStats s;
    j.at("name").get_to(s.name);
    j.at("nr").get_to(s.nr);
    s.kind.role = syscall_role_from_name(j.at("role").get<std::string>());
    j.at("fd_kind").get_to(s.fd_kind);
#define IOPHASE_GET(field) j.at(#field).get_to(s.field);
    IOPHASE_SYSCALL_COUNTERS(IOPHASE_GET)
    get_histogram(j, "hist_log2_ns", s.name, s.hist_log2_ns);
    get_histogram(j, "copy_hist_log2_ns", s.name, s.copy_hist_log2_ns);
    s.multiplexer = j.contains("fds_asked");
    if (s.multiplexer) {
        const std::string m = j.at("multiplexer").get<std::string>();
        s.kind.multiplexer = m == "select"  ? Multiplexer::select
                             : m == "poll"  ? Multiplexer::poll
                             : m == "epoll" ? Multiplexer::epoll
                                            : Multiplexer::none;
        IOPHASE_MULTIPLEXER_COUNTERS(IOPHASE_GET)
    }
#undef IOPHASE_GET
    return s;
}

json syscalls_to_json(const std::vector<SyscallStats> &syscalls) {
    json list = json::array();
    for (const SyscallStats &s : syscalls) {
        list.push_back(syscall_to_json(s));
    }
    return list;
}

std::vector<SyscallStats> syscalls_from_json(const json &list) {
    std::vector<SyscallStats> syscalls;
    for (const json &s : list) {
        syscalls.push_back(syscall_from_json(s));
    }
    return syscalls;
}

// A role with its thread count, which readers want without counting tids.
json role_to_json(const ThreadRole &r) {
    json j = r;
    j["threads"] = r.tids.size();
    return j;
}

json io_uring_op_to_json(const IoUringOpStats &op) {
    return {{"opcode", op.opcode},
            {"submitted", op.submitted},
            {"completions", op.completions},
            {"errors", op.errors},
            {"cancelled", op.cancelled},
            {"bytes", op.bytes},
            {"lifetime_ns", op.lifetime_ns},
            {"ready_waits", op.ready_waits},
            {"ready_wait_ns", op.ready_wait_ns},
            {"async_punts", op.async_punts},
            {"copy_ns", op.copy_ns},
            {"completed_inline", op.completed_inline},
            {"completed_task_work", op.completed_task_work},
            {"completed_iowq", op.completed_iowq},
            {"completed_elsewhere", op.completed_elsewhere},
            {"hist_log2_ns", op.hist_log2_ns}};
}

void get_histogram(const json &j, const char *key, const std::string &owner,
                   std::array<std::uint64_t, kHistSlots> &hist) {
    const json &slots = j.at(key);
    if (!slots.is_array() || slots.size() != kHistSlots) {
        throw std::runtime_error(
            fmt::format("{} of {} must have {} slots", key, owner, kHistSlots));
    }
    slots.get_to(hist);
}

IoUringOpStats io_uring_op_from_json(const json &j) {
    IoUringOpStats op;
    j.at("opcode").get_to(op.opcode);
    j.at("submitted").get_to(op.submitted);
    j.at("completions").get_to(op.completions);
    j.at("errors").get_to(op.errors);
    j.at("cancelled").get_to(op.cancelled);
    j.at("bytes").get_to(op.bytes);
    j.at("lifetime_ns").get_to(op.lifetime_ns);
    j.at("ready_waits").get_to(op.ready_waits);
    j.at("ready_wait_ns").get_to(op.ready_wait_ns);
    j.at("async_punts").get_to(op.async_punts);
    j.at("copy_ns").get_to(op.copy_ns);
    j.at("completed_inline").get_to(op.completed_inline);
    j.at("completed_task_work").get_to(op.completed_task_work);
    j.at("completed_iowq").get_to(op.completed_iowq);
    j.at("completed_elsewhere").get_to(op.completed_elsewhere);
    get_histogram(j, "hist_log2_ns", "io_uring " + op.opcode, op.hist_log2_ns);
    return op;
}

json signals_to_json(const SignalStats &s) {
    return {{"generated", s.generated},
            {"coalesced", s.coalesced},
            {"overflow", s.overflow},
            {"taken", s.taken},
            {"delay_samples", s.delay_samples},
            {"delay_ns", s.delay_ns},
            {"to_read_samples", s.to_read_samples},
            {"to_read_ns", s.to_read_ns}};
}

SignalStats signals_from_json(const json &j) {
    SignalStats s;
    j.at("generated").get_to(s.generated);
    j.at("coalesced").get_to(s.coalesced);
    j.at("overflow").get_to(s.overflow);
    j.at("taken").get_to(s.taken);
    j.at("delay_samples").get_to(s.delay_samples);
    j.at("delay_ns").get_to(s.delay_ns);
    j.at("to_read_samples").get_to(s.to_read_samples);
    j.at("to_read_ns").get_to(s.to_read_ns);
    return s;
}

json io_model_to_json(const IoModel &m) {
    json metrics = json::object();
    for (const auto &[name, value] : m.metrics) {
        metrics[name] = value;
    }
    return {{"label", m.label}, {"evidence", m.evidence}, {"metrics", std::move(metrics)}};
}

IoModel io_model_from_json(const json &j) {
    IoModel m;
    j.at("label").get_to(m.label);
    j.at("evidence").get_to(m.evidence);
    for (const auto &[name, value] : j.at("metrics").items()) {
        m.metrics[name] = value.get<double>();
    }
    return m;
}

json thread_to_json(const ThreadReport &t) {
    return {{"tid", t.tid},
            {"comm", utf8_escaped(t.comm)},
            {"exited", t.exited},
            {"folded_threads", t.folded_threads},
            {"budget", budget_to_json(t.budget)},
            {"syscalls", syscalls_to_json(t.syscalls)},
            {"other_calls", t.other_calls}};
}

ThreadReport thread_from_json(const json &j) {
    ThreadReport t;
    j.at("tid").get_to(t.tid);
    j.at("comm").get_to(t.comm);
    j.at("exited").get_to(t.exited);
    j.at("folded_threads").get_to(t.folded_threads);
    t.budget = budget_from_json(j.at("budget"));
    t.syscalls = syscalls_from_json(j.at("syscalls"));
    j.at("other_calls").get_to(t.other_calls);
    return t;
}

json process_to_json(const ProcessReport &p) {
    json threads = json::array();
    for (const ThreadReport &t : p.threads) {
        threads.push_back(thread_to_json(t));
    }
    json io_uring = json::array();
    for (const IoUringOpStats &op : p.io_uring) {
        io_uring.push_back(io_uring_op_to_json(op));
    }
    json roles = json::array();
    for (const ThreadRole &r : p.roles) {
        roles.push_back(role_to_json(r));
    }
    return {{"pid", p.pid},
            {"parent_pid", p.parent_pid},
            {"comm", utf8_escaped(p.comm)},
            {"cmdline", utf8_escaped(p.cmdline)},
            {"exited", p.exited},
            {"io_model", io_model_to_json(p.io_model)},
            {"budget", budget_to_json(p.budget)},
            {"ppid", p.ppid},
            {"structure", p.structure},
            {"roles", roles},
            {"facts", p.facts},
            {"threads", std::move(threads)},
            {"syscalls", syscalls_to_json(p.syscalls)},
            {"io_uring", std::move(io_uring)},
            {"signals", signals_to_json(p.signals)}};
}

ProcessReport process_from_json(const json &j) {
    ProcessReport p;
    j.at("pid").get_to(p.pid);
    j.at("parent_pid").get_to(p.parent_pid);
    j.at("comm").get_to(p.comm);
    j.at("cmdline").get_to(p.cmdline);
    j.at("exited").get_to(p.exited);
    p.io_model = io_model_from_json(j.at("io_model"));
    p.budget = budget_from_json(j.at("budget"));
    j.at("ppid").get_to(p.ppid);
    j.at("structure").get_to(p.structure);
    for (const json &r : j.at("roles")) {
        p.roles.push_back(r.get<ThreadRole>());
    }
    j.at("facts").get_to(p.facts);
    for (const json &t : j.at("threads")) {
        p.threads.push_back(thread_from_json(t));
    }
    p.syscalls = syscalls_from_json(j.at("syscalls"));
    for (const json &op : j.at("io_uring")) {
        p.io_uring.push_back(io_uring_op_from_json(op));
    }
    p.signals = signals_from_json(j.at("signals"));
    return p;
}

// null for a trace without `-- CMD`; exit_code and signal are null unless they happened.
json command_to_json(const std::optional<CommandExit> &command) {
    if (!command) {
        return nullptr;
    }
    auto optional = [](const std::optional<int> &value) {
        return value ? json(*value) : json(nullptr);
    };
    return {{"pid", command->pid},
            {"exit_code", optional(command->exit_code)},
            {"signal", optional(command->signal)},
            {"stopped_by_iophase", command->stopped_by_iophase}};
}

std::optional<CommandExit> command_from_json(const json &j) {
    if (j.is_null()) {
        return std::nullopt;
    }
    auto optional = [](const json &value) {
        return value.is_null() ? std::nullopt : std::optional<int>(value.get<int>());
    };
    CommandExit command;
    j.at("pid").get_to(command.pid);
    command.exit_code = optional(j.at("exit_code"));
    command.signal = optional(j.at("signal"));
    j.at("stopped_by_iophase").get_to(command.stopped_by_iophase);
    return command;
}

}  // namespace

json report_to_json(const Report &report) {
    json processes = json::array();
    for (const ProcessReport &p : report.processes) {
        processes.push_back(process_to_json(p));
    }
    return {{"schema_version", report.schema_version},
            {"iophase_version", report.iophase_version},
            {"kernel", report.kernel},
            {"started_at", report.started_at},
            {"duration_ns", report.duration_ns},
            {"processes", std::move(processes)},
            {"health",
             {{"unavailable", report.health.unavailable},
              {"map_full_drops", report.health.map_full_drops},
              {"ringbuf_drops", report.health.ringbuf_drops},
              {"thread_rows_lost", report.health.thread_rows_lost},
              {"thread_rows_folded", report.health.thread_rows_folded},
              {"events_missed", report.health.events_missed},
              {"timeline_userspace_drops", report.health.timeline_userspace_drops}}},
            {"command", command_to_json(report.command)}};
}

Report report_from_json(const json &j) {
    Report report;
    j.at("schema_version").get_to(report.schema_version);
    if (report.schema_version != kSchemaVersion) {
        throw std::runtime_error(
            fmt::format("report schema_version {} is not the {} this build reads",
                        report.schema_version, kSchemaVersion));
    }
    j.at("iophase_version").get_to(report.iophase_version);
    j.at("kernel").get_to(report.kernel);
    j.at("started_at").get_to(report.started_at);
    j.at("duration_ns").get_to(report.duration_ns);
    for (const json &p : j.at("processes")) {
        report.processes.push_back(process_from_json(p));
    }
    const json &health = j.at("health");
    health.at("unavailable").get_to(report.health.unavailable);
    health.at("map_full_drops").get_to(report.health.map_full_drops);
    health.at("ringbuf_drops").get_to(report.health.ringbuf_drops);
    health.at("thread_rows_lost").get_to(report.health.thread_rows_lost);
    health.at("thread_rows_folded").get_to(report.health.thread_rows_folded);
    health.at("events_missed").get_to(report.health.events_missed);
    health.at("timeline_userspace_drops").get_to(report.health.timeline_userspace_drops);
    report.command = command_from_json(j.at("command"));
    return report;
}

}  // namespace iophase
