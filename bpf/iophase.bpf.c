// SPDX-License-Identifier: GPL-2.0
/* iophase: where a traced thread's wall-clock time goes, aggregated in the kernel.
 *
 * Every traced thread is, at any moment, in one state: on CPU (in user mode, in a syscall,
 * or in a syscall's copy phase), runnable on a run queue, or blocked. Each handler below
 * first charges the time since the thread's last transition to the bucket of the state it
 * was in (charge()), then moves it to the new state. Because every nanosecond goes to exactly
 * one bucket, the buckets add up to the thread's wall interval by construction.
 *
 * Attach points are tp_btf only (no kprobes, no fentry: see DESIGN.md), so nothing depends on
 * tracefs being mounted. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "iophase.h"
#include "maps.bpf.h"

/* Hash maps are not preallocated (BPF_F_NO_PREALLOC): preallocation costs milliseconds of
 * every attach, and memory then follows the targets instead of the maps' maximum sizes. */

#define EAGAIN 11
#define TASK_RUNNING 0
#define PF_EXITING 0x00000004
#define EPOLLET (1U << 31)
#define EPOLL_CTL_ADD 1
#define EPOLL_CTL_DEL 2
#define EPOLL_CTL_MOD 3
#define F_SETFL 4
#define F_SETOWN 8
#define F_SETSIG 10
#define F_SETOWN_EX 15
#define O_NONBLOCK 04000
#define O_ASYNC 020000
#define SOCK_NONBLOCK 04000
#define S_IFMT 0170000
#define S_IFSOCK 0140000
#define S_IFIFO 0010000
#define S_IFREG 0100000

/* Set by userspace before load. */
const volatile bool follow_children = false; /* trace processes forked by targets */
const volatile bool match_comm = false;      /* trace processes exec'ing target_comm */
const volatile char target_comm[IOP_COMM_LEN] = {};
const volatile __u64 target_cgroup_id = 0;    /* trace processes exec'ing in this cgroup */
const volatile bool timeline_enabled = false; /* send every transition to the ring buffer */
/* A command iophase started and holds before its exec: its time starts at the exec, so the
 * wait of the held child is not charged to the command. */
const volatile __u32 held_tgid = 0;
bool held_exec_seen = false;

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __uint(max_entries, 8192);
    __type(key, __u32); /* tgid */
    __type(value, __u8);
} targets SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, IOP_MAX_SYSCALL_NR);
    __type(key, __u32);   /* syscall number */
    __type(value, __u32); /* enum iop_slot */
} syscall_slot SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __uint(max_entries, 16384);
    __type(key, __u32); /* tid */
    __type(value, struct iop_thread);
} threads SEC(".maps");

/* Exited threads' last state, kept for their per-thread report rows. Their totals are also
 * folded into procs, so when this map is full a thread loses its row, never its time.
 * (A plain hash, not an LRU: an LRU is preallocated, which slows every attach.) */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __uint(max_entries, 4096);
    __type(key, __u32); /* tid */
    __type(value, struct iop_thread);
} dead_threads SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __uint(max_entries, 32768);
    __type(key, struct iop_sys_key);
    __type(value, struct iop_sys_stats);
} sys_stats SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __uint(max_entries, 8192);
    __type(key, __u32); /* tgid */
    __type(value, struct iop_proc);
} procs SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __uint(max_entries, 8192);
    __type(key, struct iop_epoll_key);
    __type(value, __s64);
} epoll_fds SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, IOP_DROP_COUNT);
    __type(key, __u32);
    __type(value, __u64);
} drops SEC(".maps");

/* Per-event timeline, used only when timeline_enabled (userspace sizes it before load). */
struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 4096);
} timeline SEC(".maps");

/* Per-CPU scratch for building a new thread entry (too large for the BPF stack). */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct iop_thread);
} thread_scratch SEC(".maps");

/* Zeroed templates for lookup_or_init (too large for the BPF stack). */
static const struct iop_sys_stats zero_stats;
static const struct iop_proc zero_proc;

static __always_inline void count_drop(__u32 which)
{
    __u64 *n = bpf_map_lookup_elem(&drops, &which);
    if (n)
        *n += 1;
}

/* A cheap first filter in front of the targets map: most events on a machine are not about
 * a target, and one array load rejects them where a hash lookup would cost a helper call.
 * A set byte means "maybe" (another pid may share it); the targets map decides. */
#define IOP_FILTER_SIZE 65536
__u8 maybe_target[IOP_FILTER_SIZE] = {};

static __always_inline bool may_be_target(__u32 tgid)
{
    return maybe_target[tgid & (IOP_FILTER_SIZE - 1)] != 0;
}

static __always_inline void add_target(__u32 tgid)
{
    __u8 yes = 1;
    maybe_target[tgid & (IOP_FILTER_SIZE - 1)] = 1;
    bpf_map_update_elem(&targets, &tgid, &yes, BPF_ANY);
}

static __always_inline bool is_target(__u32 tgid)
{
    return may_be_target(tgid) && bpf_map_lookup_elem(&targets, &tgid) != NULL;
}

static __always_inline struct iop_proc *proc_of(__u32 tgid)
{
    struct iop_proc *p = lookup_or_init(&procs, &tgid, &zero_proc);
    if (!p)
        count_drop(IOP_DROP_PROC_MAP_FULL);
    return p;
}

/* The thread's state, created on its first event if its process is a target. A thread
 * first seen at `now` in `state` starts its wall interval there (DESIGN.md, pitfalls). */
static __always_inline struct iop_thread *thread_of(struct task_struct *task, __u64 now,
                                                    __u32 state)
{
    /* tp_btf: BTF pointers are read directly, no helper call */
    __u32 tgid = task->tgid;
    if (!may_be_target(tgid))
        return NULL;
    __u32 tid = task->pid;
    struct iop_thread *t = bpf_map_lookup_elem(&threads, &tid);
    if (t)
        return t;
    if (!is_target(tgid))
        return NULL;
    if (tgid == held_tgid && !held_exec_seen)
        return NULL;
    /* An exiting task was already folded into its process; do not resurrect it. */
    if (task->flags & PF_EXITING)
        return NULL;
    __u32 zero = 0;
    struct iop_thread *fresh = bpf_map_lookup_elem(&thread_scratch, &zero);
    if (!fresh)
        return NULL;
    __builtin_memset(fresh, 0, sizeof(*fresh));
    fresh->tgid = tgid;
    fresh->state = state;
    fresh->first_ns = now;
    fresh->last_ns = now;
    BPF_CORE_READ_STR_INTO(&fresh->comm, task, comm);
    if (bpf_map_update_elem(&threads, &tid, fresh, BPF_NOEXIST) == -E2BIG)
        count_drop(IOP_DROP_THREAD_MAP_FULL);
    return bpf_map_lookup_elem(&threads, &tid);
}

/* Charges the time since the last transition to the bucket of the current state. */
static __always_inline void charge(struct iop_thread *t, __u64 now)
{
    if (now <= t->last_ns)
        return;
    __u64 delta = now - t->last_ns;
    t->last_ns = now;
    switch (t->state) {
    case IOP_ST_ONCPU:
        if (!t->in_call) {
            t->budget.user_ns += delta;
        } else if (t->copying) {
            t->budget.kernel_copy_ns += delta;
            t->call_copy_ns += delta;
        } else {
            t->budget.kernel_other_ns += delta;
        }
        break;
    case IOP_ST_RUNQ:
        t->budget.runq_ns += delta;
        if (t->in_call)
            t->call_runq_ns += delta;
        break;
    case IOP_ST_BLOCKED: {
        __u32 slot = t->in_call ? t->slot : IOP_SLOT_NONE;
        if (slot < IOP_SLOT_COUNT)
            t->budget.blocked_ns[slot] += delta;
        if (t->in_call)
            t->call_wait_ns += delta;
        break;
    }
    }
}

/* Tells the timeline where the thread is now (after a transition). */
static __always_inline void emit(const struct iop_thread *t, __u32 tid, __u64 now, bool exited)
{
    if (!timeline_enabled)
        return;
    struct iop_event *e = bpf_ringbuf_reserve(&timeline, sizeof(*e), 0);
    if (!e) {
        count_drop(IOP_DROP_TIMELINE_FULL);
        return;
    }
    __u32 state;
    if (exited)
        state = IOP_TL_EXITED;
    else if (t->state == IOP_ST_RUNQ)
        state = IOP_TL_RUNQ;
    else if (t->state == IOP_ST_BLOCKED)
        state = IOP_TL_BLOCKED;
    else if (!t->in_call)
        state = IOP_TL_USER;
    else
        state = t->copying ? IOP_TL_COPY : IOP_TL_KERNEL;
    e->ts = now;
    e->tgid = t->tgid;
    e->tid = tid;
    e->state = state;
    e->in_call = t->in_call;
    e->slot = t->slot;
    e->pad = 0;
    /* No wakeup per event: userspace drains the buffer on a timer, which keeps the cost of
     * the timeline to a copy (a wakeup would cost microseconds on every transition). */
    bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
}

static __always_inline __u32 slot_of(long nr)
{
    if (nr < 0 || nr >= IOP_MAX_SYSCALL_NR)
        return IOP_SLOT_OTHER;
    __u32 key = nr;
    __u32 *slot = bpf_map_lookup_elem(&syscall_slot, &key);
    return (slot && *slot) ? *slot : IOP_SLOT_OTHER;
}

static __always_inline __u32 fd_kind_of(int fd)
{
    /* task -> files -> fdt are trusted BTF pointers: plain loads, no helper calls. */
    struct fdtable *fdt = bpf_get_current_task_btf()->files->fdt;
    if (!fdt || fd < 0 || (unsigned int)fd >= fdt->max_fds)
        return IOP_FD_OTHER;
    /* Indexing by a variable leaves BTF: from here on, probe reads. */
    struct file *file = NULL;
    bpf_probe_read_kernel(&file, sizeof(file), &fdt->fd[fd]);
    if (!file)
        return IOP_FD_OTHER;
    switch (BPF_CORE_READ(file, f_inode, i_mode) & S_IFMT) {
    case S_IFSOCK:
        return IOP_FD_SOCKET;
    case S_IFIFO:
        return IOP_FD_PIPE;
    case S_IFREG:
        return IOP_FD_FILE;
    default:
        return IOP_FD_OTHER;
    }
}

static __always_inline bool is_multiplexer(__u32 slot)
{
    return slot >= IOP_SLOT_SELECT && slot <= IOP_SLOT_EPOLL_PWAIT2;
}

/* Calls that only work on sockets: their fd kind needs no lookup. */
static __always_inline bool socket_only(__u32 slot)
{
    return (slot >= IOP_SLOT_ACCEPT && slot <= IOP_SLOT_ACCEPT4) ||
           (slot >= IOP_SLOT_RECVFROM && slot <= IOP_SLOT_RECVMMSG) ||
           (slot >= IOP_SLOT_SENDTO && slot <= IOP_SLOT_SENDMMSG) || slot == IOP_SLOT_CONNECT;
}

static __always_inline bool moves_data(__u32 slot)
{
    return (slot >= IOP_SLOT_READ && slot <= IOP_SLOT_SENDFILE);
}

/* Fds a multiplexer call asks about, read from its arguments at entry. */
static __always_inline __u64 fds_asked_of(__u32 tgid, __u32 slot, const __u64 *arg)
{
    switch (slot) {
    case IOP_SLOT_SELECT:
    case IOP_SLOT_PSELECT6:
        return arg[0]; /* nfds */
    case IOP_SLOT_POLL:
    case IOP_SLOT_PPOLL:
        return arg[1]; /* nfds */
    default: {         /* epoll: the fds registered with this epoll instance */
        struct iop_epoll_key key = {.tgid = tgid, .epfd = (__s32)arg[0]};
        __s64 *n = bpf_map_lookup_elem(&epoll_fds, &key);
        return (n && *n > 0) ? *n : 0;
    }
    }
}

#include "signals.bpf.h"
#include "io_uring.bpf.h"

static __always_inline bool reads_data(__u32 slot)
{
    return (slot >= IOP_SLOT_READ && slot <= IOP_SLOT_RECVMMSG);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(on_sys_enter, struct pt_regs *regs, long nr)
{
    struct task_struct *task = bpf_get_current_task_btf();
    /* Reject other processes before reading the clock: under a VM the clock read costs
     * more than all the rest of a rejected event (tools/bench_overhead.sh). */
    if (!may_be_target(task->tgid))
        return 0;
    __u64 now = bpf_ktime_get_ns();
    struct iop_thread *t = thread_of(task, now, IOP_ST_ONCPU);
    if (!t)
        return 0;
    charge(t, now);
    t->state = IOP_ST_ONCPU;
    t->in_call = 1;
    t->copying = 0;
    t->slot = slot_of(nr);
    t->call_start_ns = now;
    t->call_wait_ns = 0;
    t->call_runq_ns = 0;
    t->call_copy_ns = 0;
    t->call_arg[0] = regs->di;
    t->call_arg[1] = regs->si;
    t->call_arg[2] = regs->dx;
    t->call_arg[3] = regs->r10;
    emit(t, task->pid, now, false);
    t->fd_kind = IOP_FD_NONE;
    __u32 slot = t->slot;
    if (reads_data(slot))
        on_read_after_signal(t, now);
    if (slot == IOP_SLOT_READ || slot == IOP_SLOT_READV || slot == IOP_SLOT_WRITE ||
        slot == IOP_SLOT_WRITEV)
        t->fd_kind = fd_kind_of((int)t->call_arg[0]);
    else if (socket_only(slot))
        t->fd_kind = IOP_FD_SOCKET;
    t->call_fds_asked = is_multiplexer(slot) ? fds_asked_of(t->tgid, slot, t->call_arg) : 0;
    if (slot == IOP_SLOT_EPOLL_CTL) {
        /* Keep the EPOLLET bit of the event for the exit handler. */
        __u32 events = 0;
        if (t->call_arg[3])
            bpf_probe_read_user(&events, sizeof(events), (void *)t->call_arg[3]);
        t->call_fds_asked = events; /* reused: epoll_ctl is no multiplexer */
    }
    return 0;
}

/* Setup calls whose success tells the classifier how the process does its I/O. */
static __always_inline void record_facts(struct iop_thread *t, long ret)
{
    if (ret < 0)
        return;
    const __u64 *arg = t->call_arg;
    struct iop_proc *p;
    switch (t->slot) {
    case IOP_SLOT_EPOLL_CTL: {
        struct iop_epoll_key key = {.tgid = t->tgid, .epfd = (__s32)arg[0]};
        __s64 one = 0;
        __s64 *n = lookup_or_init(&epoll_fds, &key, &one);
        if (!n) {
            count_drop(IOP_DROP_EPOLL_MAP_FULL);
        } else if (arg[1] == EPOLL_CTL_ADD) {
            __sync_fetch_and_add(n, 1);
        } else if (arg[1] == EPOLL_CTL_DEL) {
            __sync_fetch_and_add(n, -1);
        }
        if (arg[1] != EPOLL_CTL_ADD && arg[1] != EPOLL_CTL_MOD)
            return;
        if (!(p = proc_of(t->tgid)))
            return;
        if (t->call_fds_asked & EPOLLET)
            __sync_fetch_and_add(&p->epoll_ctl_et, 1);
        else
            __sync_fetch_and_add(&p->epoll_ctl_lt, 1);
        return;
    }
    case IOP_SLOT_FCNTL:
        if (!(p = proc_of(t->tgid)))
            return;
        if (arg[1] == F_SETFL && (arg[2] & O_NONBLOCK))
            __sync_fetch_and_add(&p->set_nonblock, 1);
        if (arg[1] == F_SETFL && (arg[2] & O_ASYNC))
            __sync_fetch_and_add(&p->set_async, 1);
        if (arg[1] == F_SETOWN || arg[1] == F_SETOWN_EX)
            __sync_fetch_and_add(&p->set_own, 1);
        if (arg[1] == F_SETSIG)
            __sync_fetch_and_add(&p->set_sig, 1);
        return;
    case IOP_SLOT_ACCEPT4:
    case IOP_SLOT_SOCKET: {
        __u64 flags = t->slot == IOP_SLOT_ACCEPT4 ? arg[3] : arg[1];
        if ((flags & SOCK_NONBLOCK) && (p = proc_of(t->tgid)))
            __sync_fetch_and_add(&p->set_nonblock, 1);
        return;
    }
    case IOP_SLOT_IO_URING_SETUP:
        if ((p = proc_of(t->tgid)))
            __sync_fetch_and_add(&p->io_uring_setups, 1);
        return;
    }
}

SEC("tp_btf/sys_exit")
int BPF_PROG(on_sys_exit, struct pt_regs *regs, long ret)
{
    struct task_struct *task = bpf_get_current_task_btf();
    if (!may_be_target(task->tgid))
        return 0;
    __u64 now = bpf_ktime_get_ns();
    struct iop_thread *t = thread_of(task, now, IOP_ST_ONCPU);
    if (!t)
        return 0;
    charge(t, now);
    t->state = IOP_ST_ONCPU;
    if (!t->in_call)
        return 0; /* its entry was not seen (first event of this thread) */
    t->in_call = 0;
    t->copying = 0;
    __u32 tid = task->pid;
    emit(t, tid, now, false);

    struct iop_sys_key key = {.tgid = t->tgid, .tid = tid, .slot = t->slot, .fd_kind = t->fd_kind};
    struct iop_sys_stats *s = lookup_or_init(&sys_stats, &key, &zero_stats);
    if (!s) {
        count_drop(IOP_DROP_SYS_MAP_FULL);
    } else {
        __u64 total = now - t->call_start_ns;
        s->count += 1;
        s->total_ns += total;
        s->wait_ns += t->call_wait_ns;
        s->runq_ns += t->call_runq_ns;
        s->copy_ns += t->call_copy_ns;
        if (ret < 0)
            s->errors += 1;
        if (ret == -EAGAIN)
            s->eagain += 1;
        if (ret > 0 && moves_data(t->slot))
            s->bytes += ret;
        if (is_multiplexer(t->slot)) {
            s->fds_asked += t->call_fds_asked;
            if (ret > 0)
                s->fds_ready += ret;
            if (ret == 0)
                s->timeouts += 1;
        }
        __u32 h = log2_u64(total);
        if (h >= IOP_HIST_SLOTS)
            h = IOP_HIST_SLOTS - 1;
        s->hist[h] += 1;
    }
    if (t->slot == IOP_SLOT_RT_SIGTIMEDWAIT)
        on_sigwait_exit(t, ret, now);
    record_facts(t, ret);
    return 0;
}

/* Phase 2 starts at the first copy of socket data into the caller's buffer. It fires in the
 * context of the copying thread, including io_uring task work on the submitting thread. */
SEC("tp_btf/skb_copy_datagram_iovec")
int BPF_PROG(on_skb_copy, const struct sk_buff *skb, int len)
{
    struct task_struct *task = bpf_get_current_task_btf();
    if (!may_be_target(task->tgid))
        return 0;
    __u32 tid = task->pid;
    struct iop_thread *t = bpf_map_lookup_elem(&threads, &tid);
    if (!t || !t->in_call || t->copying)
        return 0;
    __u64 now = bpf_ktime_get_ns();
    charge(t, now);
    t->copying = 1;
    emit(t, tid, now, false);
    return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(on_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
             unsigned int prev_state)
{
    if (!may_be_target(prev->tgid) && !may_be_target(next->tgid))
        return 0;
    __u64 now = bpf_ktime_get_ns();
    struct iop_thread *t = thread_of(prev, now, IOP_ST_ONCPU);
    if (t) {
        charge(t, now);
        /* Still runnable means preempted: run-queue time; anything else is asleep. */
        t->state = (preempt || prev_state == TASK_RUNNING) ? IOP_ST_RUNQ : IOP_ST_BLOCKED;
        emit(t, prev->pid, now, false);
    }
    t = thread_of(next, now, IOP_ST_RUNQ);
    if (t) {
        charge(t, now);
        t->state = IOP_ST_ONCPU;
        emit(t, next->pid, now, false);
    }
    return 0;
}

/* Runs in the waker's context (often softirq): use the task argument, never current. */
static __always_inline void on_wakeup(struct task_struct *task)
{
    if (!may_be_target(task->tgid))
        return;
    __u64 now = bpf_ktime_get_ns();
    struct iop_thread *t = thread_of(task, now, IOP_ST_BLOCKED);
    /* A wakeup of a task not yet switched out (it had only set its state) changes nothing. */
    if (!t || t->state != IOP_ST_BLOCKED)
        return;
    charge(t, now);
    t->state = IOP_ST_RUNQ;
    emit(t, task->pid, now, false);
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(on_sched_wakeup, struct task_struct *task)
{
    on_wakeup(task);
    return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(on_sched_wakeup_new, struct task_struct *task)
{
    on_wakeup(task);
    return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_process_fork, struct task_struct *parent, struct task_struct *child)
{
    __u32 parent_tgid = parent->tgid;
    if (!is_target(parent_tgid))
        return 0;
    __u32 child_tgid = child->tgid;
    struct iop_proc *p = proc_of(parent_tgid);
    if (child_tgid == parent_tgid) {
        if (p)
            __sync_fetch_and_add(&p->threads_created, 1);
        return 0;
    }
    if (p)
        __sync_fetch_and_add(&p->processes_created, 1);
    if (!follow_children)
        return 0;
    add_target(child_tgid);
    struct iop_proc *c = proc_of(child_tgid);
    if (c)
        c->parent_tgid = parent_tgid;
    return 0;
}

static __always_inline bool comm_matches(const char *comm)
{
    for (int i = 0; i < IOP_COMM_LEN; i++) {
        if (comm[i] != target_comm[i])
            return false;
        if (comm[i] == '\0')
            return true;
    }
    return true;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_process_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
    __u32 tgid = BPF_CORE_READ(task, tgid);
    char comm[IOP_COMM_LEN];
    BPF_CORE_READ_STR_INTO(&comm, task, comm);
    if (!is_target(tgid)) {
        bool wanted = (match_comm && comm_matches(comm)) ||
                      (target_cgroup_id && bpf_get_current_cgroup_id() == target_cgroup_id);
        if (!wanted)
            return 0;
        add_target(tgid);
        return 0;
    }
    if (tgid == held_tgid)
        held_exec_seen = true;
    __u32 tid = BPF_CORE_READ(task, pid);
    struct iop_thread *t = bpf_map_lookup_elem(&threads, &tid);
    if (t)
        __builtin_memcpy(t->comm, comm, sizeof(comm));
    return 0;
}

/* Folds an exiting thread into its process and frees its map entry, so thread ids that come
 * and go do not fill the map; the last state stays in dead_threads for the per-thread row. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_process_exit, struct task_struct *task, bool group_dead)
{
    __u32 tid = BPF_CORE_READ(task, pid);
    struct iop_thread *t = bpf_map_lookup_elem(&threads, &tid);
    if (!t)
        return 0;
    __u64 now = bpf_ktime_get_ns();
    charge(t, now);
    t->exit_ns = now;
    emit(t, tid, now, true);
    struct iop_proc *p = proc_of(t->tgid);
    if (p) {
        __sync_fetch_and_add(&p->dead_threads, 1);
        __sync_fetch_and_add(&p->dead_wall_ns, now - t->first_ns);
        __sync_fetch_and_add(&p->dead_budget.user_ns, t->budget.user_ns);
        __sync_fetch_and_add(&p->dead_budget.kernel_copy_ns, t->budget.kernel_copy_ns);
        __sync_fetch_and_add(&p->dead_budget.kernel_other_ns, t->budget.kernel_other_ns);
        __sync_fetch_and_add(&p->dead_budget.runq_ns, t->budget.runq_ns);
        for (int i = 0; i < IOP_SLOT_COUNT; i++)
            __sync_fetch_and_add(&p->dead_budget.blocked_ns[i], t->budget.blocked_ns[i]);
        if (group_dead)
            p->exited = 1;
    }
    if (group_dead) {
        /* The pid may be reused by an unrelated process: stop tracing it. */
        __u32 tgid = t->tgid;
        bpf_map_delete_elem(&targets, &tgid);
    }
    bpf_map_update_elem(&dead_threads, &tid, t, BPF_ANY);
    bpf_map_delete_elem(&threads, &tid);
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
