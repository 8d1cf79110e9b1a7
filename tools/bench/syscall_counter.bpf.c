// SPDX-License-Identifier: GPL-2.0
/* The floor for tools/bench_overhead.sh: the least a syscall tracer can do on the same two
 * tracepoints as iophase. It counts one process's syscalls, and with read_clock it also times
 * each call (one clock read at entry, one at exit), which is what every per-call latency
 * costs on top of counting. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

const volatile __u32 target_tgid = 0;
const volatile bool read_clock = false;

__u64 calls = 0;
__u64 total_ns = 0;

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

char LICENSE[] SEC("license") = "GPL";
