// SPDX-License-Identifier: GPL-2.0
/* The live thread table, for userspace: task storage cannot be walked from userspace, so a
 * task iterator visits every task once and writes, per live traced thread, a struct
 * iop_live_head and its struct iop_thread: one pass, no thread twice, no restart when threads
 * exit meanwhile. A thread that had no event since the attach is written from its seed. */
#include "state.bpf.h"

SEC("iter/task")
int dump_threads(struct bpf_iter__task *ctx)
{
    struct task_struct *task = ctx->task;
    if (!task || !may_be_target(task->tgid))
        return 0;
    struct seq_file *seq = ctx->meta->seq;
    struct iop_live_head head = {.tid = task->pid};
    struct iop_thread *t = bpf_task_storage_get(&threads, task, 0, 0);
    if (t) {
        /* last_ns is set last by thread_of(): a thread still being filled in on another CPU
         * has no time yet, and its zeros would make userspace charge it all time since boot
         * (seen once as 52 s too much in a snapshot of a churning process). The next
         * snapshot has it. */
        if (t->exit_ns || !t->last_ns)
            return 0;
    } else {
        __u32 tid = task->pid;
        t = bpf_map_lookup_elem(&seeds, &tid);
        if (!t || t->tgid != task->tgid)
            return 0;
        head.seeded = 1;
    }
    bpf_seq_write(seq, &head, sizeof(head));
    bpf_seq_write(seq, t, sizeof(*t));
    return 0;
}
