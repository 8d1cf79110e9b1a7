// Sorts a process's (or thread's) syscall statistics into the families the classifier
// reasons about: each multiplexer family, the input calls (recv-like, accept) and the output
// calls, with their call counts, wait time and EAGAIN counts.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "model/report.h"

namespace iophase {

// The ways a thread can wait for readiness of many fds (or for a completion) in one call.
enum class WaitFamily { select, poll, epoll, io_uring, signal };
inline constexpr std::size_t kWaitFamilies = 5;
inline constexpr std::array<WaitFamily, kWaitFamilies> kAllWaitFamilies = {
    WaitFamily::select, WaitFamily::poll, WaitFamily::epoll, WaitFamily::io_uring,
    WaitFamily::signal};

// "select", "poll", "epoll", "io_uring", "signal".
const char *family_name(WaitFamily family);

struct FamilyUse {
    std::uint64_t calls = 0;      // completed calls
    std::uint64_t in_flight = 0;  // calls still inside at the end of the trace
    std::uint64_t wait_ns = 0;    // asleep inside these calls
    std::uint64_t fds_asked = 0;
    std::uint64_t fds_ready = 0;
    std::uint64_t timeouts = 0;
    bool multiplexer = false;  // the tracer filled fds_asked/fds_ready/timeouts
    std::string main_call;     // the member with the most calls, e.g. "epoll_pwait"

    // Every call timed out with nothing ready: a poll(NULL, 0, ms) used as a sleep, which
    // multiplexes nothing.
    bool sleep_only() const {
        return multiplexer && calls > 0 && fds_ready == 0 && timeouts >= calls;
    }
};

// One group of plain input or output calls (recv-like, accept, send-like).
struct CallGroup {
    std::uint64_t calls = 0;
    std::uint64_t in_flight = 0;
    std::uint64_t wait_ns = 0;
    std::uint64_t eagain = 0;

    std::uint64_t seen() const { return calls + in_flight; }
};

struct IoTally {
    std::array<FamilyUse, kWaitFamilies> families{};
    CallGroup recv;    // read/readv on sockets, recvfrom, recvmsg, recvmmsg
    CallGroup accept;  // accept, accept4
    CallGroup send;    // write/writev on sockets, sendto, sendmsg, sendmmsg, sendfile
    std::uint64_t total_wait_ns = 0;  // wait_ns over every syscall, I/O or not

    const FamilyUse &family(WaitFamily f) const { return families[static_cast<std::size_t>(f)]; }
    // Completed calls that did I/O or found something ready: the measure of "activity".
    std::uint64_t io_calls() const;
};

// `signal_fd_reads`: count reads on fds of kind "other" as signal waits (signalfd), which is
// only done for processes that set up signal-driven I/O.
IoTally tally_io(const std::vector<SyscallStats> &syscalls, bool signal_fd_reads);

// fcntl set up O_ASYNC or F_SETSIG during the trace.
bool sets_up_signal_io(const ProcessFacts &facts);
// Whether a process's reads of "other" fds are signal waits: it set up signal-driven I/O, or
// receives readiness signals steadily (its setup may predate the attach).
bool reads_signals_from_fds(const ProcessFacts &facts);
// "epoll-et" if more fds are known to be registered with EPOLLET than without (the epoll_ctl
// calls seen plus the registrations fdinfo listed at attach), else "epoll-lt".
const char *epoll_label(const ProcessFacts &facts);

}  // namespace iophase
