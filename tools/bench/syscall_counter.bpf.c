// SPDX-License-Identifier: GPL-2.0
/* The floor for tools/bench_overhead.sh: the least a syscall tracer can do on the same two
 * tracepoints as iophase. It counts one process's syscalls, and with read_clock it also times
 * each call (one clock read at entry, one at exit), which is what every per-call latency
 * costs on top of counting.
 *
 * The on_* programs below, loaded only with --everywhere, extend the timing floor to every
 * other tracepoint iophase attaches on the bench's echo path (scheduler, copy brackets, data
 * ready, interrupts): each rejects other tasks' events and reads the clock once for the
 * target's, the least that timing those transitions costs. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

const volatile __u32 target_tgid = 0;
const volatile bool read_clock = false;

__u64 calls = 0;
__u64 total_ns = 0;
__u64 transitions = 0;
__u64 last_transition_ns = 0;

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 1024);
    __type(key, __u32);   /* tid */
    __type(value, __u64); /* entry time */
} entered SEC(".maps");

SEC("tp_btf/sys_enter")
int BPF_PROG(count_enter, struct pt_regs *regs, long nr) {
    struct task_struct *task = bpf_get_current_task_btf();
    if (task->tgid != target_tgid)
        return 0;
    __sync_fetch_and_add(&calls, 1);
    if (read_clock) {
        __u32 tid = task->pid;
        __u64 now = bpf_ktime_get_ns();
        bpf_map_update_elem(&entered, &tid, &now, BPF_ANY);
    }
    return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(count_exit, struct pt_regs *regs, long ret) {
    struct task_struct *task = bpf_get_current_task_btf();
    if (task->tgid != target_tgid || !read_clock)
        return 0;
    __u32 tid = task->pid;
    __u64 *start = bpf_map_lookup_elem(&entered, &tid);
    if (start)
        __sync_fetch_and_add(&total_ns, bpf_ktime_get_ns() - *start);
    return 0;
}

/* A transition of the target's: counted and timed; anyone else's: rejected. */
static __always_inline void time_transition(const struct task_struct *task) {
    if (task->tgid != target_tgid)
        return;
    transitions += 1;
    last_transition_ns = bpf_ktime_get_ns();
}

static __always_inline void time_current(void) {
    time_transition(bpf_get_current_task_btf());
}

SEC("tp_btf/sched_switch")
int BPF_PROG(on_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next) {
    time_transition(prev);
    time_transition(next);
    return 0;
}

SEC("tp_btf/sched_waking")
int BPF_PROG(on_sched_waking, struct task_struct *task) {
    time_transition(task);
    return 0;
}

/* A tracepoint whose event is the current task's. */
#define TIMED_NOOP(prog, tracepoint) \
    SEC("tp_btf/" tracepoint)        \
    int BPF_PROG(prog) {             \
        time_current();              \
        return 0;                    \
    }

TIMED_NOOP(on_copy_in_start, "skb_copy_datagram_iovec")
TIMED_NOOP(on_copy_in_end, "tcp_rcv_space_adjust")
TIMED_NOOP(on_copy_out_start, "tcp_sendmsg_locked")
TIMED_NOOP(on_copy_out_end, "net_dev_queue")
TIMED_NOOP(on_data_ready, "sk_data_ready")
TIMED_NOOP(on_softirq_entry, "softirq_entry")
TIMED_NOOP(on_softirq_exit, "softirq_exit")
TIMED_NOOP(on_hardirq_entry, "irq_handler_entry")
TIMED_NOOP(on_hardirq_exit, "irq_handler_exit")

char LICENSE[] SEC("license") = "GPL";
