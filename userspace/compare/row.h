// One row of the comparison: the numbers derived from a run's trace report and load result.
// Pure arithmetic on plain structs, so it is testable without a kernel.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compare/scenario.h"
#include "model/report.h"

namespace iophase::compare {

enum class RunStatus { Ok, Failed, NotApplicable };
std::string_view status_name(RunStatus status);

// What the load generator measured, reduced to what the row needs.
struct LoadSummary {
    std::uint64_t messages = 0;
    std::uint64_t errors = 0;
    std::uint64_t connections_established = 0;
    double msgs_per_s = 0;
    double mb_per_s = 0;
    std::uint64_t p50_ns = 0;
    std::uint64_t p99_ns = 0;
};

// Mean server-thread time per message, from the aggregates (not one traced request): all
// threads' budgets summed, divided by the messages the load generator received.
struct PerMessage {
    double wait_ns = 0;    // asleep (phase 1 for blocking and multiplexing models)
    double runq_ns = 0;    // runnable, waiting for a CPU
    double kernel_ns = 0;  // on-CPU in the kernel, not copying (polls, EAGAIN, bookkeeping)
    double copy_ns = 0;    // phase 2: copying the data
    double user_ns = 0;
};

struct Row {
    // Identity.
    Scenario scenario = Scenario::Echo;
    std::string variant;
    std::string model;
    LoadSettings load_settings;
    RunStatus status = RunStatus::Ok;
    std::string error;  // why it failed or is not applicable

    // The load generator's side.
    LoadSummary load;

    // The server's side (all its processes and threads).
    std::uint64_t traced_ns = 0;
    Budget budget;            // summed over every thread of every server process
    double cpu_user_pct = 0;  // of one core over the traced interval
    double cpu_copy_pct = 0;
    double cpu_kernel_other_pct = 0;
    double blocked_share = 0;  // of the threads' summed wall time
    double copy_share = 0;
    std::optional<double> syscalls_per_msg;
    std::optional<double> eagain_per_msg;
    // Multiplexer calls only. Watched: the fds each call covers (select/poll: nfds; epoll:
    // the fds registered with the instance). Scanned: the fds the kernel examines per call
    // (select/poll: every fd passed in; epoll: only its ready list, counted as the fds it
    // returned). Both per fd returned ready.
    std::optional<double> fds_watched_per_ready;
    std::optional<double> fds_scanned_per_ready;
    // On-CPU kernel ns per multiplexer call: what one select/poll/epoll_wait costs the kernel.
    std::optional<double> mux_cpu_ns_per_call;
    std::uint64_t accepts = 0;  // accept/accept4 calls that returned an fd
    int threads = 0;
    int processes = 0;
    std::uint64_t peak_rss_kb = 0;  // VmHWM of the server plus its live children
    PerMessage per_message;

    // The classifier's verdict on the server's main process.
    std::string label;
    std::string expected_label;
    std::vector<std::string> evidence;
    bool label_matches() const { return status == RunStatus::Ok && label == expected_label; }
};

// Derives the server-side numbers of `row` from the report of a run whose server's main
// process is `server_pid`. Fills everything except the identity, load and peak RSS fields.
void derive_server_numbers(Row &row, const Report &report, pid_t server_pid);

}  // namespace iophase::compare
