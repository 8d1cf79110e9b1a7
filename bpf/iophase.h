/* The contract between the BPF programs (one .bpf.c per concern) and the userspace collector:
 * map keys, values, records and the syscall slots. Plain C so both clang -target bpf and g++
 * include it. docs/architecture.md describes the data flow. */
#ifndef IOPHASE_H
#define IOPHASE_H

#ifndef __bpf__
#include <linux/types.h>
#endif

#define IOP_COMM_LEN 16
#define IOP_HIST_SLOTS 40       /* log2 buckets of per-call latency in ns */
#define IOP_MAX_SYSCALL_NR 1024 /* size of the syscall number -> slot array */

/* Syscall slots: the calls iophase knows the role of (input, output, waiting for readiness,
 * setup facts). Every syscall is counted under its own number (struct iop_sys_key); the slot
 * only says what the call is for, per thread. Userspace fills the number -> slot array map
 * from the running architecture's names, so no syscall number is hard-coded here.
 * IOP_SLOT_NONE means "not inside a syscall". The groups below are ranges: keep each group
 * contiguous and in this order (userspace static_asserts the ranges it relies on). */
enum iop_slot {
    IOP_SLOT_NONE = 0,
    IOP_SLOT_OTHER, /* a syscall without a role of its own */
    /* accepting connections */
    IOP_SLOT_ACCEPT,
    IOP_SLOT_ACCEPT4,
    /* input */
    IOP_SLOT_READ,
    IOP_SLOT_READV,
    IOP_SLOT_RECVFROM,
    IOP_SLOT_RECVMSG,
    IOP_SLOT_RECVMMSG,
    /* output */
    IOP_SLOT_WRITE,
    IOP_SLOT_WRITEV,
    IOP_SLOT_SENDTO,
    IOP_SLOT_SENDMSG,
    IOP_SLOT_SENDMMSG,
    IOP_SLOT_SENDFILE,
    IOP_SLOT_CONNECT,
    /* waiting for readiness of many fds */
    IOP_SLOT_SELECT,
    IOP_SLOT_PSELECT6,
    IOP_SLOT_POLL,
    IOP_SLOT_PPOLL,
    IOP_SLOT_EPOLL_WAIT,
    IOP_SLOT_EPOLL_PWAIT,
    IOP_SLOT_EPOLL_PWAIT2,
    /* asynchronous I/O */
    IOP_SLOT_IO_URING_ENTER,
    /* waiting for another thread, a timer or a signal */
    IOP_SLOT_FUTEX,
    IOP_SLOT_NANOSLEEP,
    IOP_SLOT_CLOCK_NANOSLEEP,
    IOP_SLOT_RT_SIGTIMEDWAIT,
    IOP_SLOT_RT_SIGSUSPEND,
    IOP_SLOT_PAUSE,
    IOP_SLOT_WAIT4,
    /* setup calls whose arguments tell how a process does its I/O */
    IOP_SLOT_EPOLL_CTL,
    IOP_SLOT_IO_URING_SETUP,
    IOP_SLOT_FCNTL,
    IOP_SLOT_SOCKET,
    IOP_SLOT_CLONE,
    IOP_SLOT_CLONE3,
    IOP_SLOT_FORK,
    IOP_SLOT_CLOSE,
    IOP_SLOT_COUNT
};

#define IOP_SLOT_FIRST_ACCEPT IOP_SLOT_ACCEPT
#define IOP_SLOT_LAST_ACCEPT IOP_SLOT_ACCEPT4
#define IOP_SLOT_FIRST_INPUT IOP_SLOT_READ
#define IOP_SLOT_LAST_INPUT IOP_SLOT_RECVMMSG
#define IOP_SLOT_FIRST_OUTPUT IOP_SLOT_WRITE
#define IOP_SLOT_LAST_OUTPUT IOP_SLOT_SENDFILE
#define IOP_SLOT_FIRST_MULTIPLEXER IOP_SLOT_SELECT
#define IOP_SLOT_LAST_MULTIPLEXER IOP_SLOT_EPOLL_PWAIT2

/* What kind of file a read/write-like call worked on. */
enum iop_fd_kind {
    IOP_FD_NONE = 0, /* the call does not take a data fd */
    IOP_FD_SOCKET,
    IOP_FD_PIPE,
    IOP_FD_FILE,
    IOP_FD_OTHER,
};

/* Where a traced thread is right now. On CPU, the bucket depends on whether it is inside a
 * syscall, inside a bracketed copy, or interrupted (see charge() in state.bpf.h). */
enum iop_state {
    IOP_ST_ONCPU = 0,
    IOP_ST_RUNQ,
    IOP_ST_BLOCKED,
};

/* Which copy bracket is open (struct iop_thread.copying). */
enum iop_copy {
    IOP_COPY_NONE = 0,
    IOP_COPY_IN,  /* socket data into the process (skb_copy_datagram_iovec -> its end) */
    IOP_COPY_OUT, /* process data into a TCP send buffer (tcp_sendmsg_locked -> its end) */
};

/* Interrupt work running on the thread's CPU in its context (struct iop_thread.irq). */
#define IOP_IRQ_SOFT 1u
#define IOP_IRQ_HARD 2u

struct iop_budget {
    __u64 user_ns;
    __u64 kernel_copy_ns;
    __u64 kernel_other_ns;
    __u64 irq_net_rx_ns; /* NET_RX softirq run in this thread's context */
    __u64 irq_other_ns;  /* other softirqs and device interrupts */
    __u64 stolen_ns;     /* on a CPU the hypervisor had given to someone else (steal) */
    __u64 runq_ns;
    __u64 blocked_ns[IOP_SLOT_COUNT]; /* by the slot slept in; [IOP_SLOT_NONE] = none */
};

/* What one thread did with the calls of one slot (per-thread rows and thread roles). Reads
 * and writes on sockets have uses of their own, after the slots. */
#define IOP_USE_SOCKET_READ IOP_SLOT_COUNT
#define IOP_USE_SOCKET_WRITE (IOP_SLOT_COUNT + 1)
#define IOP_USE_COUNT (IOP_SLOT_COUNT + 2)

struct iop_use {
    __u64 calls;
    __u64 wait_ns;
    __u64 eagain;
    __u64 fds_ready; /* multiplexers: fds returned ready */
};

/* Per-thread state and budget, in task-local storage (key: the task). */
struct iop_thread {
    __u32 tgid;
    __u32 state;      /* enum iop_state */
    __u64 first_ns;   /* start of this thread's traced wall interval */
    __u64 last_ns;    /* last time the budget was brought up to date */
    __u64 exit_ns;    /* 0 while alive */
    __u64 exit_index; /* its place among its process's exits (iop_proc.dead_threads) */
    /* the syscall in progress */
    __u32 in_call; /* 1 inside a syscall */
    __u32 nr;      /* its number */
    __u32 slot;    /* enum iop_slot of the call */
    __u32 fd_kind; /* enum iop_fd_kind of the call */
    __u32 copying; /* enum iop_copy: the open copy bracket */
    __u32 irq;     /* IOP_IRQ_* bits: interrupt work in progress on top of the thread */
    __u32 softirq_vec;
    __u32 call_ready_from_socket; /* 1 when call_ready_ns is the socket's sk_data_ready */
    __u64 call_start_ns;
    __u64 call_wait_ns;
    __u64 call_runq_ns;
    __u64 call_copy_ns;
    __u64 call_irq_ns;
    __u64 call_stolen_ns;
    __u64 call_ready_ns;   /* data (or a completion) became ready during the call's wait */
    __u64 call_back_on_ns; /* first time back on a CPU after call_ready_ns */
    __u64 call_fds_asked;  /* multiplexers: fds the call asked about */
    __u64 call_arg[4];     /* arguments kept for the exit handler (epoll_ctl, fcntl, ...) */
    __u64 signal_taken_ns; /* an I/O signal was dequeued; cleared by the next read */
    /* Copy time not yet given to an io_uring operation, by direction (enum iop_copy - 1):
     * a receive's completion takes the received, a send's the sent. */
    __u64 uring_copy_ns[2];
    /* This CPU's steal clock when the budget was last brought up to date (state.bpf.h) */
    __u64 steal_seen_ns;
    __u64 steal_clock; /* that CPU's steal clock's address, which it was read from; 0: none yet */
    char comm[IOP_COMM_LEN];
    struct iop_budget budget;
    struct iop_use uses[IOP_USE_COUNT];
};

/* A thread that exited, sent to userspace for its report row (ring buffer "exits"). Its
 * time is also folded into its process (iop_proc.dead_budget), so a lost row loses no time. */
struct iop_exit {
    __u32 tid;
    __u32 pad;
    struct iop_thread thread;
};

/* The thread table as the task iterator dumps it: per live traced thread, this header and
 * then its struct iop_thread. */
struct iop_live_head {
    __u32 tid;
    __u32 seeded; /* 1: its state is still the attach-time seed (no event since attach) */
};

/* Per-syscall statistics of a process, per-CPU hash, key: struct iop_sys_key. */
struct iop_sys_key {
    __u32 tgid;
    __u16 nr;
    __u16 fd_kind;
};

struct iop_sys_stats {
    __u64 count;
    __u64 unfinished; /* calls their thread exited inside */
    __u64 errors;
    __u64 eagain;
    __u64 total_ns;
    __u64 wait_ns;
    __u64 runq_ns;
    __u64 copy_ns;
    __u64 irq_ns;
    __u64 stolen_ns;
    __u64 bytes;
    __u64 fds_asked;
    __u64 fds_ready;
    __u64 timeouts;
    /* calls whose wait ended because data (or a completion) became ready */
    __u64 ready_samples;
    __u64 ready_from_socket; /* of those, ready at the socket's sk_data_ready, not the wakeup */
    __u64 wait_for_data_ns;  /* call start -> ready */
    __u64 wakeup_ns;         /* ready -> back on a CPU */
    __u64 ready_to_exit_ns;  /* ready -> the call returned */
    __u64 hist[IOP_HIST_SLOTS];
    __u64 copy_hist[IOP_HIST_SLOTS]; /* calls that copied, by the time in their copy brackets */
};

/* Per-process facts and the folded budget of its exited threads, key: tgid. */
struct iop_proc {
    __u32 parent_tgid; /* traced parent that forked it after attach, or 0 */
    __u32 exited;      /* the whole thread group has exited */
    __u64 epoll_ctl_et;
    __u64 epoll_ctl_lt;
    __u64 set_nonblock;
    __u64 set_async;
    __u64 set_own;
    __u64 set_sig;
    __u64 io_uring_setups;
    __u64 threads_created;
    __u64 processes_created;
    __u64 accepted; /* accept/accept4 that returned a connection */
    /* signal-driven I/O: readiness signals (SIGIO, or the F_SETSIG signal with a POLL_ code) */
    __u64 io_signals;           /* generated and queued for this process */
    __u64 io_signals_coalesced; /* generated while one was already pending (SIGIO merges) */
    __u64 io_signals_overflow;  /* the realtime queue was full */
    __u64 io_signals_taken;     /* dequeued by sigwaitinfo/sigtimedwait or a handler */
    __u64 signal_pending;       /* generated, not yet taken: for the delay sample below */
    __u64 signal_pending_since; /* generation time of the first of them */
    __u64 signal_delay_samples; /* generation -> dequeue, sampled on an empty queue */
    __u64 signal_delay_ns;
    __u64 signal_to_read_samples; /* dequeue -> the thread's next read/recv */
    __u64 signal_to_read_ns;
    /* exited threads, folded so a process's totals never depend on their report rows */
    __u64 dead_threads;
    __u64 dead_wall_ns;
    struct iop_budget dead_budget;
};

/* io_uring operations per process and opcode (per-CPU hash). */
struct iop_uring_key {
    __u32 tgid;
    __u32 opcode;
};

/* Where an operation's completion was posted. */
enum iop_uring_where {
    IOP_URING_INLINE = 0, /* by the submitting thread inside io_uring_enter */
    IOP_URING_TASK_WORK,  /* by a thread of the process outside io_uring_enter (task work) */
    IOP_URING_IOWQ,       /* by an io-wq worker thread (its CPU time is the process's) */
    IOP_URING_ELSEWHERE,  /* interrupt context or another process */
    IOP_URING_WHERE_COUNT
};

struct iop_uring_stats {
    __u64 submitted;
    __u64 completions;
    __u64 errors;        /* res < 0 */
    __u64 cancelled;     /* res == -ECANCELED */
    __u64 bytes;         /* res > 0 of data-moving opcodes */
    __u64 lifetime_ns;   /* submission (or previous multishot completion) -> completion */
    __u64 ready_waits;   /* completions that waited for readiness (poll armed) */
    __u64 ready_wait_ns; /* poll armed -> readiness (task work queued) */
    __u64 async_punts;   /* handed to io-wq */
    __u64 copy_ns;       /* bracketed copies run for these operations */
    __u64 where[IOP_URING_WHERE_COUNT];
    __u64 hist[IOP_HIST_SLOTS]; /* lifetime */
};

/* An operation in flight, key: the kernel's request pointer. */
struct iop_uring_req {
    __u32 tgid;
    __u32 opcode;
    __u64 start_ns; /* submission, or the previous completion of a multishot request */
    __u64 armed_ns; /* poll armed, 0 if not waiting for readiness */
    __u64 ready_ns; /* readiness fired */
};

/* Timeline (only with --timeline): after every transition, where the thread now is.
 * Consecutive events of one thread delimit the spans of a per-thread timeline. */
enum iop_timeline_state {
    IOP_TL_USER = 0,
    IOP_TL_KERNEL,
    IOP_TL_COPY,
    IOP_TL_RUNQ,
    IOP_TL_BLOCKED,
    IOP_TL_EXITED,
    IOP_TL_IRQ,
    IOP_TL_STATE_COUNT
};

struct iop_event {
    __u64 ts;
    __u32 tgid;
    __u32 tid;
    __u32 state;   /* enum iop_timeline_state */
    __u32 in_call; /* 1 inside a syscall; nr says which */
    __u32 nr;
    __u32 data_ready; /* 1: data became ready for the call at ts (state is unchanged) */
};

/* Registered fds per epoll instance, key: {tgid, epfd}; value: __s64 count. */
struct iop_epoll_key {
    __u32 tgid;
    __s32 epfd;
};

/* The epoll instance an fd was registered with, key: {tgid, fd}; value: __s32 epfd. A close
 * of the fd takes it out of the instance as EPOLL_CTL_DEL would (servers such as nginx never
 * call EPOLL_CTL_DEL). */
struct iop_fd_key {
    __u32 tgid;
    __s32 fd;
};

/* Counters of what the BPF side could not record (per-CPU array, index: enum iop_drop). */
enum iop_drop {
    IOP_DROP_THREAD_STORAGE = 0, /* no task storage for a traced thread: its events lost */
    IOP_DROP_SYS_MAP_FULL,
    IOP_DROP_PROC_MAP_FULL,
    IOP_DROP_EPOLL_MAP_FULL,
    IOP_DROP_URING_MAP_FULL,
    IOP_DROP_TIMELINE_FULL, /* timeline ring buffer full: events lost */
    IOP_DROP_EXIT_ROWS,     /* exit ring buffer full: exited threads' rows lost (not time) */
    IOP_DROP_COUNT
};

#endif /* IOPHASE_H */
