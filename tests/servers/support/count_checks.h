// The two checks on syscall counts: a server's per-request invariants, and agreement between
// iophase and strace watching the same run.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "support/syscall_rows.h"

namespace servertest {

// What the client did: requests answered and connections opened.
struct Work {
    std::uint64_t requests = 0;
    std::uint64_t connections = 0;
};

// A server's fixed cost in one syscall: `per_request` calls for each request plus
// `per_connection` for each connection (of fd kind `kind`, any kind when nullptr). With
// `successes_only` only calls that did not fail count: for calls whose EAGAINs vary with timing.
struct Invariant {
    const char *name;
    const char *kind;
    std::uint64_t per_request;
    std::uint64_t per_connection = 0;
    bool successes_only = false;
};

// EXPECTs each invariant to hold in `rows` (`source` names where they come from).
void expect_invariants(const SyscallRows &rows, const std::vector<Invariant> &invariants,
                       const Work &work, const std::string &source);

// EXPECTs iophase's counts to lie between two strace counts of the same run: `lower` over the
// interval iophase was surely attached, `upper` over the interval it could have been. Every
// syscall name is compared (calls and errors), read/readv/write/writev also by fd kind; names
// the report has no row for must add up to its `other` row, so this check tightens by itself
// as iophase names more syscalls.
void expect_between(const SyscallRows &iophase, const SyscallRows &lower, const SyscallRows &upper);

}  // namespace servertest
