/* io_uring operation lifetimes, included by iophase.bpf.c (it shares the targets and thread
 * maps). Each request is followed from io_uring_submit_req through io_uring_poll_arm (it must
 * wait for readiness) and io_uring_task_add (readiness fired, task work queued) to
 * io_uring_complete, keyed by the kernel's request pointer. */
#ifndef IOPHASE_IO_URING_BPF_H
#define IOPHASE_IO_URING_BPF_H

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

static __always_inline bool uring_moves_data(__u32 opcode)
{
    switch (opcode) {
    case 1:  /* READV */
    case 2:  /* WRITEV */
    case 4:  /* READ_FIXED */
    case 5:  /* WRITE_FIXED */
    case 9:  /* SENDMSG */
    case 10: /* RECVMSG */
    case 22: /* READ */
    case 23: /* WRITE */
    case 26: /* SEND */
    case 27: /* RECV */
    case 47: /* SEND_ZC */
    case 48: /* SENDMSG_ZC */
    case 49: /* READ_MULTISHOT */
        return true;
    default:
        return false;
    }
}

SEC("tp_btf/io_uring_submit_req")
int BPF_PROG(on_uring_submit, struct io_kiocb *req)
{
    __u32 tgid = bpf_get_current_pid_tgid() >> 32;
    if (!is_target(tgid))
        return 0;
    struct iop_uring_req r = {
        .tgid = tgid, .opcode = BPF_CORE_READ(req, opcode), .start_ns = bpf_ktime_get_ns()};
    __u64 key = (__u64)req;
    bpf_map_update_elem(&uring_reqs, &key, &r, BPF_ANY);
    struct iop_uring_stats *s = uring_stats_of(tgid, r.opcode);
    if (s)
        s->submitted += 1;
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

static __always_inline __u32 completion_site(__u32 tgid)
{
    struct task_struct *task = bpf_get_current_task_btf();
    if (BPF_CORE_READ(task, tgid) != tgid)
        return IOP_URING_ELSEWHERE;
    if (BPF_CORE_READ(task, flags) & PF_IO_WORKER)
        return IOP_URING_IOWQ;
    __u32 tid = BPF_CORE_READ(task, pid);
    struct iop_thread *t = bpf_map_lookup_elem(&threads, &tid);
    if (t && t->in_call && t->slot == IOP_SLOT_IO_URING_ENTER)
        return IOP_URING_INLINE;
    return IOP_URING_TASK_WORK;
}

SEC("tp_btf/io_uring_complete")
int BPF_PROG(on_uring_complete, struct io_ring_ctx *ring, void *req, struct io_uring_cqe *cqe)
{
    __u64 key = (__u64)req;
    struct iop_uring_req *r = req ? bpf_map_lookup_elem(&uring_reqs, &key) : NULL;
    if (!r)
        return 0;
    __u64 now = bpf_ktime_get_ns();
    __s32 res = BPF_CORE_READ(cqe, res);
    __u32 flags = BPF_CORE_READ(cqe, flags);
    struct iop_uring_stats *s = uring_stats_of(r->tgid, r->opcode);
    if (s) {
        __u64 lifetime = now - r->start_ns;
        s->completions += 1;
        s->lifetime_ns += lifetime;
        if (res < 0)
            s->errors += 1;
        if (res == -ECANCELED)
            s->cancelled += 1;
        if (res > 0 && uring_moves_data(r->opcode))
            s->bytes += res;
        if (r->armed_ns && r->ready_ns > r->armed_ns) {
            s->ready_waits += 1;
            s->ready_wait_ns += r->ready_ns - r->armed_ns;
        }
        __u32 where = completion_site(r->tgid);
        if (where < IOP_URING_WHERE_COUNT)
            s->where[where] += 1;
        __u32 h = log2_u64(lifetime);
        if (h >= IOP_HIST_SLOTS)
            h = IOP_HIST_SLOTS - 1;
        s->hist[h] += 1;
    }
    if (flags & IORING_CQE_F_MORE) {
        /* A multishot request lives on: its next completion is timed from this one. */
        r->start_ns = now;
        r->armed_ns = 0;
        r->ready_ns = 0;
    } else {
        bpf_map_delete_elem(&uring_reqs, &key);
    }
    return 0;
}

#endif /* IOPHASE_IO_URING_BPF_H */
