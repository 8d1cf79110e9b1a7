#include "model/io_tally.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string_view>

namespace iophase {
namespace {

bool is_one_of(std::string_view name, std::initializer_list<std::string_view> names) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

std::optional<WaitFamily> family_of(const SyscallStats &s, bool signal_fd_reads) {
    if (is_one_of(s.name, {"select", "pselect6"})) {
        return WaitFamily::select;
    }
    if (is_one_of(s.name, {"poll", "ppoll"})) {
        return WaitFamily::poll;
    }
    if (is_one_of(s.name, {"epoll_wait", "epoll_pwait", "epoll_pwait2"})) {
        return WaitFamily::epoll;
    }
    if (s.name == "io_uring_enter") {
        return WaitFamily::io_uring;
    }
    if (is_one_of(s.name, {"rt_sigtimedwait", "rt_sigsuspend", "sigsuspend", "pause"})) {
        return WaitFamily::signal;
    }
    if (signal_fd_reads && s.name == "read" && s.fd_kind == "other") {
        return WaitFamily::signal;
    }
    return std::nullopt;
}

bool is_socket_rw(const SyscallStats &s, std::initializer_list<std::string_view> names) {
    return is_one_of(s.name, names) && s.fd_kind == "socket";
}

void add_to(CallGroup &group, const SyscallStats &s) {
    group.calls += s.count;
    group.in_flight += s.in_flight;
    group.wait_ns += s.wait_ns;
    group.eagain += s.eagain;
}

// Blocked time by reason, for calls whose name alone says what they are (not read/readv,
// which may be a file): used when a syscall's wait_ns was not filled but the budget was.
std::uint64_t blocked_in(const Budget &budget, std::initializer_list<std::string_view> names) {
    std::uint64_t ns = 0;
    for (const auto &[reason, reason_ns] : budget.blocked_by) {
        if (is_one_of(reason, names)) {
            ns += reason_ns;
        }
    }
    return ns;
}

}  // namespace

const char *family_name(WaitFamily family) {
    switch (family) {
        case WaitFamily::select:
            return "select";
        case WaitFamily::poll:
            return "poll";
        case WaitFamily::epoll:
            return "epoll";
        case WaitFamily::io_uring:
            return "io_uring";
        case WaitFamily::signal:
            return "signal";
    }
    return "?";
}

std::uint64_t IoTally::io_calls() const {
    std::uint64_t n = recv.calls + accept.calls + send.calls;
    for (WaitFamily f : kAllWaitFamilies) {
        const FamilyUse &use = family(f);
        // A multiplexer call that timed out found nothing: not activity.
        n += use.multiplexer ? use.calls - std::min(use.calls, use.timeouts) : use.calls;
    }
    return n;
}

IoTally tally_io(const std::vector<SyscallStats> &syscalls, const Budget &budget,
                 bool signal_fd_reads) {
    IoTally tally;
    std::array<std::map<std::string, std::uint64_t>, kWaitFamilies> member_calls;
    for (const SyscallStats &s : syscalls) {
        tally.total_wait_ns += s.wait_ns;
        if (auto family = family_of(s, signal_fd_reads)) {
            const auto index = static_cast<std::size_t>(*family);
            FamilyUse &use = tally.families[index];
            use.calls += s.count;
            use.in_flight += s.in_flight;
            use.wait_ns += s.wait_ns;
            use.fds_asked += s.fds_asked;
            use.fds_ready += s.fds_ready;
            use.timeouts += s.timeouts;
            use.multiplexer = use.multiplexer || s.multiplexer;
            member_calls[index][s.name] += s.count + s.in_flight;
        } else if (is_one_of(s.name, {"recvfrom", "recvmsg", "recvmmsg"}) ||
                   is_socket_rw(s, {"read", "readv"})) {
            add_to(tally.recv, s);
        } else if (is_one_of(s.name, {"accept", "accept4"})) {
            add_to(tally.accept, s);
        } else if (is_one_of(s.name, {"sendto", "sendmsg", "sendmmsg", "sendfile"}) ||
                   is_socket_rw(s, {"write", "writev"})) {
            add_to(tally.send, s);
        }
    }
    for (std::size_t i = 0; i < kWaitFamilies; ++i) {
        std::uint64_t best = 0;
        for (const auto &[name, calls] : member_calls[i]) {
            if (tally.families[i].main_call.empty() || calls > best) {
                tally.families[i].main_call = name;
                best = calls;
            }
        }
    }
    // Prefer the per-call wait; fall back on the budget's blocked_by where it says more.
    auto at_least = [](std::uint64_t &ns, std::uint64_t other) { ns = std::max(ns, other); };
    auto &fam = tally.families;
    at_least(fam[static_cast<std::size_t>(WaitFamily::select)].wait_ns,
             blocked_in(budget, {"select", "pselect6"}));
    at_least(fam[static_cast<std::size_t>(WaitFamily::poll)].wait_ns,
             blocked_in(budget, {"poll", "ppoll"}));
    at_least(fam[static_cast<std::size_t>(WaitFamily::epoll)].wait_ns,
             blocked_in(budget, {"epoll_wait", "epoll_pwait", "epoll_pwait2"}));
    at_least(fam[static_cast<std::size_t>(WaitFamily::io_uring)].wait_ns,
             blocked_in(budget, {"io_uring_enter"}));
    at_least(fam[static_cast<std::size_t>(WaitFamily::signal)].wait_ns,
             blocked_in(budget, {"rt_sigtimedwait", "rt_sigsuspend", "sigsuspend", "pause"}));
    at_least(tally.recv.wait_ns, blocked_in(budget, {"recvfrom", "recvmsg", "recvmmsg"}));
    at_least(tally.accept.wait_ns, blocked_in(budget, {"accept", "accept4"}));
    return tally;
}

}  // namespace iophase
