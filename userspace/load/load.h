// The load generator: drives any server that speaks demos/common/protocol.h.
//
// Event-driven (one epoll loop per thread, non-blocking sockets). Each active connection
// runs a closed loop (request, wait for the reply, think, repeat) or, with a rate, an open
// loop whose latency is measured from the intended send time so that a slow server cannot
// hide its queueing delay (no coordinated omission). Every reply is checked byte by byte.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "common/histogram.h"
#include "load/limits.h"

namespace iophase::load {

enum class Mode { Echo, Upload, Download };

const char *mode_name(Mode mode);

struct Options {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    int connections = 1;         // active connections
    int idle = 0;                // extra connections held open doing nothing
    std::size_t size = 64;       // echo payload bytes
    double think_ms = 0;         // closed loop: pause between a reply and the next request
    double duration_s = 0;       // stop after this long ...
    std::uint64_t messages = 0;  // ... or after this many replies (both 0: 10 s)
    double rate = 0;             // open loop: requests per second over all connections
    Mode mode = Mode::Echo;
    std::size_t transfer_bytes = 4 << 20;  // upload/download bytes per round
    int threads = 1;
    bool progress = false;  // redraw a progress line on stdout when it is a terminal
    // Run even when the fd limit or the local ports cannot hold every connection (else
    // run() refuses up front).
    bool allow_partial = false;
};

inline constexpr double kDefaultDurationS = 10.0;

struct Result {
    Options options;
    std::uint64_t messages = 0;           // replies received and verified correct
    std::uint64_t errors = 0;             // bad_replies + connection_errors + connect_failures
    std::uint64_t bad_replies = 0;        // wrong op, length or content
    std::uint64_t connection_errors = 0;  // reset or closed by the server
    std::uint64_t connect_failures = 0;
    std::map<int, std::uint64_t> connect_errors;  // errno of each failed connect -> count
    ConnectionLimits limits;                      // this process's, at the start of the run
    std::uint64_t connections_established = 0;
    std::uint64_t bytes_sent = 0;
    std::uint64_t bytes_received = 0;
    std::uint64_t elapsed_ns = 0;
    double msgs_per_s = 0;
    double mb_per_s = 0;  // bytes sent + received, 10^6 bytes per MB
    Histogram latency;    // nanoseconds, one sample per correct reply
};

// Runs the load until the duration or message count is reached, every active connection
// has failed, or *stop becomes true. Never throws for network errors: they are counted.
// Throws std::invalid_argument for options it cannot run (e.g. connections < 1, or more than
// the fd limit or local ports allow, unless allow_partial) and std::runtime_error if the host
// cannot be resolved.
Result run(const Options &options, const std::atomic<bool> *stop = nullptr);

nlohmann::json to_json(const Result &result);
// The failed connects by reason, in one line ("" if none failed).
std::string describe_connect_failures(const Result &result);
std::string render_text(const Result &result);

}  // namespace iophase::load
