#include "model/syscall_kind.h"

#include <array>
#include <utility>

namespace iophase {
namespace {

constexpr std::array<std::pair<SyscallRole, std::string_view>, 14> kRoleNames = {{
    {SyscallRole::none, "none"},
    {SyscallRole::accept, "accept"},
    {SyscallRole::input, "input"},
    {SyscallRole::output, "output"},
    {SyscallRole::file_input, "file_input"},
    {SyscallRole::file_output, "file_output"},
    {SyscallRole::connect, "connect"},
    {SyscallRole::multiplexer, "multiplexer"},
    {SyscallRole::async, "async"},
    {SyscallRole::signal_wait, "signal_wait"},
    {SyscallRole::thread_wait, "thread_wait"},
    {SyscallRole::sleep, "sleep"},
    {SyscallRole::child_wait, "child_wait"},
    {SyscallRole::setup, "setup"},
}};

}  // namespace

std::string_view syscall_role_name(SyscallRole role) {
    for (const auto &[r, name] : kRoleNames) {
        if (r == role) {
            return name;
        }
    }
    return "none";
}

SyscallRole syscall_role_from_name(std::string_view name) {
    for (const auto &[role, n] : kRoleNames) {
        if (n == name) {
            return role;
        }
    }
    return SyscallRole::none;
}

std::string_view multiplexer_name(Multiplexer m) {
    switch (m) {
        case Multiplexer::select:
            return "select";
        case Multiplexer::poll:
            return "poll";
        case Multiplexer::epoll:
            return "epoll";
        case Multiplexer::none:
            break;
    }
    return "";
}

}  // namespace iophase
