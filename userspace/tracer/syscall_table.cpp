#include "tracer/syscall_table.h"

#include <sys/syscall.h>

#include <array>
#include <utility>

namespace iophase {
namespace {

struct SlotInfo {
    std::uint32_t slot;
    const char *name;
    long nr;  // -1: no such syscall on this architecture
};

// SYS_ constants come from this machine's headers, so the table is right for its architecture.
constexpr std::array kSlots = {
    SlotInfo{IOP_SLOT_NONE, "none", -1},
    SlotInfo{IOP_SLOT_OTHER, "other", -1},
    SlotInfo{IOP_SLOT_ACCEPT, "accept", SYS_accept},
    SlotInfo{IOP_SLOT_ACCEPT4, "accept4", SYS_accept4},
    SlotInfo{IOP_SLOT_READ, "read", SYS_read},
    SlotInfo{IOP_SLOT_READV, "readv", SYS_readv},
    SlotInfo{IOP_SLOT_RECVFROM, "recvfrom", SYS_recvfrom},
    SlotInfo{IOP_SLOT_RECVMSG, "recvmsg", SYS_recvmsg},
    SlotInfo{IOP_SLOT_RECVMMSG, "recvmmsg", SYS_recvmmsg},
    SlotInfo{IOP_SLOT_WRITE, "write", SYS_write},
    SlotInfo{IOP_SLOT_WRITEV, "writev", SYS_writev},
    SlotInfo{IOP_SLOT_SENDTO, "sendto", SYS_sendto},
    SlotInfo{IOP_SLOT_SENDMSG, "sendmsg", SYS_sendmsg},
    SlotInfo{IOP_SLOT_SENDMMSG, "sendmmsg", SYS_sendmmsg},
    SlotInfo{IOP_SLOT_SENDFILE, "sendfile", SYS_sendfile},
    SlotInfo{IOP_SLOT_CONNECT, "connect", SYS_connect},
    SlotInfo{IOP_SLOT_SELECT, "select", SYS_select},
    SlotInfo{IOP_SLOT_PSELECT6, "pselect6", SYS_pselect6},
    SlotInfo{IOP_SLOT_POLL, "poll", SYS_poll},
    SlotInfo{IOP_SLOT_PPOLL, "ppoll", SYS_ppoll},
    SlotInfo{IOP_SLOT_EPOLL_WAIT, "epoll_wait", SYS_epoll_wait},
    SlotInfo{IOP_SLOT_EPOLL_PWAIT, "epoll_pwait", SYS_epoll_pwait},
    SlotInfo{IOP_SLOT_EPOLL_PWAIT2, "epoll_pwait2", SYS_epoll_pwait2},
    SlotInfo{IOP_SLOT_EPOLL_CTL, "epoll_ctl", SYS_epoll_ctl},
    SlotInfo{IOP_SLOT_IO_URING_ENTER, "io_uring_enter", SYS_io_uring_enter},
    SlotInfo{IOP_SLOT_IO_URING_SETUP, "io_uring_setup", SYS_io_uring_setup},
    SlotInfo{IOP_SLOT_FUTEX, "futex", SYS_futex},
    SlotInfo{IOP_SLOT_NANOSLEEP, "nanosleep", SYS_nanosleep},
    SlotInfo{IOP_SLOT_CLOCK_NANOSLEEP, "clock_nanosleep", SYS_clock_nanosleep},
    SlotInfo{IOP_SLOT_RT_SIGTIMEDWAIT, "rt_sigtimedwait", SYS_rt_sigtimedwait},
    SlotInfo{IOP_SLOT_RT_SIGSUSPEND, "rt_sigsuspend", SYS_rt_sigsuspend},
    SlotInfo{IOP_SLOT_PAUSE, "pause", SYS_pause},
    SlotInfo{IOP_SLOT_FCNTL, "fcntl", SYS_fcntl},
    SlotInfo{IOP_SLOT_SOCKET, "socket", SYS_socket},
    SlotInfo{IOP_SLOT_CLONE, "clone", SYS_clone},
    SlotInfo{IOP_SLOT_CLONE3, "clone3", SYS_clone3},
    SlotInfo{IOP_SLOT_FORK, "fork", SYS_fork},
    SlotInfo{IOP_SLOT_WAIT4, "wait4", SYS_wait4},
    SlotInfo{IOP_SLOT_CLOSE, "close", SYS_close},
};
static_assert(kSlots.size() == IOP_SLOT_COUNT, "every slot in bpf/iophase.h needs a name");

constexpr bool slots_in_order() {
    for (std::size_t i = 0; i < kSlots.size(); ++i) {
        if (kSlots[i].slot != i) {
            return false;
        }
    }
    return true;
}
static_assert(slots_in_order(), "kSlots must list the slots in enum order");

}  // namespace

const char *slot_name(std::uint32_t slot) {
    return slot < kSlots.size() ? kSlots[slot].name : "other";
}

const char *fd_kind_name(std::uint32_t kind) {
    switch (kind) {
        case IOP_FD_SOCKET:
            return "socket";
        case IOP_FD_PIPE:
            return "pipe";
        case IOP_FD_FILE:
            return "file";
        case IOP_FD_OTHER:
            return "other";
        default:
            return "";
    }
}

bool slot_is_multiplexer(std::uint32_t slot) {
    return slot >= IOP_SLOT_SELECT && slot <= IOP_SLOT_EPOLL_PWAIT2;
}

std::vector<std::uint32_t> syscall_slot_table() {
    std::vector<std::uint32_t> table(IOP_MAX_SYSCALL_NR, 0);
    for (const auto &info : kSlots) {
        if (info.nr >= 0 && info.nr < IOP_MAX_SYSCALL_NR) {
            table[static_cast<std::size_t>(info.nr)] = info.slot;
        }
    }
    return table;
}

std::uint32_t slot_of_syscall(long nr) {
    for (const auto &info : kSlots) {
        if (info.nr == nr && nr >= 0) {
            return info.slot;
        }
    }
    return IOP_SLOT_OTHER;
}

}  // namespace iophase
