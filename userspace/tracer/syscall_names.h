// The kernel's names for syscall numbers on the running architecture, from libseccomp (a
// well-kept table that follows the kernel's syscall tables for every architecture; Debian's
// libseccomp-dev). A number libseccomp does not know yet is named "syscall_NNN", as strace
// does.
#pragma once

#include <string>
#include <string_view>

namespace iophase {

// "read" for 0 on x86_64, "syscall_467" for a number newer than libseccomp's table.
std::string syscall_name(long nr);
// The number of a syscall on this architecture, or -1 if it has none here.
long syscall_number(std::string_view name);

}  // namespace iophase
