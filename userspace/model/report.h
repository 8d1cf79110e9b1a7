// The measured result of one trace, as plain data. The tracer fills it, the classifier labels
// it, and the renderers (text table, JSON) only read it. Times are integer nanoseconds.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/syscall_kind.h"

namespace iophase {

inline constexpr int kSchemaVersion = 4;
inline constexpr std::size_t kHistSlots = 40;  // log2 buckets: slot i holds [2^i, 2^(i+1)) ns

// Where a thread's (or process's) wall-clock time went. The invariant:
//   wall_ns == user_ns + kernel_copy_ns + kernel_other_ns + irq_net_rx_ns + irq_other_ns
//              + stolen_ns + blocked_ns + runq_ns
// and blocked_ns == sum(blocked_by).
struct Budget {
    std::uint64_t wall_ns = 0;
    std::uint64_t user_ns = 0;
    std::uint64_t kernel_copy_ns = 0;
    std::uint64_t kernel_other_ns = 0;
    std::uint64_t irq_net_rx_ns = 0;  // NET_RX softirq work run on top of the thread
    std::uint64_t irq_other_ns = 0;   // other softirqs and device interrupts on top of it
    std::uint64_t stolen_ns = 0;      // on a CPU, but the hypervisor ran something else (steal)
    std::uint64_t blocked_ns = 0;
    std::uint64_t runq_ns = 0;
    std::map<std::string, std::uint64_t> blocked_by;  // syscall name (or "none") -> ns

    std::uint64_t irq_ns() const { return irq_net_rx_ns + irq_other_ns; }
    std::uint64_t on_cpu_ns() const {
        return user_ns + kernel_copy_ns + kernel_other_ns + irq_ns();
    }
    std::uint64_t accounted_ns() const { return on_cpu_ns() + stolen_ns + blocked_ns + runq_ns; }
    Budget &operator+=(const Budget &other);
};

// The buckets of Budget, listed once: merging, the JSON report and the tests follow it.
// clang-format off
#define IOPHASE_BUDGET_BUCKETS(X) \
    X(wall_ns) X(user_ns) X(kernel_copy_ns) X(kernel_other_ns) X(irq_net_rx_ns) X(irq_other_ns) \
    X(stolen_ns) X(blocked_ns) X(runq_ns)
// clang-format on

// Per syscall (and, for read/write-like calls, per kind of fd) statistics.
struct SyscallStats {
    std::string name;         // the kernel's name for the call: "recvfrom", "openat", ...
    int nr = -1;              // its number on the traced machine (-1: not known)
    SyscallKind kind;         // what the call is for (model/syscall_kind.h)
    std::string fd_kind;      // "socket", "pipe", "file", "other" for fd-based I/O; "" otherwise
    std::uint64_t count = 0;  // calls that returned during the trace
    std::uint64_t in_flight = 0;   // calls still inside when the trace ended (time included)
    std::uint64_t unfinished = 0;  // calls their thread exited inside (time included)
    std::uint64_t errors = 0;      // returned < 0
    std::uint64_t eagain = 0;      // returned -EAGAIN / -EWOULDBLOCK
    std::uint64_t total_ns = 0;    // wait + runq + copy + irq + stolen + kernel
    std::uint64_t wait_ns = 0;     // asleep inside the call (phase 1)
    std::uint64_t runq_ns = 0;     // runnable, not running, inside the call
    std::uint64_t copy_ns = 0;     // inside the copy brackets (phase 2; docs/report.md)
    std::uint64_t irq_ns = 0;      // interrupt work run on top of the call
    std::uint64_t stolen_ns = 0;   // stolen by the hypervisor while the call was on a CPU
    std::uint64_t kernel_ns = 0;   // the rest of the on-CPU time inside the call
    std::uint64_t bytes = 0;       // sum of positive return values of data-moving calls
    std::array<std::uint64_t, kHistSlots> hist_log2_ns{};  // per-call latency
    // The calls that copied, by the time in their copy brackets: a mean copy time can be one
    // stall of milliseconds spread over every call, its median cannot.
    std::array<std::uint64_t, kHistSlots> copy_hist_log2_ns{};
    bool multiplexer = false;     // select/poll/epoll_wait family: the three below are valid
    std::uint64_t fds_asked = 0;  // sum over calls: select/poll nfds, epoll registered fds
    std::uint64_t fds_ready = 0;  // sum over calls: fds returned ready
    std::uint64_t timeouts = 0;   // calls that returned 0
    // Calls whose wait ended because data (or a completion) became ready, and their phases.
    std::uint64_t ready_samples = 0;
    std::uint64_t ready_from_socket = 0;  // of those, ready at sk_data_ready (else the wakeup)
    std::uint64_t wait_for_data_ns = 0;   // sum: call start -> data ready (phase 1 proper)
    std::uint64_t wakeup_ns = 0;          // sum: data ready -> back on a CPU
    std::uint64_t ready_to_exit_ns = 0;   // sum: data ready -> the call returned

    SyscallStats &operator+=(const SyscallStats &other);
};

// The summed counters of SyscallStats, listed once: merging and the JSON report follow it.
// clang-format off
#define IOPHASE_SYSCALL_COUNTERS(X) \
    X(count) X(in_flight) X(unfinished) X(errors) X(eagain) X(total_ns) X(wait_ns) X(runq_ns) \
    X(copy_ns) X(irq_ns) X(stolen_ns) X(kernel_ns) X(bytes) X(ready_samples) \
    X(ready_from_socket) X(wait_for_data_ns) X(wakeup_ns) X(ready_to_exit_ns)
// The multiplexer-only counters (present in the JSON exactly for multiplexers).
#define IOPHASE_MULTIPLEXER_COUNTERS(X) X(fds_asked) X(fds_ready) X(timeouts)
// clang-format on

// Facts about a process's setup calls that the I/O model classifier needs.
struct ProcessFacts {
    std::uint64_t epoll_ctl_et = 0;  // EPOLL_CTL_ADD/MOD with EPOLLET
    std::uint64_t epoll_ctl_lt = 0;  // EPOLL_CTL_ADD/MOD without EPOLLET
    // fds already registered with an epoll instance at attach, with EPOLLET or without: the
    // kernel's own record (/proc/PID/fdinfo of the instance), not an inference.
    std::uint64_t epoll_registered_et = 0;
    std::uint64_t epoll_registered_lt = 0;
    std::uint64_t set_nonblock = 0;       // fcntl(F_SETFL, O_NONBLOCK), accept4/socket NONBLOCK
    std::uint64_t set_async = 0;          // fcntl(F_SETFL, O_ASYNC)
    std::uint64_t set_own = 0;            // fcntl(F_SETOWN / F_SETOWN_EX)
    std::uint64_t set_sig = 0;            // fcntl(F_SETSIG)
    std::uint64_t io_uring_setups = 0;    // io_uring_setup calls
    std::uint64_t threads_created = 0;    // clone with CLONE_THREAD seen after attach
    std::uint64_t processes_created = 0;  // fork/clone of a new process seen after attach
    std::uint64_t accepted = 0;           // accept/accept4 calls that returned a connection
    std::uint64_t signals_received = 0;   // I/O readiness signals taken (= signals.taken)
};

// io_uring operations of one opcode: from submission to completion.
struct IoUringOpStats {
    std::string opcode;               // "recv", "send", "accept", ... (IORING_OP_ lower-cased)
    std::uint64_t submitted = 0;      // submissions seen
    std::uint64_t completions = 0;    // CQEs posted (a multishot request posts several)
    std::uint64_t errors = 0;         // res < 0
    std::uint64_t cancelled = 0;      // res == -ECANCELED
    std::uint64_t bytes = 0;          // res > 0 of data-moving opcodes
    std::uint64_t lifetime_ns = 0;    // sum: submission (or previous multishot CQE) -> CQE
    std::uint64_t ready_waits = 0;    // completions that first waited for readiness (poll armed)
    std::uint64_t ready_wait_ns = 0;  // sum: poll armed -> readiness (phase 1, in the kernel)
    std::uint64_t async_punts = 0;    // handed to io-wq worker threads
    std::uint64_t copy_ns = 0;        // copy brackets run for these operations (phase 2)
    // Where the CQE was posted: by the submitting thread inside io_uring_enter, as task work
    // outside it, by an io-wq worker, or elsewhere (interrupt context).
    std::uint64_t completed_inline = 0;
    std::uint64_t completed_task_work = 0;
    std::uint64_t completed_iowq = 0;
    std::uint64_t completed_elsewhere = 0;
    std::array<std::uint64_t, kHistSlots> hist_log2_ns{};  // lifetimes
};

// Signal-driven I/O: readiness signals for this process and how fast they were acted on.
struct SignalStats {
    std::uint64_t generated = 0;        // queued for the process
    std::uint64_t coalesced = 0;        // generated while already pending (merged, e.g. SIGIO)
    std::uint64_t overflow = 0;         // lost: the realtime signal queue was full
    std::uint64_t taken = 0;            // dequeued by sigwaitinfo/sigtimedwait or a handler
    std::uint64_t delay_samples = 0;    // generation -> taken, for signals that found the
    std::uint64_t delay_ns = 0;         // queue empty (sum)
    std::uint64_t to_read_samples = 0;  // taken -> the thread's next read/recv (sum)
    std::uint64_t to_read_ns = 0;
};

struct IoModel {
    std::string label;  // blocking, thread-per-connection, process-per-connection,
                        // thread-pool, process-pool, nonblocking-poll, select, poll,
                        // epoll-lt, epoll-et, signal-driven, io_uring, mixed, idle
    std::vector<std::string> evidence;      // human sentences with the deciding numbers
    std::map<std::string, double> metrics;  // the same numbers, machine-readable
};

// One thread, or (folded) several exited ones.
struct ThreadReport {
    pid_t tid = 0;
    std::string comm;
    bool exited = false;
    std::uint64_t folded_threads = 0;  // > 0: a row standing for that many exited threads
    Budget budget;
    // The calls with a role (docs/report.md), with count, wait, EAGAIN and fds ready only;
    // the process's syscalls[] has every call in full.
    std::vector<SyscallStats> syscalls;
    std::uint64_t other_calls = 0;  // calls without a role, not in syscalls[]
};

// Threads of one process that do the same kind of work (docs/report.md, "Roles").
struct ThreadRole {
    std::string role;          // acceptor, reactor, connection-worker, pool-worker,
                               // housekeeping, idle
    std::vector<pid_t> tids;   // its threads (0: the row of folded exited threads)
    std::string model;         // how these threads wait for their I/O; "" if they do none
    double io_call_share = 0;  // of the process's completed I/O calls
    double wall_share = 0;     // of the wall time of the process's threads
    std::vector<std::string> evidence;
};

struct ProcessReport {
    pid_t pid = 0;
    pid_t parent_pid = 0;  // traced parent that forked it after attach, or 0
    pid_t ppid = 0;        // its parent process (/proc/PID/stat), traced or not; 0 if unknown
    std::string comm;
    std::string cmdline;
    bool exited = false;
    IoModel io_model;
    // How the server is built: single, reactors, thread-pool, thread-per-connection,
    // process-pool, process-per-connection ("" for a process that serves no connection).
    std::string structure;
    std::vector<ThreadRole> roles;  // every thread row in exactly one
    Budget budget;
    ProcessFacts facts;
    std::vector<ThreadReport> threads;
    std::vector<SyscallStats> syscalls;    // all threads summed
    std::vector<IoUringOpStats> io_uring;  // by opcode; empty if the process used none
    SignalStats signals;
};

// Health of the measurement itself: what could not be measured and what was lost.
struct TraceHealth {
    std::vector<std::string> unavailable;  // measurements this kernel cannot provide, and why
    std::uint64_t map_full_drops = 0;      // failed map inserts (entries not recorded)
    std::uint64_t ringbuf_drops = 0;       // timeline events lost
    std::uint64_t thread_rows_lost = 0;    // exited threads whose row was lost (time kept)
    std::uint64_t thread_rows_folded = 0;  // exited threads folded into "exited threads" rows
    std::uint64_t events_missed = 0;       // program runs the kernel skipped (recursion)
    // Timeline events that reached iophase but not the --timeline file (too late to put in
    // order, or after the file failed); filled by the timeline's writer, not by the tracer.
    std::uint64_t timeline_userspace_drops = 0;
};

// --- How the command of `iophase trace -- CMD` ended (schema 2) ---
struct CommandExit {
    pid_t pid = 0;
    std::optional<int> exit_code;     // its exit status, if it exited
    std::optional<int> signal;        // the signal that ended it, if one did
    bool stopped_by_iophase = false;  // still running when the trace ended: iophase ended it
};

struct Report {
    int schema_version = kSchemaVersion;
    std::string iophase_version;
    std::string kernel;      // uname -r
    std::string started_at;  // ISO 8601 UTC, e.g. 2026-11-23T01:34:15Z
    std::uint64_t duration_ns = 0;
    std::vector<ProcessReport> processes;
    TraceHealth health;
    std::optional<CommandExit> command;  // only for `iophase trace -- CMD`
};

}  // namespace iophase
