/* What every iophase BPF program shares: the maps, the configuration userspace sets before
 * load, and the moves of the per-thread state machine. Each concern has its own .bpf.c that
 * includes this header; the build links the objects into one (bpftool gen object), so the
 * __weak definitions below become one map or variable each.
 *
 * The state machine (docs/architecture.md): every traced thread is, at any moment, on a CPU
 * (in user mode, in a syscall, in a copy bracket, or interrupted by softirq/hardirq work),
 * runnable on a run queue, or blocked. Each handler first charges the time since the thread's
 * last transition to the bucket of the state it was in (charge()), then moves it to the new
 * state. Because every nanosecond goes to exactly one bucket, the buckets add up to the
 * thread's wall interval by construction. */
#ifndef IOPHASE_STATE_BPF_H
#define IOPHASE_STATE_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "iophase.h"
#include "maps.bpf.h"

#define TASK_RUNNING 0
#define PF_EXITING 0x00000004
#define NET_RX_SOFTIRQ 3

/* Set by userspace before load: the verifier prunes what they switch off. */
const volatile bool follow_children __weak = false; /* trace processes forked by targets */
const volatile bool match_comm __weak = false;      /* trace processes exec'ing target_comm */
const volatile char target_comm[IOP_COMM_LEN] __weak = {};
const volatile __u64 target_cgroup_id __weak = 0;    /* trace processes exec'ing in this cgroup */
const volatile bool timeline_enabled __weak = false; /* send every transition to the ring buffer */
/* A command iophase started and holds before its exec: its time starts at the exec, so the
 * wait of the held child is not charged to the command. */
const volatile __u32 held_tgid __weak = 0;
bool held_exec_seen __weak = false;

/* Hash maps are not preallocated (BPF_F_NO_PREALLOC): preallocation costs milliseconds of
 * every attach, and memory then follows the targets instead of the maps' maximum sizes. */

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __uint(max_entries, 16384);
    __type(key, __u32); /* tgid */
    __type(value, __u8);
} targets SEC(".maps") __weak;

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, IOP_MAX_SYSCALL_NR);
    __type(key, __u32);   /* syscall number */
    __type(value, __u32); /* enum iop_slot */
} syscall_slot SEC(".maps") __weak;

/* Per-thread state, freed by the kernel with the task: no entry to delete, no table to fill. */
struct {
    __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, int);
    __type(value, struct iop_thread);
} threads SEC(".maps") __weak;

/* Threads that existed at attach, in the state /proc showed (userspace writes them before
 * attach). A thread's first event moves its seed into its task storage. */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __uint(max_entries, 65536);
    __type(key, __u32); /* tid */
    __type(value, struct iop_thread);
} seeds SEC(".maps") __weak;

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __uint(max_entries, 65536);
    __type(key, struct iop_sys_key);
    __type(value, struct iop_sys_stats);
} sys_stats SEC(".maps") __weak;

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __uint(max_entries, 16384);
    __type(key, __u32); /* tgid */
    __type(value, struct iop_proc);
} procs SEC(".maps") __weak;

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, IOP_DROP_COUNT);
    __type(key, __u32);
    __type(value, __u64);
} drops SEC(".maps") __weak;

/* Per-event timeline, used only when timeline_enabled (userspace sizes it before load). */
struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 4096);
} timeline SEC(".maps") __weak;

/* Exited threads' last state, for their report rows; userspace drains it on a timer. */
struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 2 << 20);
} exits SEC(".maps") __weak;

/* The last moment data became ready on a socket a traced thread reads, per CPU: the wakeup
 * that follows on this CPU is that data's (see copy.bpf.c and sched.bpf.c). */
struct ready_mark {
    __u64 ts;
    __u32 tgid;
    __u32 pad;
};

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct ready_mark);
} ready_marks SEC(".maps") __weak;

char LICENSE[] SEC("license") __weak = "GPL";

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
__u8 maybe_target[IOP_FILTER_SIZE] __weak = {};

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

static const struct iop_proc zero_proc;

static __always_inline struct iop_proc *proc_of(__u32 tgid)
{
    struct iop_proc *p = lookup_or_init(&procs, &tgid, &zero_proc);
    if (!p)
        count_drop(IOP_DROP_PROC_MAP_FULL);
    return p;
}

/* The state of a live traced thread, or NULL. Callers have checked may_be_target() first.
 * A thread first seen at `now` in `state` starts its wall interval there, unless userspace
 * seeded it at attach from /proc (then it starts at the attach). */
static __always_inline struct iop_thread *thread_of(struct task_struct *task, __u64 now,
                                                    __u32 state)
{
    struct iop_thread *t = bpf_task_storage_get(&threads, task, 0, 0);
    if (t)
        return t->exit_ns ? NULL : t; /* an exited task was folded into its process */
    /* tp_btf: BTF pointers are read directly, no helper call */
    __u32 tgid = task->tgid;
    if (!is_target(tgid))
        return NULL;
    if (tgid == held_tgid && !held_exec_seen)
        return NULL;
    if (task->flags & PF_EXITING)
        return NULL;
    t = bpf_task_storage_get(&threads, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
    if (!t) {
        count_drop(IOP_DROP_THREAD_STORAGE);
        return NULL;
    }
    __u32 tid = task->pid;
    struct iop_thread *seed = bpf_map_lookup_elem(&seeds, &tid);
    if (seed && seed->tgid == tgid) {
        bpf_probe_read_kernel(t, sizeof(*t), seed);
        bpf_map_delete_elem(&seeds, &tid);
        return t;
    }
    t->tgid = tgid;
    t->state = state;
    t->first_ns = now;
    bpf_probe_read_kernel_str(t->comm, sizeof(t->comm), task->comm);
    /* last_ns last: until it is set, charge() on another CPU leaves the new state alone. */
    asm volatile("" ::: "memory");
    t->last_ns = now;
    return t;
}

/* The thread's state if it exists already: for events that never start tracing a thread. */
static __always_inline struct iop_thread *existing_thread(struct task_struct *task)
{
    struct iop_thread *t = bpf_task_storage_get(&threads, task, 0, 0);
    return (t && !t->exit_ns) ? t : NULL;
}

/* The copy time of direction `dir` (enum iop_copy, not IOP_COPY_NONE) that no io_uring
 * operation has taken yet. */
static __always_inline __u64 *pending_uring_copy(struct iop_thread *t, __u32 dir)
{
    return &t->uring_copy_ns[bounded_index(dir - IOP_COPY_IN, 2)];
}

/* KVM's steal clock of each CPU (struct kvm_steal_time, per-CPU variable steal_time): the
 * time, in ns, the host ran something else while this vCPU wanted to run. The host adds a
 * stall to it before the vCPU runs again, so a program that runs after the stall sees it.
 * Its address is not a ksym here (kernels without CONFIG_KALLSYMS_ALL cannot resolve a
 * per-CPU variable), so it is found from this CPU's run queue: both are per-CPU variables,
 * at offsets that the kernel's BTF gives and userspace subtracts (tracer/programs.cpp).
 * 0 where the kernel has no steal clock: steal is not measured there (docs/report.md). */
const volatile __s64 steal_clock_from_rq __weak = 0;

/* Where each CPU's steal clock is: 0 until the CPU's first context switch of a traced thread
 * finds it from its run queue (sched.bpf.c). The walk task -> cfs_rq -> rq is made there,
 * once, with probe reads: as direct loads of BTF pointers in every charge, they cost the
 * verifier of 6.3+ kernels searches of the whole kernel BTF on every path of every program
 * (about 30 ms of each load on 6.18). */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} steal_clocks SEC(".maps") __weak;

static __always_inline __u64 *steal_clock_slot(void)
{
    __u32 zero = 0;
    return bpf_map_lookup_elem(&steal_clocks, &zero);
}

/* At a context switch: `next` is about to run on this CPU, so its run queue is this CPU's. */
static __always_inline void find_steal_clock(struct task_struct *next)
{
    if (!steal_clock_from_rq || !bpf_core_field_exists(struct sched_entity, cfs_rq))
        return;
    __u64 *clock = steal_clock_slot();
    if (!clock || *clock)
        return;
    __u64 rq = (__u64)BPF_CORE_READ(next, se.cfs_rq, rq);
    if (rq)
        *clock = rq + steal_clock_from_rq;
}

/* An interval on a CPU shorter than this cannot hold a stall worth its clock read: the steal
 * clock is left unread, and what little it gained is found by the thread's next longer
 * interval on that CPU (at most that interval, as always). */
#define IOP_STEAL_MIN_INTERVAL_NS 2000

/* The part of the `delta` ns just charged to `t` that the hypervisor stole from the CPU it was
 * on. Only a thread on a CPU loses time to steal, and only steal of its own CPU: the clock's
 * reading is kept with the address of the clock (the CPU) it was read on, and a new CPU (after
 * a migration, which passes through the run queue) starts from a fresh reading. A charge of a
 * running thread from another CPU (a waker) leaves both alone. */
static __always_inline __u64 stolen_part(struct iop_thread *t, __u64 delta)
{
    if (!steal_clock_from_rq)
        return 0;
    bool on_cpu = t->irq || t->state == IOP_ST_ONCPU;
    if (on_cpu && delta < IOP_STEAL_MIN_INTERVAL_NS)
        return 0;
    __u64 *slot = steal_clock_slot();
    __u64 clock = slot ? *slot : 0;
    if (!clock || (on_cpu && t->steal_clock && t->steal_clock != clock))
        return 0;
    __u64 steal = 0;
    bpf_probe_read_kernel(&steal, sizeof(steal), (const void *)clock);
    __u64 stolen = 0;
    if (on_cpu && t->steal_clock == clock && steal > t->steal_seen_ns)
        stolen = steal - t->steal_seen_ns < delta ? steal - t->steal_seen_ns : delta;
    t->steal_seen_ns = steal;
    t->steal_clock = clock;
    return stolen;
}

/* Charges the time since the last transition to the bucket of the current state. A state
 * whose last_ns is 0 is still being filled in by thread_of() on another CPU (the storage is
 * created zeroed): charging it would give the thread all time since boot. Time the hypervisor
 * stole from a running thread is not the thread's work, nor the interrupt's: it has a bucket
 * of its own. */
static __always_inline void charge(struct iop_thread *t, __u64 now)
{
    if (t->last_ns == 0 || now <= t->last_ns)
        return;
    __u64 delta = now - t->last_ns;
    t->last_ns = now;
    __u64 stolen = stolen_part(t, delta);
    if (stolen) {
        t->budget.stolen_ns += stolen;
        if (t->in_call)
            t->call_stolen_ns += stolen;
        delta -= stolen;
    }
    if (t->irq) {
        /* Interrupt work runs on this thread's CPU but is not this thread's work. */
        if (!(t->irq & IOP_IRQ_HARD) && t->softirq_vec == NET_RX_SOFTIRQ)
            t->budget.irq_net_rx_ns += delta;
        else
            t->budget.irq_other_ns += delta;
        if (t->in_call)
            t->call_irq_ns += delta;
        return;
    }
    switch (t->state) {
    case IOP_ST_ONCPU:
        if (t->copying) {
            t->budget.kernel_copy_ns += delta;
            if (t->in_call)
                t->call_copy_ns += delta;
            /* io_uring's copies run inside io_uring_enter or as task work outside any call;
             * the operation of their direction that completes next on this thread is theirs
             * (io_uring.bpf.c). */
            if (!t->in_call || t->slot == IOP_SLOT_IO_URING_ENTER)
                *pending_uring_copy(t, t->copying) += delta;
        } else if (t->in_call) {
            t->budget.kernel_other_ns += delta;
        } else {
            t->budget.user_ns += delta;
        }
        break;
    case IOP_ST_RUNQ:
        t->budget.runq_ns += delta;
        if (t->in_call)
            t->call_runq_ns += delta;
        break;
    case IOP_ST_BLOCKED: {
        __u64 slot = bounded_index(t->in_call ? t->slot : IOP_SLOT_NONE, IOP_SLOT_COUNT);
        t->budget.blocked_ns[slot] += delta;
        if (t->in_call)
            t->call_wait_ns += delta;
        break;
    }
    }
}

/* Tells the timeline where the thread is now (after a transition). */
static __always_inline void emit_event(const struct iop_thread *t, __u32 tid, __u64 now,
                                       bool exited, bool data_ready)
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
    else if (t->irq)
        state = IOP_TL_IRQ;
    else if (t->copying)
        state = IOP_TL_COPY;
    else
        state = t->in_call ? IOP_TL_KERNEL : IOP_TL_USER;
    e->ts = now;
    e->tgid = t->tgid;
    e->tid = tid;
    e->state = state;
    e->in_call = t->in_call;
    e->nr = t->nr;
    e->data_ready = data_ready;
    /* No wakeup per event: userspace drains the buffer on a timer, which keeps the cost of
     * the timeline to a copy (a wakeup would cost microseconds on every transition). */
    bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
}

static __always_inline void emit(const struct iop_thread *t, __u32 tid, __u64 now)
{
    emit_event(t, tid, now, false, false);
}

/* Slot ranges (bpf/iophase.h keeps each group contiguous). */
static __always_inline bool is_multiplexer(__u32 slot)
{
    return slot >= IOP_SLOT_FIRST_MULTIPLEXER && slot <= IOP_SLOT_LAST_MULTIPLEXER;
}

static __always_inline bool is_input(__u32 slot)
{
    return slot >= IOP_SLOT_FIRST_INPUT && slot <= IOP_SLOT_LAST_INPUT;
}

/* Calls whose wait ends when data (or a completion) becomes ready. */
static __always_inline bool waits_for_data(__u32 slot)
{
    return is_input(slot) || is_multiplexer(slot) || slot == IOP_SLOT_IO_URING_ENTER ||
           (slot >= IOP_SLOT_FIRST_ACCEPT && slot <= IOP_SLOT_LAST_ACCEPT);
}

#endif /* IOPHASE_STATE_BPF_H */
