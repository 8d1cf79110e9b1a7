// Arithmetic on the report's plain structs: summing budgets and syscall statistics (to fold
// threads into a process, or intervals into a total) and the log2 histogram slot rule.
#include "model/report.h"

namespace iophase {

Budget &Budget::operator+=(const Budget &other) {
#define IOPHASE_ADD(field) field += other.field;
    IOPHASE_BUDGET_BUCKETS(IOPHASE_ADD)
#undef IOPHASE_ADD
    for (const auto &[reason, ns] : other.blocked_by) {
        blocked_by[reason] += ns;
    }
    return *this;
}

SyscallStats &SyscallStats::operator+=(const SyscallStats &other) {
    // Adding stats of another syscall is allowed (a thread's rows into its process's); the
    // identity of the left side stays, unless it has none yet.
    if (name.empty()) {
        name = other.name;
        nr = other.nr;
        kind = other.kind;
    }
    if (fd_kind.empty()) {
        fd_kind = other.fd_kind;
    }
#define IOPHASE_ADD(field) field += other.field;
    IOPHASE_SYSCALL_COUNTERS(IOPHASE_ADD)
    IOPHASE_MULTIPLEXER_COUNTERS(IOPHASE_ADD)
#undef IOPHASE_ADD
    for (std::size_t slot = 0; slot < kHistSlots; ++slot) {
        hist_log2_ns[slot] += other.hist_log2_ns[slot];
        copy_hist_log2_ns[slot] += other.copy_hist_log2_ns[slot];
    }
    multiplexer = multiplexer || other.multiplexer;
    return *this;
}

}  // namespace iophase
