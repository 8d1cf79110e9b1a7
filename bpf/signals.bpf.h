/* Signal-driven I/O, the moves other programs make: a thread took an I/O signal (at the exit
 * of sigwaitinfo/sigtimedwait, or when a handler is about to run), and its next read closes
 * the "signal -> read" interval. The signal programs themselves are in signals.bpf.c. */
#ifndef IOPHASE_SIGNALS_BPF_H
#define IOPHASE_SIGNALS_BPF_H

#include "state.bpf.h"

#define SIGIO 29

/* A thread took an I/O signal. */
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

/* At the exit of rt_sigtimedwait: a positive return is the signal number taken. */
static __always_inline void on_sigwait_exit(struct iop_thread *t, long ret, __u64 now)
{
    if (ret == SIGIO || ret >= 32)
        signal_taken(t, now);
}

/* At the entry of a read-like call: closes the "signal -> next read" interval. */
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
