#include "tracer/thread_rows.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <string>

#include "tracer/syscall_names.h"
#include "tracer/syscall_table.h"

namespace iophase {

void charge_until(iop_thread &t, std::uint64_t end_ns) {
    if (end_ns <= t.last_ns) {
        return;
    }
    const std::uint64_t delta = end_ns - t.last_ns;
    t.last_ns = end_ns;
    if (t.irq != 0) {
        const bool net_rx = (t.irq & IOP_IRQ_HARD) == 0 && t.softirq_vec == 3;  // NET_RX
        (net_rx ? t.budget.irq_net_rx_ns : t.budget.irq_other_ns) += delta;
        if (t.in_call) {
            t.call_irq_ns += delta;
        }
        return;
    }
    switch (t.state) {
        case IOP_ST_ONCPU:
            if (t.copying != IOP_COPY_NONE) {
                t.budget.kernel_copy_ns += delta;
                if (t.in_call) {
                    t.call_copy_ns += delta;
                }
            } else if (t.in_call) {
                t.budget.kernel_other_ns += delta;
            } else {
                t.budget.user_ns += delta;
            }
            break;
        case IOP_ST_RUNQ:
            t.budget.runq_ns += delta;
            if (t.in_call) {
                t.call_runq_ns += delta;
            }
            break;
        default: {
            const std::uint32_t slot = t.in_call ? t.slot : std::uint32_t{IOP_SLOT_NONE};
            if (slot < IOP_SLOT_COUNT) {
                t.budget.blocked_ns[slot] += delta;
            }
            if (t.in_call) {
                t.call_wait_ns += delta;
            }
            break;
        }
    }
}

Budget budget_of(const iop_budget &b, std::uint64_t wall_ns) {
    Budget out;
    out.wall_ns = wall_ns;
    out.user_ns = b.user_ns;
    out.kernel_copy_ns = b.kernel_copy_ns;
    out.kernel_other_ns = b.kernel_other_ns;
    out.irq_net_rx_ns = b.irq_net_rx_ns;
    out.irq_other_ns = b.irq_other_ns;
    out.stolen_ns = b.stolen_ns;
    out.runq_ns = b.runq_ns;
    for (std::uint32_t slot = 0; slot < IOP_SLOT_COUNT; ++slot) {
        if (b.blocked_ns[slot] > 0) {
            out.blocked_by[slot_name(slot)] += b.blocked_ns[slot];
            out.blocked_ns += b.blocked_ns[slot];
        }
    }
    return out;
}

namespace {

// An empty row of a thread's calls with a role: the call named by its slot, of that fd kind.
SyscallStats role_call(std::uint32_t slot, std::uint32_t fd_kind) {
    SyscallStats s;
    s.name = slot_name(slot);
    s.nr = syscall_number(s.name);
    s.kind = slot_kind(slot, fd_kind);
    s.fd_kind = fd_kind_name(fd_kind);
    s.multiplexer = s.kind.role == SyscallRole::multiplexer;
    return s;
}

}  // namespace

ThreadReport thread_row(pid_t tid, iop_thread t, std::uint64_t end_ns) {
    ThreadReport row;
    row.tid = tid;
    row.comm.assign(t.comm, ::strnlen(t.comm, sizeof(t.comm)));
    row.exited = t.exit_ns != 0;
    std::uint64_t until = t.exit_ns;
    if (!row.exited) {
        charge_until(t, end_ns);
        // A snapshot races with the BPF side, which may have charged a little past end_ns.
        until = std::max<std::uint64_t>(end_ns, t.last_ns);
    }
    row.budget = budget_of(t.budget, until - std::min<std::uint64_t>(until, t.first_ns));
    for (std::uint32_t use = 0; use < IOP_USE_COUNT; ++use) {
        const iop_use &u = t.uses[use];
        if (u.calls == 0) {
            continue;
        }
        const std::uint32_t slot = use_slot(use);
        if (slot <= IOP_SLOT_OTHER) {
            row.other_calls += u.calls;
            continue;
        }
        SyscallStats s = role_call(slot, use_fd_kind(use));
        s.count = u.calls;
        s.wait_ns = u.wait_ns;
        s.eagain = u.eagain;
        s.fds_ready = u.fds_ready;
        row.syscalls.push_back(std::move(s));
    }
    // A call still inside at the end is in flight in the row too, with its wait so far, as in
    // the process's syscalls: a pool worker idle in futex at the end shows that wait.
    if (!row.exited && t.in_call && t.slot > IOP_SLOT_OTHER) {
        SyscallStats call = role_call(t.slot, t.fd_kind);
        auto it = std::find_if(row.syscalls.begin(), row.syscalls.end(), [&](const auto &s) {
            return s.name == call.name && s.fd_kind == call.fd_kind;
        });
        if (it == row.syscalls.end()) {
            row.syscalls.push_back(std::move(call));
            it = std::prev(row.syscalls.end());
        }
        it->in_flight += 1;
        it->wait_ns += t.call_wait_ns;
    }
    return row;
}

SyscallStats in_flight_call(const iop_thread &t, std::uint64_t end_ns) {
    SyscallStats s;
    s.nr = static_cast<int>(t.nr);
    s.name = syscall_name(t.nr);
    s.kind = slot_kind(t.slot, t.fd_kind);
    s.fd_kind = fd_kind_name(t.fd_kind);
    s.multiplexer = s.kind.role == SyscallRole::multiplexer;
    s.in_flight = 1;
    s.total_ns = end_ns > t.call_start_ns ? end_ns - t.call_start_ns : 0;
    s.wait_ns = t.call_wait_ns;
    s.runq_ns = t.call_runq_ns;
    s.copy_ns = t.call_copy_ns;
    s.irq_ns = t.call_irq_ns;
    s.stolen_ns = t.call_stolen_ns;
    const std::uint64_t parts = s.wait_ns + s.runq_ns + s.copy_ns + s.irq_ns + s.stolen_ns;
    s.kernel_ns = s.total_ns > parts ? s.total_ns - parts : 0;
    return s;
}

}  // namespace iophase
