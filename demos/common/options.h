// Command-line options every demo server understands.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace iophase::demo {

struct DemoOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;                // 0: the kernel picks a free port
    std::optional<std::uint64_t> max_fds;  // RLIMIT_NOFILE soft limit; default: the hard limit
    std::uint64_t sleep_us = 0;            // nonblocking-poll only: pause between sweeps
};

// Parses argv; on --help prints usage and exits 0, on a bad option prints one line on
// stderr and exits 2. `has_sleep_us` says whether this model accepts --sleep-us.
DemoOptions parse_options(int argc, char **argv, std::string_view model, bool has_sleep_us);

}  // namespace iophase::demo
