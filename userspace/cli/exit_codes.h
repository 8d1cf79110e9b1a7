// Exit codes, documented in README.md and every --help.
#pragma once

namespace iophase::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;     // runtime failure (could not attach, I/O error)
inline constexpr int kExitUsage = 2;       // bad usage or unknown target
inline constexpr int kExitNotFound = 127;  // the command to run could not be started

}  // namespace iophase::cli
