#include "compare/row.h"

#include <string_view>

namespace iophase::compare {

namespace {

bool is_accept(std::string_view name) {
    return name == "accept" || name == "accept4";
}

// select and poll hand the kernel every fd on every call and it polls each one; epoll_wait
// only walks the instance's ready list.
bool scans_every_fd(std::string_view name) {
    return name == "select" || name == "pselect6" || name == "poll" || name == "ppoll";
}

std::optional<double> per(double numerator, double denominator) {
    if (denominator <= 0) {
        return std::nullopt;
    }
    return numerator / denominator;
}

}  // namespace

std::string_view status_name(RunStatus status) {
    switch (status) {
        case RunStatus::Ok:
            return "ok";
        case RunStatus::Failed:
            return "failed";
        case RunStatus::NotApplicable:
            return "not_applicable";
    }
    return "?";
}

void derive_server_numbers(Row &row, const Report &report, pid_t server_pid) {
    row.traced_ns = report.duration_ns;
    row.budget = Budget{};
    row.threads = 0;
    row.processes = 0;
    row.accepts = 0;

    std::uint64_t syscalls = 0;
    std::uint64_t eagain = 0;
    std::uint64_t fds_asked = 0;
    std::uint64_t fds_ready = 0;
    std::uint64_t fds_scanned = 0;
    std::uint64_t mux_cpu_ns = 0;
    std::uint64_t mux_calls = 0;
    for (const ProcessReport &process : report.processes) {
        ++row.processes;
        row.threads += static_cast<int>(process.threads.size());
        row.budget += process.budget;
        for (const SyscallStats &call : process.syscalls) {
            syscalls += call.count;
            eagain += call.eagain;
            if (is_accept(call.name)) {
                row.accepts += call.count - call.errors;
            }
            if (call.multiplexer) {
                fds_asked += call.fds_asked;
                fds_ready += call.fds_ready;
                mux_calls += call.count;
                fds_scanned += scans_every_fd(call.name) ? call.fds_asked : call.fds_ready;
                mux_cpu_ns += call.kernel_ns + call.copy_ns;
            }
        }
        if (process.pid == server_pid) {
            row.label = process.io_model.label;
            row.evidence = process.io_model.evidence;
        }
    }

    const double traced = static_cast<double>(row.traced_ns);
    const auto pct_of_core = [&](std::uint64_t ns) {
        return traced > 0 ? 100.0 * static_cast<double>(ns) / traced : 0.0;
    };
    row.cpu_user_pct = pct_of_core(row.budget.user_ns);
    row.cpu_copy_pct = pct_of_core(row.budget.kernel_copy_ns);
    row.cpu_kernel_other_pct = pct_of_core(row.budget.kernel_other_ns);

    const double wall = static_cast<double>(row.budget.wall_ns);
    row.blocked_share = wall > 0 ? static_cast<double>(row.budget.blocked_ns) / wall : 0;
    row.copy_share = wall > 0 ? static_cast<double>(row.budget.kernel_copy_ns) / wall : 0;

    const double messages = static_cast<double>(row.load.messages);
    row.syscalls_per_msg = per(static_cast<double>(syscalls), messages);
    row.eagain_per_msg = per(static_cast<double>(eagain), messages);
    row.fds_watched_per_ready = per(static_cast<double>(fds_asked), static_cast<double>(fds_ready));
    row.fds_scanned_per_ready =
        per(static_cast<double>(fds_scanned), static_cast<double>(fds_ready));
    row.mux_cpu_ns_per_call = per(static_cast<double>(mux_cpu_ns), static_cast<double>(mux_calls));

    if (messages > 0) {
        row.per_message.wait_ns = static_cast<double>(row.budget.blocked_ns) / messages;
        row.per_message.runq_ns = static_cast<double>(row.budget.runq_ns) / messages;
        row.per_message.kernel_ns = static_cast<double>(row.budget.kernel_other_ns) / messages;
        row.per_message.copy_ns = static_cast<double>(row.budget.kernel_copy_ns) / messages;
        row.per_message.user_ns = static_cast<double>(row.budget.user_ns) / messages;
    } else {
        row.per_message = PerMessage{};
    }
}

}  // namespace iophase::compare
