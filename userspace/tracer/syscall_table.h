// The syscall slots of the BPF side (bpf/iophase.h): the calls whose role iophase knows, their
// names and what each is for; and the number -> slot table the BPF side looks calls up in,
// built from this machine's syscall numbers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/syscall_kind.h"

extern "C" {
#include "iophase.h"
}

namespace iophase {

// Name of a slot ("recvfrom", "epoll_wait"; "none" for IOP_SLOT_NONE, "other" for the calls
// without a role).
const char *slot_name(std::uint32_t slot);
// Name of an fd kind ("socket", "pipe", "file", "other"; "" for IOP_FD_NONE).
const char *fd_kind_name(std::uint32_t kind);
// What a call of `slot` on an fd of `fd_kind` is for.
SyscallKind slot_kind(std::uint32_t slot, std::uint32_t fd_kind);
// What a call named `name` on an fd of kind `fd_kind` ("socket", ...) is for: the slot table
// read by name (for reports built by hand, as the tests do; the collector has numbers).
SyscallKind syscall_kind(std::string_view name, std::string_view fd_kind);
// The slot of a per-thread use (IOP_USE_*): the slot itself, or read/write for the socket uses.
std::uint32_t use_slot(std::uint32_t use);
// The fd kind a per-thread use stands for (IOP_FD_SOCKET for the socket uses).
std::uint32_t use_fd_kind(std::uint32_t use);
// Syscall number -> slot for every number below IOP_MAX_SYSCALL_NR (0 = no role).
std::vector<std::uint32_t> syscall_slot_table();
// The slot of a syscall number, as the BPF side would map it.
std::uint32_t slot_of_syscall(long nr);

}  // namespace iophase
