// SPDX-License-Identifier: GPL-2.0
/* Syscalls: every call of a traced thread is timed from its entry to its exit and counted
 * under its own number, split into the phases the state machine charged while it ran (wait,
 * run queue, copy, interrupts, the rest on CPU). The calls with a role (state.bpf.h's slots)
 * also feed the thread's per-slot use and the process's setup facts. */
#include "calls.bpf.h"
#include "signals.bpf.h"

#define EAGAIN 11
#define EPOLLET (1U << 31)
#define EPOLL_CTL_ADD 1
#define EPOLL_CTL_DEL 2
#define EPOLL_CTL_MOD 3
#define F_SETFL 4
#define F_SETOWN 8
#define F_SETSIG 10
#define F_SETOWN_EX 15
#define O_NONBLOCK 04000
#define O_ASYNC 020000
#define SOCK_NONBLOCK 04000
#define S_IFMT 0170000
#define S_IFSOCK 0140000
#define S_IFIFO 0010000
#define S_IFREG 0100000

/* Registered fds per epoll instance, counted from epoll_ctl and close (seeded from /proc at
 * attach). */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __uint(max_entries, 8192);
    __type(key, struct iop_epoll_key);
    __type(value, __s64);
} epoll_fds SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __uint(max_entries, 65536);
    __type(key, struct iop_fd_key);
    __type(value, __s32);
} epoll_members SEC(".maps");

static __always_inline void count_registered(__u32 tgid, __s32 epfd, __s64 change)
{
    struct iop_epoll_key key = {.tgid = tgid, .epfd = epfd};
    __s64 none = 0;
    __s64 *n = lookup_or_init(&epoll_fds, &key, &none);
    if (!n)
        count_drop(IOP_DROP_EPOLL_MAP_FULL);
    else
        __sync_fetch_and_add(n, change);
}

/* An fd left its epoll instance (EPOLL_CTL_DEL, or its close). */
static __always_inline void unregister_fd(__u32 tgid, __s32 fd)
{
    struct iop_fd_key key = {.tgid = tgid, .fd = fd};
    __s32 *epfd = bpf_map_lookup_elem(&epoll_members, &key);
    if (!epfd)
        return;
    count_registered(tgid, *epfd, -1);
    bpf_map_delete_elem(&epoll_members, &key);
}

static __always_inline __u32 slot_of(long nr)
{
    if (nr < 0 || nr >= IOP_MAX_SYSCALL_NR)
        return IOP_SLOT_OTHER;
    __u32 key = nr;
    __u32 *slot = bpf_map_lookup_elem(&syscall_slot, &key);
    return (slot && *slot) ? *slot : IOP_SLOT_OTHER;
}

static __always_inline __u32 fd_kind_of(struct task_struct *task, int fd)
{
    /* task -> files -> fdt are BTF pointers: plain loads, no helper calls. */
    struct fdtable *fdt = task->files->fdt;
    if (!fdt || fd < 0 || (unsigned int)fd >= fdt->max_fds)
        return IOP_FD_OTHER;
    /* Indexing by a variable leaves BTF: from here on, probe reads. */
    struct file *file = NULL;
    bpf_probe_read_kernel(&file, sizeof(file), &fdt->fd[fd]);
    if (!file)
        return IOP_FD_OTHER;
    switch (BPF_CORE_READ(file, f_inode, i_mode) & S_IFMT) {
    case S_IFSOCK:
        return IOP_FD_SOCKET;
    case S_IFIFO:
        return IOP_FD_PIPE;
    case S_IFREG:
        return IOP_FD_FILE;
    default:
        return IOP_FD_OTHER;
    }
}

/* Fds a multiplexer call asks about, from its arguments at entry. */
static __always_inline __u64 fds_asked_of(__u32 tgid, __u32 slot, const __u64 *arg)
{
    switch (slot) {
    case IOP_SLOT_SELECT:
    case IOP_SLOT_PSELECT6:
        return arg[0]; /* nfds */
    case IOP_SLOT_POLL:
    case IOP_SLOT_PPOLL:
        return arg[1]; /* nfds */
    default: {         /* epoll: the fds registered with this epoll instance */
        struct iop_epoll_key key = {.tgid = tgid, .epfd = (__s32)arg[0]};
        __s64 *n = bpf_map_lookup_elem(&epoll_fds, &key);
        return (n && *n > 0) ? *n : 0;
    }
    }
}

/* What the exit handler needs of a call with a role: its arguments, the kind of its fd. Read
 * only for such calls (the arguments are plain loads from the BTF pt_regs). */
static __always_inline void note_arguments(struct iop_thread *t, struct task_struct *task,
                                           struct pt_regs *regs)
{
    __u32 slot = t->slot;
    t->call_arg[0] = PT_REGS_PARM1_SYSCALL(regs);
    t->call_arg[1] = PT_REGS_PARM2_SYSCALL(regs);
    t->call_arg[2] = PT_REGS_PARM3_SYSCALL(regs);
    t->call_arg[3] = PT_REGS_PARM4_SYSCALL(regs);
    if (slot == IOP_SLOT_READ || slot == IOP_SLOT_READV || slot == IOP_SLOT_WRITE ||
        slot == IOP_SLOT_WRITEV)
        t->fd_kind = fd_kind_of(task, (int)t->call_arg[0]);
    else if (slot <= IOP_SLOT_CONNECT)
        t->fd_kind = IOP_FD_SOCKET; /* accept*, recv*, send*, sendfile's out fd, connect */
    if (slot == IOP_SLOT_SENDFILE)
        t->fd_kind = fd_kind_of(task, (int)t->call_arg[0]);
    if (is_multiplexer(slot))
        t->call_fds_asked = fds_asked_of(t->tgid, slot, t->call_arg);
    if (slot == IOP_SLOT_EPOLL_CTL) {
        /* Keep the EPOLLET bit of the event for the exit handler. */
        __u32 events = 0;
        if (t->call_arg[3])
            bpf_probe_read_user(&events, sizeof(events), (void *)t->call_arg[3]);
        t->call_fds_asked = events; /* reused: epoll_ctl is no multiplexer */
    }
}

SEC("tp_btf/sys_enter")
int BPF_PROG(on_sys_enter, struct pt_regs *regs, long nr)
{
    struct task_struct *task = bpf_get_current_task_btf();
    /* Reject other processes before reading the clock: the clock read costs more than all
     * the rest of a rejected event (tools/bench_overhead.sh). */
    if (!may_be_target(task->tgid))
        return 0;
    __u64 now = bpf_ktime_get_ns();
    struct iop_thread *t = thread_of(task, now, IOP_ST_ONCPU);
    if (!t)
        return 0;
    charge(t, now);
    __u32 slot = slot_of(nr);
    t->irq = 0; /* a syscall is never entered from interrupt context */
    t->state = IOP_ST_ONCPU;
    t->in_call = 1;
    t->copying = IOP_COPY_NONE;
    t->nr = nr;
    t->slot = slot;
    t->fd_kind = IOP_FD_NONE;
    t->call_start_ns = now;
    t->call_wait_ns = 0;
    t->call_runq_ns = 0;
    t->call_copy_ns = 0;
    t->call_irq_ns = 0;
    t->call_stolen_ns = 0;
    t->call_ready_ns = 0;
    t->call_ready_from_socket = 0;
    t->call_back_on_ns = 0;
    t->call_fds_asked = 0;
    emit(t, task->pid, now);
    if (slot <= IOP_SLOT_OTHER)
        return 0;
    note_arguments(t, task, regs);
    if (is_input(slot))
        on_read_after_signal(t, now);
    return 0;
}

/* Setup calls whose success tells the classifier how the process does its I/O. */
static __always_inline void record_facts(struct iop_thread *t, long ret)
{
    if (ret < 0)
        return;
    const __u64 *arg = t->call_arg;
    struct iop_proc *p;
    switch (t->slot) {
    case IOP_SLOT_EPOLL_CTL: {
        if (arg[1] == EPOLL_CTL_ADD) {
            struct iop_fd_key member = {.tgid = t->tgid, .fd = (__s32)arg[2]};
            __s32 epfd = (__s32)arg[0];
            if (bpf_map_update_elem(&epoll_members, &member, &epfd, BPF_ANY) != 0)
                count_drop(IOP_DROP_EPOLL_MAP_FULL);
            count_registered(t->tgid, epfd, 1);
        } else if (arg[1] == EPOLL_CTL_DEL) {
            unregister_fd(t->tgid, (__s32)arg[2]);
        }
        if (arg[1] != EPOLL_CTL_ADD && arg[1] != EPOLL_CTL_MOD)
            return;
        if (!(p = proc_of(t->tgid)))
            return;
        if (t->call_fds_asked & EPOLLET)
            __sync_fetch_and_add(&p->epoll_ctl_et, 1);
        else
            __sync_fetch_and_add(&p->epoll_ctl_lt, 1);
        return;
    }
    case IOP_SLOT_FCNTL:
        if (!(p = proc_of(t->tgid)))
            return;
        if (arg[1] == F_SETFL && (arg[2] & O_NONBLOCK))
            __sync_fetch_and_add(&p->set_nonblock, 1);
        if (arg[1] == F_SETFL && (arg[2] & O_ASYNC))
            __sync_fetch_and_add(&p->set_async, 1);
        if (arg[1] == F_SETOWN || arg[1] == F_SETOWN_EX)
            __sync_fetch_and_add(&p->set_own, 1);
        if (arg[1] == F_SETSIG)
            __sync_fetch_and_add(&p->set_sig, 1);
        return;
    case IOP_SLOT_ACCEPT:
    case IOP_SLOT_ACCEPT4:
    case IOP_SLOT_SOCKET: {
        if (!(p = proc_of(t->tgid)))
            return;
        if (t->slot != IOP_SLOT_SOCKET)
            __sync_fetch_and_add(&p->accepted, 1);
        __u64 flags = t->slot == IOP_SLOT_ACCEPT4  ? arg[3]
                      : t->slot == IOP_SLOT_SOCKET ? arg[1]
                                                   : 0;
        if (flags & SOCK_NONBLOCK)
            __sync_fetch_and_add(&p->set_nonblock, 1);
        return;
    }
    case IOP_SLOT_CLOSE: {
        unregister_fd(t->tgid, (__s32)arg[0]);
        /* If it was an epoll instance, a later one with the same number starts empty. */
        struct iop_epoll_key instance = {.tgid = t->tgid, .epfd = (__s32)arg[0]};
        bpf_map_delete_elem(&epoll_fds, &instance);
        return;
    }
    case IOP_SLOT_IO_URING_SETUP:
        if ((p = proc_of(t->tgid)))
            __sync_fetch_and_add(&p->io_uring_setups, 1);
        return;
    }
}

/* Did the call get what it waited for? (A timeout, a signal or EAGAIN is no data.) */
static __always_inline bool got_data(__u32 slot, long ret)
{
    return is_multiplexer(slot) || is_input(slot) ? ret > 0 : ret >= 0;
}

/* The finished call, into its process's statistics and its thread's use of the slot. */
static __always_inline void account_call(struct iop_thread *t, long ret, __u64 now)
{
    __u32 slot = t->slot;
    __u64 total = now - t->call_start_ns;
    bool multiplexer = is_multiplexer(slot);
    struct iop_sys_stats *s = stats_of_call(t);
    if (s) {
        s->count += 1;
        add_call_phases(s, t, now);
        if (ret < 0)
            s->errors += 1;
        if (ret == -EAGAIN)
            s->eagain += 1;
        if (ret > 0 && slot >= IOP_SLOT_FIRST_INPUT && slot <= IOP_SLOT_LAST_OUTPUT)
            s->bytes += ret;
        if (multiplexer) {
            s->fds_asked += t->call_fds_asked;
            if (ret > 0)
                s->fds_ready += ret;
            if (ret == 0)
                s->timeouts += 1;
        }
        __u64 ready = t->call_ready_ns;
        if (ready && ready >= t->call_start_ns && got_data(slot, ret)) {
            s->ready_samples += 1;
            s->ready_from_socket += t->call_ready_from_socket;
            s->wait_for_data_ns += ready - t->call_start_ns;
            if (t->call_back_on_ns >= ready)
                s->wakeup_ns += t->call_back_on_ns - ready;
            s->ready_to_exit_ns += now - ready;
        }
        s->hist[hist_index(total)] += 1;
        if (t->call_copy_ns)
            s->copy_hist[hist_index(t->call_copy_ns)] += 1;
    }

    __u32 use = slot;
    if (t->fd_kind == IOP_FD_SOCKET && (slot == IOP_SLOT_READ || slot == IOP_SLOT_READV))
        use = IOP_USE_SOCKET_READ;
    if (t->fd_kind == IOP_FD_SOCKET && (slot == IOP_SLOT_WRITE || slot == IOP_SLOT_WRITEV))
        use = IOP_USE_SOCKET_WRITE;
    struct iop_use *u = &t->uses[bounded_index(use, IOP_USE_COUNT)];
    u->calls += 1;
    u->wait_ns += t->call_wait_ns;
    if (ret == -EAGAIN)
        u->eagain += 1;
    if (multiplexer && ret > 0)
        u->fds_ready += ret;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(on_sys_exit, struct pt_regs *regs, long ret)
{
    struct task_struct *task = bpf_get_current_task_btf();
    if (!may_be_target(task->tgid))
        return 0;
    __u64 now = bpf_ktime_get_ns();
    struct iop_thread *t = thread_of(task, now, IOP_ST_ONCPU);
    if (!t)
        return 0;
    charge(t, now);
    t->irq = 0;
    t->state = IOP_ST_ONCPU;
    if (!t->in_call)
        return 0; /* its entry was not seen (first event of this thread) */
    t->in_call = 0;
    t->copying = IOP_COPY_NONE;
    emit(t, task->pid, now);
    account_call(t, ret, now);
    if (t->slot == IOP_SLOT_RT_SIGTIMEDWAIT)
        on_sigwait_exit(t, ret, now);
    record_facts(t, ret);
    return 0;
}
