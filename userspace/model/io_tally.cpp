#include "model/io_tally.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string_view>

#include "model/thresholds.h"

namespace iophase {
namespace {

std::optional<WaitFamily> family_of(const SyscallStats &s, bool signal_fd_reads) {
    switch (s.kind.role) {
        case SyscallRole::multiplexer:
            switch (s.kind.multiplexer) {
                case Multiplexer::select:
                    return WaitFamily::select;
                case Multiplexer::poll:
                    return WaitFamily::poll;
                case Multiplexer::epoll:
                    return WaitFamily::epoll;
                case Multiplexer::none:
                    break;
            }
            return std::nullopt;
        case SyscallRole::async:
            return WaitFamily::io_uring;
        case SyscallRole::signal_wait:
            return WaitFamily::signal;
        case SyscallRole::file_input:
            // a signalfd is an fd of kind "other"
            if (signal_fd_reads && s.fd_kind == "other") {
                return WaitFamily::signal;
            }
            return std::nullopt;
        default:
            return std::nullopt;
    }
}

void add_to(CallGroup &group, const SyscallStats &s) {
    group.calls += s.count;
    group.in_flight += s.in_flight;
    group.wait_ns += s.wait_ns;
    group.eagain += s.eagain;
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

IoTally tally_io(const std::vector<SyscallStats> &syscalls, bool signal_fd_reads) {
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
        } else if (s.kind.role == SyscallRole::input) {
            add_to(tally.recv, s);
        } else if (s.kind.role == SyscallRole::accept) {
            add_to(tally.accept, s);
        } else if (s.kind.role == SyscallRole::output) {
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
    return tally;
}

bool sets_up_signal_io(const ProcessFacts &facts) {
    return facts.set_async > 0 || facts.set_sig > 0;
}

bool reads_signals_from_fds(const ProcessFacts &facts) {
    return sets_up_signal_io(facts) || facts.signals_received >= thresholds::kMinFamilyCalls;
}

const char *epoll_label(const ProcessFacts &facts) {
    const std::uint64_t et = facts.epoll_ctl_et + facts.epoll_registered_et;
    const std::uint64_t lt = facts.epoll_ctl_lt + facts.epoll_registered_lt;
    return et > lt ? "epoll-et" : "epoll-lt";
}

}  // namespace iophase
