// What every demo does around its loop: parse options, listen, announce the port, count,
// stop gracefully on SIGINT/SIGTERM and print the final line of counters.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include "options.h"
#include "unique_fd.h"

namespace iophase::demo {

// Totals for the final "stopped" line. They live in a shared anonymous mapping so that the
// children of process-per-connection add to the same numbers as the parent.
struct Counters {
    std::atomic<std::uint64_t> connections{0};  // connections accepted and served
    std::atomic<std::uint64_t> messages{0};     // complete requests answered
    std::atomic<std::uint64_t> bytes_in{0};
    std::atomic<std::uint64_t> bytes_out{0};
};
Counters &counters();

struct DemoSetup {
    DemoOptions options;
    UniqueFd listener;
};

struct ListenerMode {
    bool nonblocking = false;
    bool has_sleep_us = false;
};

// Parses options, applies --max-fds, installs the stop handlers, ignores SIGPIPE, opens the
// listen socket and prints "iophase-demo model=M port=P pid=N" (flushed) as the first line.
// Exits with 2 on bad usage and 1 when the socket cannot be opened.
DemoSetup start_demo_server(int argc, char **argv, std::string_view model, ListenerMode mode);

// SIGINT and SIGTERM set a flag (no SA_RESTART, so a blocked call returns EINTR).
bool stop_requested();
void request_stop();

// Prints "stopped model=M connections=... messages=... bytes_in=... bytes_out=..." and
// returns 0, the exit status of a graceful stop.
int finish_demo_server(std::string_view model);

// One line on stderr: "iophase-demo-M: what: strerror(errno)".
void report_errno(std::string_view what);

}  // namespace iophase::demo
