// SPDX-License-Identifier: GPL-2.0
/* Phase 2, bracketed where it happens: the kernel copying data between socket buffers and the
 * process, one chunk at a time (docs/report.md, "The copy brackets").
 *
 * Input: a chunk's copy starts at skb_copy_datagram_iovec (fired by skb_copy_datagram_iter,
 * once per skb, in the copying thread's context — also for io_uring recv run as task work)
 * and ends at tcp_rcv_space_adjust (TCP calls it right after each skb's copy in
 * tcp_recvmsg_locked), or for other sockets at the syscall exit. (sock_recv_length would end
 * those earlier, but it fires on every receive of every process: not worth its cost.)
 * Output: a TCP send's chunk starts at tcp_sendmsg_locked (once per loop of
 * tcp_sendmsg_locked, before the chunk is copied into an skb) and ends at the first of:
 * net_dev_queue (the segment handed to the device), the next chunk, the syscall exit. The
 * output bracket therefore also holds allocating the skb and, when the chunk is sent at once,
 * TCP/IP output up to the device queue; the loopback receive that follows runs as a softirq
 * and is charged to the interrupt buckets instead (irq.bpf.c).
 *
 * Data ready: sk_data_ready fires when data is queued on a socket (in softirq, before the
 * wakeup it causes). For the sockets a traced thread reads, its time is kept per CPU so the
 * wakeup that follows (sched.bpf.c) knows when the data came. */
#include "state.bpf.h"

/* The sockets traced threads read from, and which process reads each: a table indexed by a
 * hash of the socket's addresses and ports, written at the copies, read at every
 * sk_data_ready. Not socket storage: its lookups doubled the cost of both programs on the
 * overhead bench (docs/report.md, "Data ready"). An entry is the socket's address and its port
 * pair, so a freed socket's entry does not match a new socket at the same address (unless the
 * ports match too); two live sockets that share a slot take turns, and a data-ready the table
 * then misses falls back to the wakeup's own time (sched.bpf.c). */
#define IOP_READER_SLOTS 8192

struct sock_reader {
    __u64 sk;
    __u32 ports; /* skc_portpair */
    __u32 tgid;
};

/* static: private to this file, and kept out of the skeleton */
static struct sock_reader sock_readers[IOP_READER_SLOTS];

/* The slot of a socket: a hash of its addresses and ports (the verifier does not let a pointer
 * be hashed; compared, it may be). */
static __always_inline struct sock_reader *reader_slot(const struct sock *sk)
{
    __u64 key = sk->__sk_common.skc_addrpair ^ sk->__sk_common.skc_portpair;
    __u64 h = key * 0x9E3779B97F4A7C15ULL;
    return &sock_readers[(h >> 51) & (IOP_READER_SLOTS - 1)];
}

static __always_inline struct iop_thread *current_thread(struct task_struct *task)
{
    if (!may_be_target(task->tgid))
        return NULL;
    return existing_thread(task);
}

/* Opens (or continues) a copy bracket of direction `dir`. */
static __always_inline void open_copy(__u32 dir)
{
    struct task_struct *task = bpf_get_current_task_btf();
    struct iop_thread *t = current_thread(task);
    if (!t || t->copying == dir)
        return;
    __u64 now = bpf_ktime_get_ns();
    charge(t, now);
    t->copying = dir;
    emit(t, task->pid, now);
}

/* Closes an open copy bracket of direction `dir`: the time since it opened was the copy. */
static __always_inline void close_copy(__u32 dir)
{
    struct task_struct *task = bpf_get_current_task_btf();
    struct iop_thread *t = current_thread(task);
    if (!t || t->copying != dir)
        return;
    __u64 now = bpf_ktime_get_ns();
    charge(t, now);
    t->copying = IOP_COPY_NONE;
    emit(t, task->pid, now);
}

SEC("tp_btf/skb_copy_datagram_iovec")
int BPF_PROG(on_copy_in_start, const struct sk_buff *skb, int len)
{
    struct task_struct *task = bpf_get_current_task_btf();
    if (!may_be_target(task->tgid))
        return 0;
    /* Remember the socket as one a traced process reads, for sk_data_ready; before the
     * bracket opens, so that this bookkeeping is not counted as copy time. Written only when
     * it changes: sk_data_ready reads it on the sender's CPU, and a write on every copy would
     * move the cache line between the CPUs twice per message. */
    struct sock *sk = skb->sk;
    if (sk) {
        struct sock_reader *r = reader_slot(sk);
        __u32 ports = sk->__sk_common.skc_portpair;
        __u32 tgid = task->tgid;
        if (r->sk != (__u64)sk || r->ports != ports || r->tgid != tgid) {
            r->sk = (__u64)sk;
            r->ports = ports;
            r->tgid = tgid;
        }
    }
    open_copy(IOP_COPY_IN);
    return 0;
}

SEC("tp_btf/tcp_rcv_space_adjust")
int BPF_PROG(on_copy_in_end_tcp, struct sock *sk)
{
    close_copy(IOP_COPY_IN);
    return 0;
}

SEC("tp_btf/tcp_sendmsg_locked")
int BPF_PROG(on_copy_out_start, const struct sock *sk, const struct msghdr *msg,
             const struct sk_buff *skb, int size_goal)
{
    open_copy(IOP_COPY_OUT);
    return 0;
}

SEC("tp_btf/net_dev_queue")
int BPF_PROG(on_copy_out_end_xmit, struct sk_buff *skb)
{
    close_copy(IOP_COPY_OUT);
    return 0;
}

SEC("tp_btf/sk_data_ready")
int BPF_PROG(on_data_ready, const struct sock *sk)
{
    const struct sock_reader *r = reader_slot(sk);
    if (r->sk != (__u64)sk || r->ports != sk->__sk_common.skc_portpair)
        return 0;
    __u32 zero = 0;
    struct ready_mark *mark = bpf_map_lookup_elem(&ready_marks, &zero);
    if (mark) {
        mark->ts = bpf_ktime_get_ns();
        mark->tgid = r->tgid;
    }
    return 0;
}
