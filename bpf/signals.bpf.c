// SPDX-License-Identifier: GPL-2.0
/* Signal-driven I/O: readiness signals generated for a traced process (SIGIO, or the signal
 * chosen with F_SETSIG, which the kernel sends with a POLL_* si_code), and their delay until
 * a thread takes them (sigwaitinfo/sigtimedwait return, or handler delivery). */
#include "signals.bpf.h"

#define POLL_IN 1
#define POLL_HUP 6
#define TRACE_SIGNAL_DELIVERED 0
#define TRACE_SIGNAL_ALREADY_PENDING 2
#define TRACE_SIGNAL_OVERFLOW_FAIL 3
#define TRACE_SIGNAL_LOSE_INFO 4

#define SIGRTMIN 32

/* SIGIO, or a realtime signal chosen with F_SETSIG (sent with a POLL_* si_code). Standard
 * signals are not looked at further: their own si_codes (CLD_EXITED for SIGCHLD, SEGV_MAPERR,
 * ...) reuse the POLL_* numbers. SEND_SIG_NOINFO and SEND_SIG_PRIV are small constants, not
 * pointers. */
static __always_inline bool is_io_signal(int sig, struct kernel_siginfo *info)
{
    if (sig == SIGIO)
        return true;
    if (sig < SIGRTMIN || (unsigned long)info < 4096)
        return false;
    int code = BPF_CORE_READ(info, si_code);
    return code >= POLL_IN && code <= POLL_HUP;
}

SEC("tp_btf/signal_generate")
int BPF_PROG(on_signal_generate, int sig, struct kernel_siginfo *info, struct task_struct *task,
             int group, int result)
{
    __u32 tgid = task->tgid;
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

SEC("tp_btf/signal_deliver")
int BPF_PROG(on_signal_deliver, int sig, struct kernel_siginfo *info, struct k_sigaction *ka)
{
    struct task_struct *task = bpf_get_current_task_btf();
    if (!may_be_target(task->tgid) || !is_io_signal(sig, info))
        return 0;
    struct iop_thread *t = existing_thread(task);
    if (t)
        signal_taken(t, bpf_ktime_get_ns());
    return 0;
}
