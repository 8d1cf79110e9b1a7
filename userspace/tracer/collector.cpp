#include "tracer/collector.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <type_traits>

#include "common/unique_fd.h"
#include "tracer/io_uring_names.h"
#include "tracer/procfs.h"
#include "tracer/syscall_names.h"
#include "tracer/syscall_table.h"
#include "tracer/thread_rows.h"

static_assert(iophase::kHistSlots == IOP_HIST_SLOTS,
              "the report and the BPF side must have the same histogram slots");

namespace iophase {
namespace {

// Every field of these BPF values is a __u64 counter (bpf/iophase.h), so a per-CPU sum is an
// element-wise sum and follows any field added to them.
template <typename Value>
void add_counters(Value &sum, const Value &cpu) {
    static_assert(std::is_standard_layout_v<Value> && sizeof(Value) % sizeof(__u64) == 0);
    __u64 words[sizeof(Value) / sizeof(__u64)];
    __u64 add[sizeof(Value) / sizeof(__u64)];
    std::memcpy(words, &sum, sizeof(Value));
    std::memcpy(add, &cpu, sizeof(Value));
    for (std::size_t i = 0; i < std::size(words); ++i) {
        words[i] += add[i];
    }
    std::memcpy(&sum, words, sizeof(Value));
}

// Calls fn(key, value) for every entry of a hash map (entries are never deleted from the
// maps read this way, so the walk visits each once).
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

// The same for a per-CPU hash map, its values summed over CPUs.
template <typename Key, typename Value, typename Fn>
void for_each_percpu_entry(int fd, Fn &&fn) {
    const int ncpus = std::max(libbpf_num_possible_cpus(), 1);
    std::vector<Value> per_cpu(static_cast<std::size_t>(ncpus));
    Key key{};
    Key next{};
    Key *prev = nullptr;
    while (bpf_map_get_next_key(fd, prev, &next) == 0) {
        if (bpf_map_lookup_elem(fd, &next, per_cpu.data()) == 0) {
            Value sum{};
            for (const auto &cpu : per_cpu) {
                add_counters(sum, cpu);
            }
            fn(next, sum);
        }
        key = next;
        prev = &key;
    }
}

std::vector<LiveThread> read_live_threads(int iter_link_fd) {
    std::vector<LiveThread> live;
    const UniqueFd fd(bpf_iter_create(iter_link_fd));
    if (!fd) {
        return live;
    }
    std::vector<char> data;
    char chunk[1 << 16];
    for (;;) {
        const ssize_t n = read(fd.get(), chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        data.insert(data.end(), chunk, chunk + n);
    }
    constexpr std::size_t kRecord = sizeof(iop_live_head) + sizeof(iop_thread);
    for (std::size_t at = 0; at + kRecord <= data.size(); at += kRecord) {
        iop_live_head head;
        LiveThread thread;
        std::memcpy(&head, data.data() + at, sizeof(head));
        std::memcpy(&thread.state, data.data() + at + sizeof(head), sizeof(iop_thread));
        thread.tid = static_cast<pid_t>(head.tid);
        thread.seeded = head.seeded != 0;
        live.push_back(thread);
    }
    return live;
}

SyscallStats to_stats(const iop_sys_key &key, const iop_sys_stats &s) {
    SyscallStats out;
    out.nr = key.nr;
    out.name = syscall_name(key.nr);
    out.kind = slot_kind(slot_of_syscall(key.nr), key.fd_kind);
    out.fd_kind = fd_kind_name(key.fd_kind);
    out.multiplexer = out.kind.role == SyscallRole::multiplexer;
    out.count = s.count;
    out.unfinished = s.unfinished;
    out.errors = s.errors;
    out.eagain = s.eagain;
    out.total_ns = s.total_ns;
    out.wait_ns = s.wait_ns;
    out.runq_ns = s.runq_ns;
    out.copy_ns = s.copy_ns;
    out.irq_ns = s.irq_ns;
    out.stolen_ns = s.stolen_ns;
    const std::uint64_t parts = s.wait_ns + s.runq_ns + s.copy_ns + s.irq_ns + s.stolen_ns;
    out.kernel_ns = s.total_ns > parts ? s.total_ns - parts : 0;
    out.bytes = s.bytes;
    out.fds_asked = s.fds_asked;
    out.fds_ready = s.fds_ready;
    out.timeouts = s.timeouts;
    out.ready_samples = s.ready_samples;
    out.ready_from_socket = s.ready_from_socket;
    out.wait_for_data_ns = s.wait_for_data_ns;
    out.wakeup_ns = s.wakeup_ns;
    out.ready_to_exit_ns = s.ready_to_exit_ns;
    std::copy(std::begin(s.hist), std::end(s.hist), out.hist_log2_ns.begin());
    std::copy(std::begin(s.copy_hist), std::end(s.copy_hist), out.copy_hist_log2_ns.begin());
    return out;
}

IoUringOpStats to_uring_stats(std::uint32_t opcode, const iop_uring_stats &s) {
    IoUringOpStats out;
    out.opcode = io_uring_opcode_name(opcode);
    out.submitted = s.submitted;
    out.completions = s.completions;
    out.errors = s.errors;
    out.cancelled = s.cancelled;
    out.bytes = io_uring_opcode_moves_data(out.opcode) ? s.bytes : 0;
    out.lifetime_ns = s.lifetime_ns;
    out.ready_waits = s.ready_waits;
    out.ready_wait_ns = s.ready_wait_ns;
    out.async_punts = s.async_punts;
    out.copy_ns = s.copy_ns;
    out.completed_inline = s.where[IOP_URING_INLINE];
    out.completed_task_work = s.where[IOP_URING_TASK_WORK];
    out.completed_iowq = s.where[IOP_URING_IOWQ];
    out.completed_elsewhere = s.where[IOP_URING_ELSEWHERE];
    std::copy(std::begin(s.hist), std::end(s.hist), out.hist_log2_ns.begin());
    return out;
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
    f.accepted = p.accepted;
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

// The budget names blocked time by the slot it was spent in, and the calls without a role
// share the slot "other"; the process's syscall rows have that time by name.
void name_other_waits(Budget &budget, const std::vector<SyscallStats> &rows) {
    auto other = budget.blocked_by.find(slot_name(IOP_SLOT_OTHER));
    if (other == budget.blocked_by.end()) {
        return;
    }
    std::uint64_t left = other->second;
    budget.blocked_by.erase(other);
    for (const SyscallStats &row : rows) {
        if (row.kind.role == SyscallRole::none && row.wait_ns > 0 && left > 0) {
            const std::uint64_t ns = std::min(left, row.wait_ns);
            budget.blocked_by[row.name] += ns;
            left -= ns;
        }
    }
    if (left > 0) {
        budget.blocked_by[slot_name(IOP_SLOT_OTHER)] += left;  // rows lost to a full map
    }
}

struct ProcessParts {
    std::vector<ThreadReport> threads;
    std::vector<SyscallStats> syscalls;
    Budget live_budget;
    const iop_proc *proc = nullptr;
    std::vector<IoUringOpStats> io_uring;
};

void name_process(ProcessReport &proc, const std::vector<ThreadReport> &threads,
                  std::map<pid_t, ProcessInfo> &known) {
    const pid_t pid = proc.pid;
    const bool alive = procfs::process_alive(pid);
    auto &info = known[pid];
    if (alive) {
        if (auto comm = procfs::read_comm(pid, pid); !comm.empty()) {
            info.comm = comm;
        }
        if (auto cmdline = procfs::read_cmdline(pid); !cmdline.empty()) {
            info.cmdline = cmdline;
        }
        if (const pid_t ppid = procfs::read_ppid(pid); ppid != 0) {
            info.ppid = ppid;
        }
    }
    // The BPF side renames a thread at exec; a name noted before an exec is stale.
    const auto main_thread = std::find_if(threads.begin(), threads.end(),
                                          [pid](const ThreadReport &t) { return t.tid == pid; });
    if (!alive && main_thread != threads.end() && main_thread->comm != info.comm) {
        info.comm = main_thread->comm;
        info.cmdline.clear();
    }
    proc.comm = info.comm;
    proc.cmdline = info.cmdline;
    proc.ppid = info.ppid != 0 ? info.ppid : proc.parent_pid;
    proc.facts.epoll_registered_et = info.epoll_registered_et;
    proc.facts.epoll_registered_lt = info.epoll_registered_lt;
    if (proc.comm.empty() && main_thread != threads.end()) {
        proc.comm = main_thread->comm;
    }
    if (proc.comm.empty() && !threads.empty()) {
        proc.comm = threads.front().comm;
    }
    proc.exited = !alive;
}

}  // namespace

KernelTables read_kernel_tables(const MapFds &fds, const std::function<void()> &drain_exits) {
    KernelTables tables;
    tables.live = read_live_threads(fds.thread_iter);
    for_each_entry<std::uint32_t, iop_proc>(fds.procs, [&](std::uint32_t tgid, const iop_proc &p) {
        tables.procs.emplace(static_cast<pid_t>(tgid), p);
    });
    drain_exits();
    for_each_percpu_entry<iop_sys_key, iop_sys_stats>(
        fds.sys_stats, [&](const iop_sys_key &key, const iop_sys_stats &s) {
            tables.syscalls.emplace_back(key, s);
        });
    for_each_percpu_entry<iop_uring_key, iop_uring_stats>(
        fds.uring_stats, [&](const iop_uring_key &key, const iop_uring_stats &s) {
            tables.io_uring.emplace_back(key, s);
        });
    return tables;
}

std::vector<ProcessReport> build_processes(const KernelTables &tables, ExitedThreads &exited,
                                           std::uint64_t end_ns,
                                           std::map<pid_t, ProcessInfo> &known) {
    std::map<pid_t, ProcessParts> parts;
    for (const auto &[tgid, p] : tables.procs) {
        parts[tgid].proc = &p;
    }
    for (const LiveThread &live : tables.live) {
        const auto tgid = static_cast<pid_t>(live.state.tgid);
        auto &part = parts[tgid];
        const std::uint64_t exits_counted = part.proc != nullptr ? part.proc->dead_threads : 0;
        if (exited.counted_in_fold(tgid, live.tid, live.state.first_ns, exits_counted)) {
            continue;  // it exited after the thread table was read: its row is an exit row
        }
        ThreadReport row = thread_row(live.tid, live.state, end_ns);
        part.live_budget += row.budget;
        if (live.state.in_call) {
            iop_thread state = live.state;
            charge_until(state, end_ns);  // the call's phases up to the end, like its budget
            merge_row(part.syscalls, in_flight_call(state, end_ns));
        }
        part.threads.push_back(std::move(row));
    }
    for (const auto &[key, s] : tables.syscalls) {
        merge_row(parts[static_cast<pid_t>(key.tgid)].syscalls, to_stats(key, s));
    }
    for (const auto &[key, s] : tables.io_uring) {
        parts[static_cast<pid_t>(key.tgid)].io_uring.push_back(to_uring_stats(key.opcode, s));
    }

    std::vector<ProcessReport> processes;
    for (auto &[pid, part] : parts) {
        ProcessReport proc;
        proc.pid = pid;
        if (part.proc != nullptr) {
            const iop_proc &p = *part.proc;
            proc.parent_pid = static_cast<pid_t>(p.parent_tgid);
            proc.facts = to_facts(p);
            proc.signals = to_signals(p);
            proc.budget = budget_of(p.dead_budget, p.dead_wall_ns);
            exited.forget_counted(pid, p.dead_threads);
        }
        proc.budget += part.live_budget;
        std::set<pid_t> live_tids;
        for (const ThreadReport &row : part.threads) {
            live_tids.insert(row.tid);
        }
        const std::uint64_t exits_counted = part.proc != nullptr ? part.proc->dead_threads : 0;
        for (ThreadReport &row : exited.rows(pid, exits_counted, live_tids)) {
            part.threads.push_back(std::move(row));
        }
        std::sort(part.threads.begin(), part.threads.end(),
                  [](const ThreadReport &a, const ThreadReport &b) {
                      // the folded row (tid 0) last
                      return (a.tid == 0) != (b.tid == 0) ? b.tid == 0 : a.tid < b.tid;
                  });
        name_process(proc, part.threads, known);
        proc.exited = proc.exited || (part.proc != nullptr && part.proc->exited);
        sort_rows(part.syscalls);
        name_other_waits(proc.budget, part.syscalls);
        proc.syscalls = std::move(part.syscalls);
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
