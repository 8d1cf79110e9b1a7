// A comparison built from synthetic numbers, for the tests that need no kernel.
#pragma once

#include "compare/result.h"

namespace iophase::compare::testing {

// A report of one server process (pid 100) with one thread, a multiplexer call and a recv.
Report synthetic_report(const std::string &label, const std::string &multiplexer,
                        std::uint64_t fds_asked, std::uint64_t fds_ready);

// echo + idle-fanin (0 and 300 idle) for poll and epoll-lt, one failed run and one run whose
// label does not match.
CompareResult synthetic_comparison();

}  // namespace iophase::compare::testing
