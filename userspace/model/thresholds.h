// The thresholds the classifier (classify.cpp) and the role rules (roles.cpp) share, so that a
// process and its threads are judged by the same numbers (docs/report.md lists them).
#pragma once

#include <cstdint>

namespace iophase::thresholds {

// At most this many completed (I/O) calls over the whole trace is doing nothing measurable.
inline constexpr std::uint64_t kIdleMaxCalls = 4;
// A wait family needs this many completed calls to count (one in-flight sigwaitinfo of a
// SIGTERM-handling thread is not signal-driven I/O).
inline constexpr std::uint64_t kMinFamilyCalls = 3;
// A family is significant with at least this share of the I/O wait (or of the calls).
inline constexpr double kSignificantShare = 0.25;
// Below this much I/O wait (a saturated server hardly sleeps) shares are taken over calls.
inline constexpr std::uint64_t kMinIoWaitNs = 1'000'000;

// part / whole, 0 for an empty whole.
inline double ratio(double part, double whole) {
    return whole > 0 ? part / whole : 0.0;
}

}  // namespace iophase::thresholds
