// SPDX-License-Identifier: GPL-2.0
/* Interrupt work on a traced thread's CPU is not the thread's work: a softirq (on a network
 * server mostly NET_RX, the stack receiving packets — on loopback, often for the peer's
 * socket) or a device interrupt that runs on top of the thread gets buckets of its own, so
 * kernel_other is the thread's own kernel work and the budget still adds up to wall.
 *
 * softirq_entry/exit bracket a softirq handler run from irq_exit or local_bh_enable in the
 * thread's context (not those run by ksoftirqd, a thread of its own); irq_handler_entry/exit
 * bracket a device interrupt's handler. The local APIC timer and IPIs have no such
 * tracepoint on every architecture: their (short) handlers stay in the interrupted bucket. */
#include "state.bpf.h"

static __always_inline void irq_enter(__u32 bit, __u32 vec)
{
    struct task_struct *task = bpf_get_current_task_btf();
    if (!may_be_target(task->tgid))
        return;
    struct iop_thread *t = existing_thread(task);
    if (!t || t->state != IOP_ST_ONCPU)
        return;
    __u64 now = bpf_ktime_get_ns();
    charge(t, now);
    t->irq |= bit;
    if (bit == IOP_IRQ_SOFT)
        t->softirq_vec = vec;
    emit(t, task->pid, now);
}

static __always_inline void irq_exit(__u32 bit)
{
    struct task_struct *task = bpf_get_current_task_btf();
    if (!may_be_target(task->tgid))
        return;
    struct iop_thread *t = existing_thread(task);
    if (!t || !(t->irq & bit))
        return;
    __u64 now = bpf_ktime_get_ns();
    charge(t, now);
    t->irq &= ~bit;
    emit(t, task->pid, now);
}

SEC("tp_btf/softirq_entry")
int BPF_PROG(on_softirq_entry, unsigned int vec)
{
    irq_enter(IOP_IRQ_SOFT, vec);
    return 0;
}

SEC("tp_btf/softirq_exit")
int BPF_PROG(on_softirq_exit, unsigned int vec)
{
    irq_exit(IOP_IRQ_SOFT);
    return 0;
}

SEC("tp_btf/irq_handler_entry")
int BPF_PROG(on_hardirq_entry, int irq, struct irqaction *action)
{
    irq_enter(IOP_IRQ_HARD, 0);
    return 0;
}

SEC("tp_btf/irq_handler_exit")
int BPF_PROG(on_hardirq_exit, int irq, struct irqaction *action, int ret)
{
    irq_exit(IOP_IRQ_HARD);
    return 0;
}
