#include "tracer/syscall_table.h"

#include <array>

#include "tracer/syscall_names.h"

namespace iophase {
namespace {

struct SlotInfo {
    std::uint32_t slot;
    const char *name;  // the syscall's name; its number comes from this machine
    SyscallRole role;
    Multiplexer multiplexer = Multiplexer::none;
};

using R = SyscallRole;
constexpr std::array kSlots = {
    SlotInfo{IOP_SLOT_NONE, "none", R::none},
    SlotInfo{IOP_SLOT_OTHER, "other", R::none},
    SlotInfo{IOP_SLOT_ACCEPT, "accept", R::accept},
    SlotInfo{IOP_SLOT_ACCEPT4, "accept4", R::accept},
    SlotInfo{IOP_SLOT_READ, "read", R::file_input},
    SlotInfo{IOP_SLOT_READV, "readv", R::file_input},
    SlotInfo{IOP_SLOT_RECVFROM, "recvfrom", R::input},
    SlotInfo{IOP_SLOT_RECVMSG, "recvmsg", R::input},
    SlotInfo{IOP_SLOT_RECVMMSG, "recvmmsg", R::input},
    SlotInfo{IOP_SLOT_WRITE, "write", R::file_output},
    SlotInfo{IOP_SLOT_WRITEV, "writev", R::file_output},
    SlotInfo{IOP_SLOT_SENDTO, "sendto", R::output},
    SlotInfo{IOP_SLOT_SENDMSG, "sendmsg", R::output},
    SlotInfo{IOP_SLOT_SENDMMSG, "sendmmsg", R::output},
    SlotInfo{IOP_SLOT_SENDFILE, "sendfile", R::output},
    SlotInfo{IOP_SLOT_CONNECT, "connect", R::connect},
    SlotInfo{IOP_SLOT_SELECT, "select", R::multiplexer, Multiplexer::select},
    SlotInfo{IOP_SLOT_PSELECT6, "pselect6", R::multiplexer, Multiplexer::select},
    SlotInfo{IOP_SLOT_POLL, "poll", R::multiplexer, Multiplexer::poll},
    SlotInfo{IOP_SLOT_PPOLL, "ppoll", R::multiplexer, Multiplexer::poll},
    SlotInfo{IOP_SLOT_EPOLL_WAIT, "epoll_wait", R::multiplexer, Multiplexer::epoll},
    SlotInfo{IOP_SLOT_EPOLL_PWAIT, "epoll_pwait", R::multiplexer, Multiplexer::epoll},
    SlotInfo{IOP_SLOT_EPOLL_PWAIT2, "epoll_pwait2", R::multiplexer, Multiplexer::epoll},
    SlotInfo{IOP_SLOT_IO_URING_ENTER, "io_uring_enter", R::async},
    SlotInfo{IOP_SLOT_FUTEX, "futex", R::thread_wait},
    SlotInfo{IOP_SLOT_NANOSLEEP, "nanosleep", R::sleep},
    SlotInfo{IOP_SLOT_CLOCK_NANOSLEEP, "clock_nanosleep", R::sleep},
    SlotInfo{IOP_SLOT_RT_SIGTIMEDWAIT, "rt_sigtimedwait", R::signal_wait},
    SlotInfo{IOP_SLOT_RT_SIGSUSPEND, "rt_sigsuspend", R::signal_wait},
    SlotInfo{IOP_SLOT_PAUSE, "pause", R::signal_wait},
    SlotInfo{IOP_SLOT_WAIT4, "wait4", R::child_wait},
    SlotInfo{IOP_SLOT_EPOLL_CTL, "epoll_ctl", R::setup},
    SlotInfo{IOP_SLOT_IO_URING_SETUP, "io_uring_setup", R::setup},
    SlotInfo{IOP_SLOT_FCNTL, "fcntl", R::setup},
    SlotInfo{IOP_SLOT_SOCKET, "socket", R::setup},
    SlotInfo{IOP_SLOT_CLONE, "clone", R::setup},
    SlotInfo{IOP_SLOT_CLONE3, "clone3", R::setup},
    SlotInfo{IOP_SLOT_FORK, "fork", R::setup},
    SlotInfo{IOP_SLOT_CLOSE, "close", R::setup},
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

// The BPF side tests these groups as ranges (bpf/state.bpf.h): each must be one role.
constexpr bool range_has_role(std::uint32_t first, std::uint32_t last, SyscallRole role,
                              SyscallRole also) {
    for (std::uint32_t slot = first; slot <= last; ++slot) {
        if (kSlots[slot].role != role && kSlots[slot].role != also) {
            return false;
        }
    }
    return true;
}
static_assert(range_has_role(IOP_SLOT_FIRST_ACCEPT, IOP_SLOT_LAST_ACCEPT, R::accept, R::accept));
static_assert(range_has_role(IOP_SLOT_FIRST_INPUT, IOP_SLOT_LAST_INPUT, R::input, R::file_input));
static_assert(range_has_role(IOP_SLOT_FIRST_OUTPUT, IOP_SLOT_LAST_OUTPUT, R::output,
                             R::file_output));
static_assert(range_has_role(IOP_SLOT_FIRST_MULTIPLEXER, IOP_SLOT_LAST_MULTIPLEXER, R::multiplexer,
                             R::multiplexer));
static_assert(IOP_SLOT_LAST_INPUT + 1 == IOP_SLOT_FIRST_OUTPUT,
              "input and output slots must be adjacent: the BPF side counts bytes over both");
static_assert(IOP_SLOT_CONNECT + 1 == IOP_SLOT_FIRST_MULTIPLEXER &&
                  IOP_SLOT_LAST_OUTPUT + 1 == IOP_SLOT_CONNECT,
              "the BPF side takes every slot up to connect as a socket call");

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

SyscallKind slot_kind(std::uint32_t slot, std::uint32_t fd_kind) {
    if (slot >= kSlots.size()) {
        return {};
    }
    SyscallKind kind{kSlots[slot].role, kSlots[slot].multiplexer};
    if (fd_kind == IOP_FD_SOCKET && kind.role == R::file_input) {
        kind.role = R::input;
    }
    if (fd_kind == IOP_FD_SOCKET && kind.role == R::file_output) {
        kind.role = R::output;
    }
    return kind;
}

SyscallKind syscall_kind(std::string_view name, std::string_view fd_kind) {
    for (const auto &info : kSlots) {
        if (info.slot > IOP_SLOT_OTHER && name == info.name) {
            return slot_kind(info.slot, fd_kind == "socket" ? IOP_FD_SOCKET : IOP_FD_OTHER);
        }
    }
    return {};
}

std::uint32_t use_slot(std::uint32_t use) {
    if (use == IOP_USE_SOCKET_READ) {
        return IOP_SLOT_READ;
    }
    if (use == IOP_USE_SOCKET_WRITE) {
        return IOP_SLOT_WRITE;
    }
    return use;
}

std::uint32_t use_fd_kind(std::uint32_t use) {
    return use == IOP_USE_SOCKET_READ || use == IOP_USE_SOCKET_WRITE ? IOP_FD_SOCKET : IOP_FD_NONE;
}

std::vector<std::uint32_t> syscall_slot_table() {
    std::vector<std::uint32_t> table(IOP_MAX_SYSCALL_NR, 0);
    for (const auto &info : kSlots) {
        if (info.slot <= IOP_SLOT_OTHER) {
            continue;
        }
        const long nr = syscall_number(info.name);
        if (nr >= 0 && nr < IOP_MAX_SYSCALL_NR) {
            table[static_cast<std::size_t>(nr)] = info.slot;
        }
    }
    return table;
}

std::uint32_t slot_of_syscall(long nr) {
    static const std::vector<std::uint32_t> table = syscall_slot_table();
    if (nr < 0 || nr >= static_cast<long>(table.size()) ||
        table[static_cast<std::size_t>(nr)] == 0) {
        return IOP_SLOT_OTHER;
    }
    return table[static_cast<std::size_t>(nr)];
}

}  // namespace iophase
