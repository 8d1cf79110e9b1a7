// SPDX-License-Identifier: GPL-2.0
/* The scheduler moves a traced thread between on CPU, the run queue and blocked; the process
 * events start, rename and end tracing of threads and processes. */
#include "calls.bpf.h"

/* A data-ready mark older than this belongs to no wakeup that follows. */
#define READY_MARK_MAX_AGE_NS 100000

SEC("tp_btf/sched_switch")
int BPF_PROG(on_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
             unsigned int prev_state)
{
    bool prev_maybe = may_be_target(prev->tgid);
    bool next_maybe = may_be_target(next->tgid);
    if (!prev_maybe && !next_maybe)
        return 0;
    find_steal_clock(next);
    __u64 now = bpf_ktime_get_ns();
    struct iop_thread *t = prev_maybe ? thread_of(prev, now, IOP_ST_ONCPU) : NULL;
    if (t) {
        charge(t, now);
        t->irq = 0; /* no interrupt work spans a context switch */
        /* Still runnable means preempted: run-queue time; anything else is asleep. */
        t->state = (preempt || prev_state == TASK_RUNNING) ? IOP_ST_RUNQ : IOP_ST_BLOCKED;
        emit(t, prev->pid, now);
    }
    t = next_maybe ? thread_of(next, now, IOP_ST_RUNQ) : NULL;
    if (t) {
        charge(t, now);
        t->state = IOP_ST_ONCPU;
        if (t->call_ready_ns && !t->call_back_on_ns)
            t->call_back_on_ns = now;
        emit(t, next->pid, now);
    }
    return 0;
}

/* When the data that ends a blocked call's wait became ready: the data-ready mark this CPU
 * just left (the wakeup runs right after sk_data_ready, in the same softirq), or else 0: then
 * the wakeup itself, which follows the data by at most the waker's own work, stands for it. */
static __always_inline __u64 socket_ready_time(const struct iop_thread *t, __u64 now)
{
    __u32 zero = 0;
    struct ready_mark *mark = bpf_map_lookup_elem(&ready_marks, &zero);
    if (!mark || !mark->ts)
        return 0;
    __u64 ts = mark->ts;
    bool ours = mark->tgid == t->tgid && ts <= now && now - ts < READY_MARK_MAX_AGE_NS;
    if (!ours)
        return 0;
    mark->ts = 0;
    return ts;
}

/* Runs in the waker's context (often softirq): use the task argument, never current. */
static __always_inline void on_wakeup(struct task_struct *task, bool new_task)
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
    if (!new_task && t->in_call && waits_for_data(t->slot)) {
        /* The last wakeup of the call counts: an earlier one may have been spurious. */
        __u64 ready = socket_ready_time(t, now);
        t->call_ready_from_socket = ready != 0;
        if (!ready)
            ready = now;
        t->call_ready_ns = ready;
        t->call_back_on_ns = 0;
        emit_event(t, task->pid, ready, false, true);
    }
    emit(t, task->pid, now);
}

/* sched_waking, not sched_wakeup: it always runs on the waker's CPU (where the data-ready
 * mark is) and marks the start of the wakeup. */
SEC("tp_btf/sched_waking")
int BPF_PROG(on_sched_waking, struct task_struct *task)
{
    on_wakeup(task, false);
    return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(on_sched_wakeup_new, struct task_struct *task)
{
    on_wakeup(task, true);
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
    __u32 tgid = task->tgid;
    char comm[IOP_COMM_LEN];
    bpf_probe_read_kernel_str(comm, sizeof(comm), task->comm);
    if (!is_target(tgid)) {
        bool wanted = (match_comm && comm_matches(comm)) ||
                      (target_cgroup_id && bpf_get_current_cgroup_id() == target_cgroup_id);
        if (wanted)
            add_target(tgid);
        return 0;
    }
    if (tgid == held_tgid)
        held_exec_seen = true;
    struct iop_thread *t = existing_thread(task);
    if (t)
        __builtin_memcpy(t->comm, comm, sizeof(comm));
    return 0;
}

/* Folds an exiting thread's budget into its process, so the process's totals never depend on
 * the thread's report row, and sends the row to userspace. The group_dead argument of this
 * tracepoint is recent (6.18 has it, 6.12 does not): the group is dead once signal->live,
 * decremented just before, reaches 0. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_process_exit, struct task_struct *task)
{
    if (!may_be_target(task->tgid))
        return 0;
    struct iop_thread *t = existing_thread(task);
    if (!t)
        return 0;
    __u64 now = bpf_ktime_get_ns();
    __u32 tid = task->pid;
    __u32 tgid = t->tgid;
    charge(t, now);
    t->exit_ns = now;
    emit_event(t, tid, now, true, false);
    if (t->in_call) {
        /* It exits inside a call that never returns: keep the call's time with its name. */
        struct iop_sys_stats *s = stats_of_call(t);
        if (s) {
            s->unfinished += 1;
            add_call_phases(s, t, now);
        }
    }
    /* Probe reads: a direct load of task->signal costs the verifier searches of the kernel's
     * BTF (state.bpf.h), and this runs once per thread. */
    bool group_dead = BPF_CORE_READ(task, signal, live.counter) == 0;
    struct iop_proc *p = proc_of(tgid);
    if (p) {
        __sync_fetch_and_add(&p->dead_wall_ns, now - t->first_ns);
        __sync_fetch_and_add(&p->dead_budget.user_ns, t->budget.user_ns);
        __sync_fetch_and_add(&p->dead_budget.kernel_copy_ns, t->budget.kernel_copy_ns);
        __sync_fetch_and_add(&p->dead_budget.kernel_other_ns, t->budget.kernel_other_ns);
        __sync_fetch_and_add(&p->dead_budget.irq_net_rx_ns, t->budget.irq_net_rx_ns);
        __sync_fetch_and_add(&p->dead_budget.irq_other_ns, t->budget.irq_other_ns);
        __sync_fetch_and_add(&p->dead_budget.stolen_ns, t->budget.stolen_ns);
        __sync_fetch_and_add(&p->dead_budget.runq_ns, t->budget.runq_ns);
        for (int i = 0; i < IOP_SLOT_COUNT; i++)
            __sync_fetch_and_add(&p->dead_budget.blocked_ns[i], t->budget.blocked_ns[i]);
        /* Counted after the fold: a reader that sees the count sees the budget. */
        t->exit_index = __sync_add_and_fetch(&p->dead_threads, 1);
        if (group_dead)
            p->exited = 1;
    }
    if (group_dead) {
        /* The pid may be reused by an unrelated process: stop tracing it. */
        bpf_map_delete_elem(&targets, &tgid);
    }
    struct iop_exit *row = bpf_ringbuf_reserve(&exits, sizeof(*row), 0);
    if (!row) {
        count_drop(IOP_DROP_EXIT_ROWS);
        return 0;
    }
    row->tid = tid;
    row->pad = 0;
    bpf_probe_read_kernel(&row->thread, sizeof(row->thread), t);
    bpf_ringbuf_submit(row, BPF_RB_NO_WAKEUP);
    return 0;
}
