// Arithmetic on the report's plain structs: summing budgets and syscall statistics (to fold
// threads into a process, or intervals into a total) and the log2 histogram slot rule.
#include "model/report.h"

#include <bit>

namespace iophase {

Budget &Budget::operator+=(const Budget &other) {
    wall_ns += other.wall_ns;
    user_ns += other.user_ns;
    kernel_copy_ns += other.kernel_copy_ns;
    kernel_other_ns += other.kernel_other_ns;
    blocked_ns += other.blocked_ns;
    runq_ns += other.runq_ns;
    for (const auto &[reason, ns] : other.blocked_by) {
        blocked_by[reason] += ns;
    }
    return *this;
}

SyscallStats &SyscallStats::operator+=(const SyscallStats &other) {
    // Adding stats of another syscall is allowed (that is how "other" is built); the name and
    // fd kind of the left side stay, unless it has none yet.
    if (name.empty()) {
        name = other.name;
    }
    if (fd_kind.empty()) {
        fd_kind = other.fd_kind;
    }
    count += other.count;
    in_flight += other.in_flight;
    errors += other.errors;
    eagain += other.eagain;
    total_ns += other.total_ns;
    wait_ns += other.wait_ns;
    runq_ns += other.runq_ns;
    copy_ns += other.copy_ns;
    kernel_ns += other.kernel_ns;
    bytes += other.bytes;
    for (std::size_t slot = 0; slot < kHistSlots; ++slot) {
        hist_log2_ns[slot] += other.hist_log2_ns[slot];
    }
    multiplexer = multiplexer || other.multiplexer;
    fds_asked += other.fds_asked;
    fds_ready += other.fds_ready;
    timeouts += other.timeouts;
    return *this;
}

std::size_t hist_slot(std::uint64_t ns) {
    if (ns < 2) {
        return 0;
    }
    const auto slot = static_cast<std::size_t>(std::bit_width(ns) - 1);  // floor(log2(ns))
    return slot < kHistSlots ? slot : kHistSlots - 1;
}

}  // namespace iophase
