// The names of the syscall slots the BPF side reports by (bpf/iophase.h), and the mapping
// from this machine's syscall numbers to those slots.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

extern "C" {
#include "iophase.h"
}

namespace iophase {

// Name of a slot as reported ("recvfrom", "epoll_wait", "none" for IOP_SLOT_NONE).
const char *slot_name(std::uint32_t slot);
// Name of an fd kind ("socket", "pipe", "file", "other"; "" for IOP_FD_NONE).
const char *fd_kind_name(std::uint32_t kind);
// True for select/pselect6/poll/ppoll/epoll_wait/epoll_pwait/epoll_pwait2.
bool slot_is_multiplexer(std::uint32_t slot);
// Syscall number -> slot for every number below IOP_MAX_SYSCALL_NR (0 = unmapped: "other").
std::vector<std::uint32_t> syscall_slot_table();
// The slot of a syscall number, as the BPF side would map it.
std::uint32_t slot_of_syscall(long nr);

}  // namespace iophase
