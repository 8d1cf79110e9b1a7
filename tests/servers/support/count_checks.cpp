#include "support/count_checks.h"

#include <gtest/gtest.h>

#include <set>

namespace servertest {

void expect_invariants(const SyscallRows &rows, const std::vector<Invariant> &invariants,
                       const Work &work, const std::string &source) {
    for (const auto &invariant : invariants) {
        const CallCount count = row(rows, invariant.name, invariant.kind);
        const std::uint64_t actual =
            invariant.successes_only ? count.calls - count.errors : count.calls;
        const std::uint64_t expected =
            invariant.per_request * work.requests + invariant.per_connection * work.connections;
        EXPECT_EQ(actual, expected)
            << source << ": " << invariant.name << (invariant.kind ? "/" : "")
            << (invariant.kind ? invariant.kind : "")
            << (invariant.successes_only ? " (successful calls)" : "") << " should be "
            << invariant.per_request << " per request + " << invariant.per_connection
            << " per connection for " << work.requests << " requests and " << work.connections
            << " connections\n"
            << source << " rows: " << describe(rows);
    }
}

namespace {

void expect_count_between(const std::string &what, const CallCount &iophase, const CallCount &lower,
                          const CallCount &upper) {
    EXPECT_LE(lower.calls, iophase.calls) << what << ": iophase counted fewer calls than strace";
    EXPECT_LE(iophase.calls, upper.calls) << what << ": iophase counted more calls than strace";
    EXPECT_LE(lower.errors, iophase.errors) << what << ": iophase counted fewer errors";
    EXPECT_LE(iophase.errors, upper.errors) << what << ": iophase counted more errors";
}

bool kind_is_looked_up(const std::string &name) {
    return name == "read" || name == "readv" || name == "write" || name == "writev";
}

}  // namespace

void expect_between(const SyscallRows &iophase, const SyscallRows &lower,
                    const SyscallRows &upper) {
    const auto iophase_names = by_name(iophase);
    const auto lower_names = by_name(lower);
    const auto upper_names = by_name(upper);
    const std::string rows = "\niophase: " + describe(iophase) +
                             "\nstrace (surely attached): " + describe(lower) +
                             "\nstrace (maybe attached): " + describe(upper);
    std::set<std::string> names;
    for (const auto *table : {&iophase_names, &lower_names, &upper_names}) {
        for (const auto &entry : *table) {
            names.insert(entry.first);
        }
    }
    // What the report does not name must be in its `other` row.
    CallCount other_lower;
    CallCount other_upper;
    for (const auto &name : names) {
        if (name == "other") {
            continue;
        }
        const CallCount low = lower_names.count(name) ? lower_names.at(name) : CallCount{};
        const CallCount high = upper_names.count(name) ? upper_names.at(name) : CallCount{};
        if (!iophase_names.count(name)) {
            other_lower.calls += low.calls;
            other_lower.errors += low.errors;
            other_upper.calls += high.calls;
            other_upper.errors += high.errors;
            continue;
        }
        expect_count_between(name + rows, iophase_names.at(name), low, high);
        if (!kind_is_looked_up(name)) {
            continue;
        }
        for (const char *kind : {"socket", "pipe", "file", "other"}) {
            // A call in progress at attach has kind "" in today's reports: it may belong to
            // any kind, so it only widens the lower side.
            CallCount seen = row(iophase, name, kind);
            const CallCount unknown = row(iophase, name, "");
            CallCount seen_or_unknown = seen;
            seen_or_unknown.calls += unknown.calls;
            seen_or_unknown.errors += unknown.errors;
            const CallCount low_kind = row(lower, name, kind);
            const CallCount high_kind = row(upper, name, kind);
            const std::string what = name + "/" + kind + rows;
            EXPECT_LE(low_kind.calls, seen_or_unknown.calls) << what << ": fewer calls";
            EXPECT_LE(seen.calls, high_kind.calls) << what << ": more calls";
        }
    }
    const CallCount reported_other =
        iophase_names.count("other") ? iophase_names.at("other") : CallCount{};
    expect_count_between("the syscalls the report does not name (its `other` row)" + rows,
                         reported_other, other_lower, other_upper);
}

}  // namespace servertest
