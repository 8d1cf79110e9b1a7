// Checks for command-line values whose errors say in one line what was wrong and what would be
// right. CLI11's own PositiveNumber and Range print the whole double range ("0.000000 to
// 1797693…") and accept "nan" (every comparison with NaN is false).
#pragma once

#include <CLI/CLI.hpp>

namespace iophase::cli {

// The longest duration or interval accepted: far beyond any trace, and small enough that a
// steady-clock time point plus it cannot overflow 64-bit nanoseconds.
inline constexpr double kMaxSeconds = 1e9;

// A finite number of seconds, > 0 and at most kMaxSeconds.
CLI::Validator seconds_value();

// A finite number >= low (or > low when !inclusive).
CLI::Validator number_at_least(double low, bool inclusive);

// A process id: a decimal integer from 1 to the largest pid_t.
CLI::Validator process_id();

// An output path: a file name or "-" for stdout, not "".
CLI::Validator output_path();

}  // namespace iophase::cli
