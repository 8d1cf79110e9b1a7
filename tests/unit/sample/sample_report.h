// Builders for synthetic reports (no kernel needed) and one rich sample report, shared by the
// unit tests and the write_sample_report tool that feeds the schema check.
#pragma once

#include <bit>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "model/report.h"
#include "tracer/syscall_table.h"

namespace iophase::sample {

// Log2 slot of a latency in ns (0 and 1 ns land in slot 0), the BPF side's rule
// (bpf/maps.bpf.h hist_index), for filling histograms of synthetic reports.
inline std::size_t hist_slot(std::uint64_t ns) {
    if (ns < 2) {
        return 0;
    }
    const auto slot = static_cast<std::size_t>(std::bit_width(ns) - 1);  // floor(log2(ns))
    return slot < kHistSlots ? slot : kHistSlots - 1;
}

// A syscall line: `count` calls that slept `wait_ns` and spent `kernel_ns` on CPU in total.
inline SyscallStats call(std::string name, std::string fd_kind, std::uint64_t count,
                         std::uint64_t wait_ns, std::uint64_t kernel_ns = 0) {
    SyscallStats s;
    s.kind = syscall_kind(name, fd_kind);
    s.name = std::move(name);
    s.fd_kind = std::move(fd_kind);
    s.count = count;
    s.wait_ns = wait_ns;
    s.kernel_ns = kernel_ns;
    s.total_ns = wait_ns + kernel_ns;
    if (count > 0) {
        s.hist_log2_ns[hist_slot(s.total_ns / count)] = count;
    }
    return s;
}

inline SyscallStats with_eagain(SyscallStats s, std::uint64_t eagain) {
    s.eagain = eagain;
    s.errors += eagain;
    return s;
}

inline SyscallStats in_flight(SyscallStats s, std::uint64_t calls) {
    s.in_flight = calls;
    return s;
}

inline SyscallStats with_bytes(SyscallStats s, std::uint64_t bytes, std::uint64_t copy_ns) {
    s.bytes = bytes;
    s.copy_ns = copy_ns;
    s.total_ns += copy_ns;
    return s;
}

// A multiplexer line: fds asked and ready are totals over the calls.
inline SyscallStats mux(std::string name, std::uint64_t count, std::uint64_t wait_ns,
                        std::uint64_t fds_asked, std::uint64_t fds_ready,
                        std::uint64_t timeouts = 0) {
    SyscallStats s = call(std::move(name), "", count, wait_ns, count * 1500);
    s.multiplexer = true;
    s.fds_asked = fds_asked;
    s.fds_ready = fds_ready;
    s.timeouts = timeouts;
    return s;
}

// A thread whose blocked time is exactly the wait of its calls (by call name) plus
// `blocked_none`, and whose wall interval closes the budget with user time.
inline ThreadReport thread(pid_t tid, std::string comm, std::vector<SyscallStats> syscalls,
                           std::uint64_t wall_ns = 10'000'000'000ULL,
                           std::uint64_t blocked_none = 0) {
    ThreadReport t;
    t.tid = tid;
    t.comm = std::move(comm);
    t.syscalls = std::move(syscalls);
    Budget &b = t.budget;
    for (const SyscallStats &s : t.syscalls) {
        if (s.wait_ns > 0) {
            b.blocked_by[s.name] += s.wait_ns;
        }
        b.kernel_copy_ns += s.copy_ns;
        b.kernel_other_ns += s.kernel_ns;
        b.runq_ns += s.runq_ns;
    }
    if (blocked_none > 0) {
        b.blocked_by["none"] += blocked_none;
    }
    for (const auto &[reason, ns] : b.blocked_by) {
        b.blocked_ns += ns;
    }
    b.wall_ns = wall_ns;
    const std::uint64_t rest = b.kernel_copy_ns + b.kernel_other_ns + b.blocked_ns + b.runq_ns;
    b.user_ns = wall_ns > rest ? wall_ns - rest : 0;
    b.wall_ns = b.accounted_ns();  // stays consistent if the calls overfill the interval
    return t;
}

// A process made of its threads: budgets summed, syscalls merged by name and fd kind.
inline ProcessReport process(pid_t pid, std::string comm, std::vector<ThreadReport> threads,
                             ProcessFacts facts = {}) {
    ProcessReport p;
    p.pid = pid;
    p.comm = comm;
    p.cmdline = "./" + comm + " --port 9000";
    p.facts = facts;
    std::map<std::pair<std::string, std::string>, SyscallStats> merged;
    for (const ThreadReport &t : threads) {
        p.budget += t.budget;
        for (const SyscallStats &s : t.syscalls) {
            merged[{s.name, s.fd_kind}] += s;
        }
    }
    for (auto &[key, s] : merged) {
        p.syscalls.push_back(std::move(s));
    }
    p.threads = std::move(threads);
    return p;
}

constexpr std::uint64_t kSecond = 1'000'000'000ULL;

// A report with every kind of field filled: an epoll-et server with a helper thread, a
// thread-per-connection server, a forking server with one exited child, an io_uring server
// and a signal-driven server.
inline Report make_sample_report() {
    Report r;
    r.iophase_version = "0.1.0";
    r.kernel = "6.18.0-test";
    r.started_at = "2026-11-23T01:34:15Z";
    r.duration_ns = 10 * kSecond;

    ProcessFacts et;
    et.epoll_ctl_et = 51;
    et.set_nonblock = 52;
    et.threads_created = 1;
    r.processes.push_back(process(
        100, "demo-epoll-et",
        {thread(100, "demo-epoll-et",
                {mux("epoll_wait", 4812, 9'200'000'000ULL, 4812 * 51, 4812 * 3),
                 with_bytes(with_eagain(call("recvfrom", "socket", 19'248, 0, 40'000'000), 4812),
                            14'436 * 64, 12'000'000),
                 with_bytes(call("sendto", "socket", 14'436, 0, 90'000'000), 14'436 * 64, 0),
                 call("epoll_ctl", "", 51, 0, 200'000), call("accept4", "", 51, 0, 900'000)}),
         thread(101, "stats", {in_flight(call("futex", "", 9, 9'500'000'000ULL, 30'000), 1)})},
        et));

    ProcessFacts tpc;
    tpc.threads_created = 3;
    std::vector<ThreadReport> tpc_threads = {thread(
        200, "demo-threads",
        {call("accept", "", 3, 9'000'000'000ULL, 100'000), call("clone3", "", 3, 0, 90'000)})};
    for (pid_t tid = 201; tid <= 203; ++tid) {
        ThreadReport t = thread(
            tid, "conn",
            {with_bytes(call("read", "socket", 1000, 8'000'000'000ULL, 3'000'000), 64'000, 900'000),
             with_bytes(call("write", "socket", 999, 0, 4'000'000), 63'936, 0)},
            9 * kSecond);
        t.exited = tid == 203;
        tpc_threads.push_back(std::move(t));
    }
    r.processes.push_back(process(200, "demo-threads", std::move(tpc_threads), tpc));

    ProcessFacts fork;
    fork.processes_created = 1;
    r.processes.push_back(process(
        300, "demo-fork", {thread(300, "demo-fork", {call("accept", "", 1, 9 * kSecond)})}, fork));
    ProcessReport child = process(
        301, "demo-fork",
        {thread(301, "demo-fork",
                {with_bytes(call("recvfrom", "socket", 300, 7 * kSecond, 600'000), 19'200, 150'000),
                 with_bytes(call("sendto", "socket", 299, 0, 900'000), 19'136, 0)},
                8 * kSecond)});
    child.parent_pid = 300;
    child.exited = true;
    child.threads.front().exited = true;
    r.processes.push_back(std::move(child));

    ProcessFacts uring_facts;
    uring_facts.io_uring_setups = 1;
    ProcessReport uring = process(
        400, "demo-io_uring",
        {thread(400, "demo-io_uring", {call("io_uring_enter", "", 3000, 9 * kSecond, 6'000'000)})},
        uring_facts);
    for (const char *opcode : {"accept", "recv", "send"}) {
        IoUringOpStats op;
        op.opcode = opcode;
        op.submitted = opcode == std::string("accept") ? 1 : 3000;
        op.completions = opcode == std::string("accept") ? 20 : 3000;  // multishot accept
        op.bytes = opcode == std::string("accept") ? 0 : 3000 * 64;
        op.lifetime_ns = op.completions * 2'000'000;
        op.ready_waits = opcode == std::string("send") ? 0 : op.completions;
        op.ready_wait_ns = op.ready_waits * 1'900'000;
        op.completed_task_work = op.completions - 10;
        op.completed_inline = 10;
        op.hist_log2_ns[hist_slot(2'000'000)] = op.completions;
        uring.io_uring.push_back(op);
    }
    r.processes.push_back(std::move(uring));

    ProcessFacts sig_facts;
    sig_facts.set_async = 8;
    sig_facts.set_own = 8;
    sig_facts.set_sig = 8;
    sig_facts.signals_received = 700;
    ProcessReport sig =
        process(500, "demo-signal",
                {thread(500, "demo-signal",
                        {call("rt_sigtimedwait", "", 700, 9 * kSecond, 1'000'000),
                         with_eagain(call("read", "socket", 1400, 0, 3'000'000), 700),
                         call("write", "socket", 700, 0, 2'000'000)})},
                sig_facts);
    sig.signals.generated = 750;
    sig.signals.coalesced = 50;
    sig.signals.taken = 700;
    sig.signals.delay_samples = 650;
    sig.signals.delay_ns = 650 * 12'000;
    sig.signals.to_read_samples = 700;
    sig.signals.to_read_ns = 700 * 3'000;
    r.processes.push_back(std::move(sig));

    r.health.unavailable = {"io_uring operation lifetimes: tracepoint io_uring_poll_arm missing"};
    r.health.map_full_drops = 2;
    r.health.ringbuf_drops = 0;
    r.health.timeline_userspace_drops = 3;
    // A name cut by the kernel in the middle of a UTF-8 character ("серверный", 15 bytes).
    r.processes.front().threads.front().comm =
        "\xd1\x81\xd0\xb5\xd1\x80\xd0\xb2\xd0\xb5\xd1\x80\xd0\xbd\xd1";
    r.command = CommandExit{4242, 3, std::nullopt, false};
    return r;
}

}  // namespace iophase::sample
