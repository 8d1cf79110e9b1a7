// SPDX-License-Identifier: GPL-2.0
/* io_uring operation lifetimes. Each request is followed from its submission through
 * io_uring_poll_arm (it must wait for readiness) and io_uring_task_add (readiness fired, task
 * work queued) to io_uring_complete, keyed by the kernel's request pointer. The copy brackets
 * (copy.bpf.c) that run for io_uring go to the operation of their direction that completes next
 * on that thread.
 *
 * Two tracepoints changed their arguments across the supported kernels, so each has one
 * program per form; userspace loads the one the running kernel's BTF describes:
 *   submission: io_uring_submit_sqe(req, force_nonblock) up to 6.4, io_uring_submit_req(req)
 *               since;
 *   completion: io_uring_complete(ctx, req, user_data, res, cflags, extra1, extra2), or
 *               io_uring_complete(ctx, req, cqe) in recent kernels. */
#include "state.bpf.h"

#define ECANCELED 125
#define PF_IO_WORKER 0x00000010
#define IORING_CQE_F_MORE (1U << 1)

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __uint(max_entries, 16384);
    __type(key, __u64); /* struct io_kiocb * */
    __type(value, struct iop_uring_req);
} uring_reqs SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __uint(max_entries, 4096);
    __type(key, struct iop_uring_key);
    __type(value, struct iop_uring_stats);
} uring_stats SEC(".maps");

static const struct iop_uring_stats zero_uring_stats;

static __always_inline struct iop_uring_stats *uring_stats_of(__u32 tgid, __u32 opcode)
{
    struct iop_uring_key key = {.tgid = tgid, .opcode = opcode};
    struct iop_uring_stats *s = lookup_or_init(&uring_stats, &key, &zero_uring_stats);
    if (!s)
        count_drop(IOP_DROP_URING_MAP_FULL);
    return s;
}

static __always_inline void submitted(struct io_kiocb *req)
{
    struct task_struct *task = bpf_get_current_task_btf();
    __u32 tgid = task->tgid;
    if (!is_target(tgid))
        return;
    struct iop_uring_req r = {
        .tgid = tgid, .opcode = BPF_CORE_READ(req, opcode), .start_ns = bpf_ktime_get_ns()};
    __u64 key = (__u64)req;
    if (bpf_map_update_elem(&uring_reqs, &key, &r, BPF_ANY) != 0)
        count_drop(IOP_DROP_URING_MAP_FULL);
    struct iop_uring_stats *s = uring_stats_of(tgid, r.opcode);
    if (s)
        s->submitted += 1;
}

SEC("tp_btf/io_uring_submit_req")
int BPF_PROG(on_uring_submit, struct io_kiocb *req)
{
    submitted(req);
    return 0;
}

SEC("tp_btf/io_uring_submit_sqe")
int BPF_PROG(on_uring_submit_sqe, struct io_kiocb *req, bool force_nonblock)
{
    submitted(req);
    return 0;
}

SEC("tp_btf/io_uring_poll_arm")
int BPF_PROG(on_uring_poll_arm, struct io_kiocb *req, int mask, int events)
{
    __u64 key = (__u64)req;
    struct iop_uring_req *r = bpf_map_lookup_elem(&uring_reqs, &key);
    if (r) {
        r->armed_ns = bpf_ktime_get_ns();
        r->ready_ns = 0;
    }
    return 0;
}

SEC("tp_btf/io_uring_task_add")
int BPF_PROG(on_uring_task_add, struct io_kiocb *req, int mask)
{
    __u64 key = (__u64)req;
    struct iop_uring_req *r = bpf_map_lookup_elem(&uring_reqs, &key);
    if (r && r->armed_ns && !r->ready_ns)
        r->ready_ns = bpf_ktime_get_ns();
    return 0;
}

SEC("tp_btf/io_uring_queue_async_work")
int BPF_PROG(on_uring_async, struct io_kiocb *req, int rw)
{
    __u64 key = (__u64)req;
    struct iop_uring_req *r = bpf_map_lookup_elem(&uring_reqs, &key);
    if (!r)
        return 0;
    struct iop_uring_stats *s = uring_stats_of(r->tgid, r->opcode);
    if (s)
        s->async_punts += 1;
    return 0;
}

/* The copy direction of an opcode (enum iop_copy): which pending copy time its completion
 * takes. Only opcodes that Debian 12's 6.1 kernel has, so that vmlinux.h of any supported
 * kernel names them; a newer opcode (read_multishot, recv_zc, ...) takes none, and its copy
 * goes to the next operation of its direction. */
static __always_inline __u32 copy_direction(__u32 opcode)
{
    switch (opcode) {
    case IORING_OP_READV:
    case IORING_OP_READ_FIXED:
    case IORING_OP_RECVMSG:
    case IORING_OP_READ:
    case IORING_OP_RECV:
        return IOP_COPY_IN;
    case IORING_OP_WRITEV:
    case IORING_OP_WRITE_FIXED:
    case IORING_OP_SENDMSG:
    case IORING_OP_WRITE:
    case IORING_OP_SEND:
    case IORING_OP_SEND_ZC:
    case IORING_OP_SENDMSG_ZC:
        return IOP_COPY_OUT;
    default:
        return IOP_COPY_NONE;
    }
}

/* Where the completion is posted, and the copy time this thread ran for it: the pending copy
 * of the operation's direction (a large send that went on as task work must not hand its copy
 * to the small receive that completes before it). */
static __always_inline __u32 completion_site(__u32 tgid, __u32 opcode, __u64 *copy_ns)
{
    struct task_struct *task = bpf_get_current_task_btf();
    *copy_ns = 0;
    if (task->tgid != tgid)
        return IOP_URING_ELSEWHERE;
    if (task->flags & PF_IO_WORKER)
        return IOP_URING_IOWQ;
    struct iop_thread *t = existing_thread(task);
    if (!t)
        return IOP_URING_TASK_WORK;
    __u32 dir = copy_direction(opcode);
    if (dir != IOP_COPY_NONE) {
        __u64 *pending = pending_uring_copy(t, dir);
        *copy_ns = *pending;
        *pending = 0;
    }
    return (t->in_call && t->slot == IOP_SLOT_IO_URING_ENTER) ? IOP_URING_INLINE
                                                              : IOP_URING_TASK_WORK;
}

static __always_inline void completed(void *req, __s32 res, __u32 cflags)
{
    __u64 key = (__u64)req;
    struct iop_uring_req *r = req ? bpf_map_lookup_elem(&uring_reqs, &key) : NULL;
    if (!r)
        return;
    __u64 now = bpf_ktime_get_ns();
    struct iop_uring_stats *s = uring_stats_of(r->tgid, r->opcode);
    if (s) {
        __u64 lifetime = now - r->start_ns;
        __u64 copy_ns = 0;
        s->completions += 1;
        s->lifetime_ns += lifetime;
        if (res < 0)
            s->errors += 1;
        if (res == -ECANCELED)
            s->cancelled += 1;
        /* Userspace keeps this only for the opcodes that move data. */
        if (res > 0)
            s->bytes += res;
        if (r->armed_ns && r->ready_ns > r->armed_ns) {
            s->ready_waits += 1;
            s->ready_wait_ns += r->ready_ns - r->armed_ns;
        }
        __u32 where = completion_site(r->tgid, r->opcode, &copy_ns);
        s->where[bounded_index(where, IOP_URING_WHERE_COUNT)] += 1;
        s->copy_ns += copy_ns;
        s->hist[hist_index(lifetime)] += 1;
    }
    if (cflags & IORING_CQE_F_MORE) {
        /* A multishot request lives on: its next completion is timed from this one. */
        r->start_ns = now;
        r->armed_ns = 0;
        r->ready_ns = 0;
    } else {
        bpf_map_delete_elem(&uring_reqs, &key);
    }
}

SEC("tp_btf/io_uring_complete")
int BPF_PROG(on_uring_complete, void *ctx_, void *req, __u64 user_data, int res, unsigned cflags)
{
    completed(req, res, cflags);
    return 0;
}

SEC("tp_btf/io_uring_complete")
int BPF_PROG(on_uring_complete_cqe, void *ctx_, void *req, struct io_uring_cqe *cqe)
{
    completed(req, BPF_CORE_READ(cqe, res), BPF_CORE_READ(cqe, flags));
    return 0;
}
