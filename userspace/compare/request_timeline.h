// One measured request of a server thread, cut out of the tracer's per-event timeline: the
// input call that returned data, with the calls before it where the thread waited for that
// data (a multiplexer's wait, or the EAGAIN calls of busy polling). The figure of the five I/O
// models, measured: phase 1 (waiting for data) and phase 2 (copying it).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/report.h"
#include "model/timeline.h"

namespace iophase::compare {

// From t_ns (relative to the request's start) on, for dur_ns, the thread was in `state`,
// inside `syscall` ("" in user code).
struct RequestSegment {
    std::uint64_t t_ns = 0;
    std::uint64_t dur_ns = 0;
    ThreadState state = ThreadState::User;
    std::string syscall;
};

// An interval of the request, relative to its start.
struct RequestSpan {
    std::uint64_t t_ns = 0;
    std::uint64_t dur_ns = 0;
};

struct RequestTimeline {
    pid_t pid = 0;
    pid_t tid = 0;
    std::uint64_t start_ns = 0;            // CLOCK_MONOTONIC of the first segment
    std::string wait_call;                 // the multiplexer call it waited in, or ""
    std::string input_call;                // the call that returned the data
    std::size_t eagain_calls = 0;          // input calls that found nothing just before it
    std::size_t candidates = 0;            // complete requests of the thread it was chosen among
    std::vector<RequestSegment> segments;  // contiguous, covering the whole request
    RequestSpan phase1;  // from the start until the data was there (asleep, polling)
    RequestSpan phase2;  // the copy of the data (first to last copy segment)
    // The tracer's data-ready mark (docs/report.md, "Data ready"), when the thread slept for
    // the data in `ready_call` (the wait call, or the input call before its copy). It splits
    // the wait: `wait_for_data` from the start of that call to the data being ready, `wakeup`
    // from then until the thread was back on a CPU. Absent when the thread never slept for
    // it (busy polling, a multiplexer that found fds ready at once).
    std::optional<std::uint64_t> data_ready_ns;  // relative to the start
    std::string ready_call;
    RequestSpan wait_for_data;
    RequestSpan wakeup;

    std::uint64_t duration_ns() const;
};

// Calls that return data from a socket or pipe, and calls a thread waits in for readiness.
bool is_input_call(const std::string &syscall);
bool is_wait_call(const std::string &syscall);

// The server's processes in a trace report: the server and the children it forked while
// traced (parent_pid == server_pid; process-per-connection's children are the server too).
std::vector<pid_t> server_pids(const Report &report, pid_t server_pid);

// The representative request of the busiest thread of `pids` (the one with the most complete
// requests): the median-duration one among its last requests. nullopt when no thread of those
// processes copied any data.
std::optional<RequestTimeline> pick_request(const Timeline &timeline,
                                            const std::vector<pid_t> &pids);

nlohmann::json request_to_json(const RequestTimeline &request);

}  // namespace iophase::compare
