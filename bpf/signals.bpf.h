/* Signal-driven I/O: readiness signals generated for a traced process (SIGIO, or the signal
 * chosen with F_SETSIG, which the kernel sends with a POLL_* si_code), their delay until a
 * thread takes them (sigwaitinfo/sigtimedwait return, or handler delivery), and the delay
 * from there to the thread's next read. Included by iophase.bpf.c. */
#ifndef IOPHASE_SIGNALS_BPF_H
#define IOPHASE_SIGNALS_BPF_H

#define SIGIO 29
#define POLL_IN 1
#define POLL_HUP 6
#define TRACE_SIGNAL_DELIVERED 0
#define TRACE_SIGNAL_ALREADY_PENDING 2
#define TRACE_SIGNAL_OVERFLOW_FAIL 3
#define TRACE_SIGNAL_LOSE_INFO 4

/* SEND_SIG_NOINFO and SEND_SIG_PRIV are small constants, not pointers. */
static __always_inline bool is_io_signal(int sig, struct kernel_siginfo *info)
{
    if (sig == SIGIO)
        return true;
    if ((unsigned long)info < 4096)
        return false;
    int code = BPF_CORE_READ(info, si_code);
    return code >= POLL_IN && code <= POLL_HUP;
}

SEC("tp_btf/signal_generate")
int BPF_PROG(on_signal_generate, int sig, struct kernel_siginfo *info, struct task_struct *task,
             int group, int result)
{
    __u32 tgid = BPF_CORE_READ(task, tgid);
    if (!is_target(tgid) || !is_io_signal(sig, info))
        return 0;
    struct iop_proc *p = proc_of(tgid);
    if (!p)
        return 0;
    if (result == TRACE_SIGNAL_ALREADY_PENDING) {
        __sync_fetch_and_add(&p->io_signals_coalesced, 1);
        return 0;
    }
    if (result == TRACE_SIGNAL_OVERFLOW_FAIL) {
        __sync_fetch_and_add(&p->io_signals_overflow, 1);
        return 0;
    }
    if (result != TRACE_SIGNAL_DELIVERED && result != TRACE_SIGNAL_LOSE_INFO)
        return 0;
    __sync_fetch_and_add(&p->io_signals, 1);
    /* Sample the delay only for a signal that finds the queue empty: its dequeue is then
     * certainly its own. */
    if (__sync_fetch_and_add(&p->signal_pending, 1) == 0)
        p->signal_pending_since = bpf_ktime_get_ns();
    return 0;
}

/* A thread took an I/O signal (sigwaitinfo returned it, or its handler is about to run). */
static __always_inline void signal_taken(struct iop_thread *t, __u64 now)
{
    struct iop_proc *p = proc_of(t->tgid);
    if (!p)
        return;
    __sync_fetch_and_add(&p->io_signals_taken, 1);
    if (p->signal_pending == 1 && p->signal_pending_since && now > p->signal_pending_since) {
        __sync_fetch_and_add(&p->signal_delay_samples, 1);
        __sync_fetch_and_add(&p->signal_delay_ns, now - p->signal_pending_since);
    }
    if (p->signal_pending > 0)
        __sync_fetch_and_add(&p->signal_pending, -1);
    p->signal_pending_since = p->signal_pending ? now : 0;
    t->signal_taken_ns = now;
}

SEC("tp_btf/signal_deliver")
int BPF_PROG(on_signal_deliver, int sig, struct kernel_siginfo *info, struct k_sigaction *ka)
{
    if (!is_io_signal(sig, info))
        return 0;
    __u32 tid = (__u32)bpf_get_current_pid_tgid();
    struct iop_thread *t = bpf_map_lookup_elem(&threads, &tid);
    if (t)
        signal_taken(t, bpf_ktime_get_ns());
    return 0;
}

/* Called at the exit of rt_sigtimedwait: a positive return is the signal number taken. */
static __always_inline void on_sigwait_exit(struct iop_thread *t, long ret, __u64 now)
{
    if (ret == SIGIO || ret >= 32)
        signal_taken(t, now);
}

/* Called at the entry of a read-like call: closes the "signal -> next read" interval. */
static __always_inline void on_read_after_signal(struct iop_thread *t, __u64 now)
{
    if (!t->signal_taken_ns)
        return;
    struct iop_proc *p = proc_of(t->tgid);
    if (p) {
        __sync_fetch_and_add(&p->signal_to_read_samples, 1);
        __sync_fetch_and_add(&p->signal_to_read_ns, now - t->signal_taken_ns);
    }
    t->signal_taken_ns = 0;
}

#endif /* IOPHASE_SIGNALS_BPF_H */
