#include "tracer/collector.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <set>
#include <vector>

#include "tracer/io_uring_names.h"
#include "tracer/procfs.h"
#include "tracer/syscall_table.h"

namespace iophase {
namespace {

// Calls fn(key, value) for every entry of a (non per-CPU) hash map.
template <typename Key, typename Value, typename Fn>
void for_each_entry(int fd, Fn &&fn) {
    Key key{};
    Key next{};
    Key *prev = nullptr;
    Value value{};
    while (bpf_map_get_next_key(fd, prev, &next) == 0) {
        if (bpf_map_lookup_elem(fd, &next, &value) == 0) {
            fn(next, value);
        }
        key = next;
        prev = &key;
    }
}

Budget to_budget(const iop_budget &b, std::uint64_t wall_ns) {
    Budget out;
    out.wall_ns = wall_ns;
    out.user_ns = b.user_ns;
    out.kernel_copy_ns = b.kernel_copy_ns;
    out.kernel_other_ns = b.kernel_other_ns;
    out.runq_ns = b.runq_ns;
    for (std::uint32_t slot = 0; slot < IOP_SLOT_COUNT; ++slot) {
        if (b.blocked_ns[slot] > 0) {
            out.blocked_by[slot_name(slot)] += b.blocked_ns[slot];
            out.blocked_ns += b.blocked_ns[slot];
        }
    }
    return out;
}

// The same charge as the BPF side's charge(): the time from the thread's last transition to
// `end_ns` goes to the bucket of the state it is in.
void charge_until(iop_thread &t, std::uint64_t end_ns) {
    if (end_ns <= t.last_ns) {
        return;
    }
    const std::uint64_t delta = end_ns - t.last_ns;
    t.last_ns = end_ns;
    switch (t.state) {
        case IOP_ST_ONCPU:
            if (!t.in_call) {
                t.budget.user_ns += delta;
            } else if (t.copying) {
                t.budget.kernel_copy_ns += delta;
                t.call_copy_ns += delta;
            } else {
                t.budget.kernel_other_ns += delta;
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

SyscallStats to_stats(std::uint32_t slot, std::uint32_t fd_kind, const iop_sys_stats &s) {
    SyscallStats out;
    out.name = slot_name(slot);
    out.fd_kind = fd_kind_name(fd_kind);
    out.count = s.count;
    out.errors = s.errors;
    out.eagain = s.eagain;
    out.total_ns = s.total_ns;
    out.wait_ns = s.wait_ns;
    out.runq_ns = s.runq_ns;
    out.copy_ns = s.copy_ns;
    const std::uint64_t parts = s.wait_ns + s.runq_ns + s.copy_ns;
    out.kernel_ns = s.total_ns > parts ? s.total_ns - parts : 0;
    out.bytes = s.bytes;
    std::copy(std::begin(s.hist), std::end(s.hist), out.hist_log2_ns.begin());
    out.multiplexer = slot_is_multiplexer(slot);
    out.fds_asked = s.fds_asked;
    out.fds_ready = s.fds_ready;
    out.timeouts = s.timeouts;
    return out;
}

// A call still inside the kernel when the trace ends: its time so far, counted as in flight.
SyscallStats in_flight_call(const iop_thread &t, std::uint64_t end_ns) {
    iop_sys_stats s{};
    s.total_ns = end_ns > t.call_start_ns ? end_ns - t.call_start_ns : 0;
    s.wait_ns = t.call_wait_ns;
    s.runq_ns = t.call_runq_ns;
    s.copy_ns = t.call_copy_ns;
    SyscallStats out = to_stats(t.slot, t.fd_kind, s);
    out.in_flight = 1;
    return out;
}

// Adds `stats` to the row with the same name and fd kind, or appends it.
void merge_row(std::vector<SyscallStats> &rows, const SyscallStats &stats) {
    auto it = std::find_if(rows.begin(), rows.end(), [&](const SyscallStats &row) {
        return row.name == stats.name && row.fd_kind == stats.fd_kind;
    });
    if (it == rows.end()) {
        rows.push_back(stats);
    } else {
        *it += stats;
    }
}

void sort_rows(std::vector<SyscallStats> &rows) {
    std::sort(rows.begin(), rows.end(), [](const SyscallStats &a, const SyscallStats &b) {
        return a.total_ns != b.total_ns ? a.total_ns > b.total_ns : a.name < b.name;
    });
}

ProcessFacts to_facts(const iop_proc &p) {
    ProcessFacts f;
    f.epoll_ctl_et = p.epoll_ctl_et;
    f.epoll_ctl_lt = p.epoll_ctl_lt;
    f.set_nonblock = p.set_nonblock;
    f.set_async = p.set_async;
    f.set_own = p.set_own;
    f.set_sig = p.set_sig;
    f.io_uring_setups = p.io_uring_setups;
    f.threads_created = p.threads_created;
    f.processes_created = p.processes_created;
    f.signals_received = p.io_signals_taken;
    return f;
}

SignalStats to_signals(const iop_proc &p) {
    SignalStats s;
    s.generated = p.io_signals;
    s.coalesced = p.io_signals_coalesced;
    s.overflow = p.io_signals_overflow;
    s.taken = p.io_signals_taken;
    s.delay_samples = p.signal_delay_samples;
    s.delay_ns = p.signal_delay_ns;
    s.to_read_samples = p.signal_to_read_samples;
    s.to_read_ns = p.signal_to_read_ns;
    return s;
}

// Calls fn(key, sum) for every entry of a per-CPU hash map, its values summed over CPUs
// by add(sum, one_cpu).
template <typename Key, typename Value, typename Add, typename Fn>
void for_each_percpu_entry(int fd, Add &&add, Fn &&fn) {
    const int ncpus = std::max(libbpf_num_possible_cpus(), 1);
    std::vector<Value> per_cpu(static_cast<std::size_t>(ncpus));
    Key key{};
    Key next{};
    Key *prev = nullptr;
    while (bpf_map_get_next_key(fd, prev, &next) == 0) {
        if (bpf_map_lookup_elem(fd, &next, per_cpu.data()) == 0) {
            Value sum{};
            for (const auto &cpu : per_cpu) {
                add(sum, cpu);
            }
            fn(next, sum);
        }
        key = next;
        prev = &key;
    }
}

void add_sys_stats(iop_sys_stats &sum, const iop_sys_stats &cpu) {
    sum.count += cpu.count;
    sum.errors += cpu.errors;
    sum.eagain += cpu.eagain;
    sum.total_ns += cpu.total_ns;
    sum.wait_ns += cpu.wait_ns;
    sum.runq_ns += cpu.runq_ns;
    sum.copy_ns += cpu.copy_ns;
    sum.bytes += cpu.bytes;
    sum.fds_asked += cpu.fds_asked;
    sum.fds_ready += cpu.fds_ready;
    sum.timeouts += cpu.timeouts;
    for (int i = 0; i < IOP_HIST_SLOTS; ++i) {
        sum.hist[i] += cpu.hist[i];
    }
}

void add_uring_stats(iop_uring_stats &sum, const iop_uring_stats &cpu) {
    sum.submitted += cpu.submitted;
    sum.completions += cpu.completions;
    sum.errors += cpu.errors;
    sum.cancelled += cpu.cancelled;
    sum.bytes += cpu.bytes;
    sum.lifetime_ns += cpu.lifetime_ns;
    sum.ready_waits += cpu.ready_waits;
    sum.ready_wait_ns += cpu.ready_wait_ns;
    sum.async_punts += cpu.async_punts;
    for (int i = 0; i < IOP_URING_WHERE_COUNT; ++i) {
        sum.where[i] += cpu.where[i];
    }
    for (int i = 0; i < IOP_HIST_SLOTS; ++i) {
        sum.hist[i] += cpu.hist[i];
    }
}

IoUringOpStats to_uring_stats(std::uint32_t opcode, const iop_uring_stats &s) {
    IoUringOpStats out;
    out.opcode = io_uring_opcode_name(opcode);
    out.submitted = s.submitted;
    out.completions = s.completions;
    out.errors = s.errors;
    out.cancelled = s.cancelled;
    out.bytes = s.bytes;
    out.lifetime_ns = s.lifetime_ns;
    out.ready_waits = s.ready_waits;
    out.ready_wait_ns = s.ready_wait_ns;
    out.async_punts = s.async_punts;
    out.completed_inline = s.where[IOP_URING_INLINE];
    out.completed_task_work = s.where[IOP_URING_TASK_WORK];
    out.completed_iowq = s.where[IOP_URING_IOWQ];
    out.completed_elsewhere = s.where[IOP_URING_ELSEWHERE];
    std::copy(std::begin(s.hist), std::end(s.hist), out.hist_log2_ns.begin());
    return out;
}

struct ProcessParts {
    std::vector<ThreadReport> threads;
    std::map<pid_t, std::vector<SyscallStats>> syscalls_by_tid;
    bool have_proc = false;
    iop_proc proc{};
    std::vector<IoUringOpStats> io_uring;
};

}  // namespace

std::vector<ProcessReport> collect_processes(const MapFds &fds, std::uint64_t end_ns,
                                             std::map<pid_t, ProcessInfo> &known) {
    std::map<pid_t, ProcessParts> parts;

    for_each_entry<std::uint32_t, iop_thread>(fds.threads, [&](std::uint32_t tid, iop_thread t) {
        charge_until(t, end_ns);
        ThreadReport row;
        row.tid = static_cast<pid_t>(tid);
        row.comm = t.comm;
        // A snapshot races with the BPF side, which may have charged a little past end_ns.
        const std::uint64_t until = std::max<std::uint64_t>(end_ns, t.last_ns);
        row.budget = to_budget(t.budget, until - std::min<std::uint64_t>(until, t.first_ns));
        auto &proc = parts[static_cast<pid_t>(t.tgid)];
        if (t.in_call) {
            proc.syscalls_by_tid[row.tid].push_back(in_flight_call(t, end_ns));
        }
        proc.threads.push_back(std::move(row));
    });
    for_each_entry<std::uint32_t, iop_thread>(
        fds.dead_threads, [&](std::uint32_t tid, const iop_thread &t) {
            ThreadReport row;
            row.tid = static_cast<pid_t>(tid);
            row.comm = t.comm;
            row.exited = true;
            row.budget =
                to_budget(t.budget, t.exit_ns - std::min<std::uint64_t>(t.exit_ns, t.first_ns));
            parts[static_cast<pid_t>(t.tgid)].threads.push_back(std::move(row));
        });
    for_each_entry<std::uint32_t, iop_proc>(fds.procs, [&](std::uint32_t tgid, const iop_proc &p) {
        auto &proc = parts[static_cast<pid_t>(tgid)];
        proc.have_proc = true;
        proc.proc = p;
    });

    for_each_percpu_entry<iop_sys_key, iop_sys_stats>(
        fds.sys_stats, add_sys_stats, [&](const iop_sys_key &key, const iop_sys_stats &sum) {
            parts[static_cast<pid_t>(key.tgid)]
                .syscalls_by_tid[static_cast<pid_t>(key.tid)]
                .push_back(to_stats(key.slot, key.fd_kind, sum));
        });
    if (fds.uring_stats >= 0) {
        for_each_percpu_entry<iop_uring_key, iop_uring_stats>(
            fds.uring_stats, add_uring_stats,
            [&](const iop_uring_key &key, const iop_uring_stats &sum) {
                parts[static_cast<pid_t>(key.tgid)].io_uring.push_back(
                    to_uring_stats(key.opcode, sum));
            });
    }

    std::vector<ProcessReport> processes;
    for (auto &[pid, part] : parts) {
        ProcessReport proc;
        proc.pid = pid;
        const bool alive = procfs::process_alive(pid);
        auto &info = known[pid];
        if (alive) {
            if (auto comm = procfs::read_comm(pid, pid); !comm.empty()) {
                info.comm = comm;
            }
            if (auto cmdline = procfs::read_cmdline(pid); !cmdline.empty()) {
                info.cmdline = cmdline;
            }
        }
        // The BPF side renames a thread at exec; a name noted before an exec is stale.
        const auto main_thread =
            std::find_if(part.threads.begin(), part.threads.end(),
                         [pid](const ThreadReport &t) { return t.tid == pid; });
        if (!alive && main_thread != part.threads.end() && main_thread->comm != info.comm) {
            info.comm = main_thread->comm;
            info.cmdline.clear();
        }
        proc.comm = info.comm;
        proc.cmdline = info.cmdline;
        proc.exited = !alive || (part.have_proc && part.proc.exited);
        if (part.have_proc) {
            proc.parent_pid = static_cast<pid_t>(part.proc.parent_tgid);
            proc.facts = to_facts(part.proc);
            proc.signals = to_signals(part.proc);
            proc.budget = to_budget(part.proc.dead_budget, part.proc.dead_wall_ns);
        }
        std::sort(part.threads.begin(), part.threads.end(),
                  [](const ThreadReport &a, const ThreadReport &b) { return a.tid < b.tid; });
        for (auto &thread : part.threads) {
            for (const auto &row : part.syscalls_by_tid[thread.tid]) {
                merge_row(thread.syscalls, row);
            }
            sort_rows(thread.syscalls);
            if (!thread.exited) {
                proc.budget += thread.budget;  // exited ones are already in dead_budget
            }
            if (proc.comm.empty() && thread.tid == pid) {
                proc.comm = thread.comm;
            }
        }
        for (const auto &[tid, rows] : part.syscalls_by_tid) {
            for (const auto &row : rows) {
                merge_row(proc.syscalls, row);
            }
        }
        sort_rows(proc.syscalls);
        if (proc.comm.empty() && !part.threads.empty()) {
            proc.comm = part.threads.front().comm;
        }
        proc.threads = std::move(part.threads);
        std::sort(part.io_uring.begin(), part.io_uring.end(),
                  [](const IoUringOpStats &a, const IoUringOpStats &b) {
                      return a.completions > b.completions;
                  });
        proc.io_uring = std::move(part.io_uring);
        processes.push_back(std::move(proc));
    }
    return processes;
}

std::uint64_t collect_drop(const MapFds &fds, std::uint32_t which) {
    const int ncpus = std::max(libbpf_num_possible_cpus(), 1);
    std::vector<std::uint64_t> per_cpu(static_cast<std::size_t>(ncpus));
    std::uint64_t total = 0;
    if (bpf_map_lookup_elem(fds.drops, &which, per_cpu.data()) == 0) {
        for (auto n : per_cpu) {
            total += n;
        }
    }
    return total;
}

std::uint64_t collect_drops(const MapFds &fds, std::uint32_t except) {
    std::uint64_t total = 0;
    for (std::uint32_t which = 0; which < IOP_DROP_COUNT; ++which) {
        if (which != except) {
            total += collect_drop(fds, which);
        }
    }
    return total;
}

}  // namespace iophase
