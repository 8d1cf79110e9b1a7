/* A finished (or abandoned) syscall into its process's per-syscall statistics: shared by the
 * syscall exit (syscalls.bpf.c) and a thread's exit inside a call (sched.bpf.c). */
#ifndef IOPHASE_CALLS_BPF_H
#define IOPHASE_CALLS_BPF_H

#include "state.bpf.h"

/* Zeroed template for lookup_or_init (too large for the BPF stack). */
static const struct iop_sys_stats zero_stats;

/* The statistics of the thread's current call (its number and fd kind), or NULL if the map
 * is full (counted). */
static __always_inline struct iop_sys_stats *stats_of_call(const struct iop_thread *t)
{
    struct iop_sys_key key = {.tgid = t->tgid, .nr = (__u16)t->nr, .fd_kind = (__u16)t->fd_kind};
    struct iop_sys_stats *s = lookup_or_init(&sys_stats, &key, &zero_stats);
    if (!s)
        count_drop(IOP_DROP_SYS_MAP_FULL);
    return s;
}

/* The phases the state machine charged to the call. */
static __always_inline void add_call_phases(struct iop_sys_stats *s, const struct iop_thread *t,
                                            __u64 now)
{
    s->total_ns += now - t->call_start_ns;
    s->wait_ns += t->call_wait_ns;
    s->runq_ns += t->call_runq_ns;
    s->copy_ns += t->call_copy_ns;
    s->irq_ns += t->call_irq_ns;
    s->stolen_ns += t->call_stolen_ns;
}

#endif /* IOPHASE_CALLS_BPF_H */
