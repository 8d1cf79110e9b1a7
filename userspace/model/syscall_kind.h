// What a syscall is for, in the terms the model reasons in. The collector sets it once, from
// the BPF side's slot of the call and the kind of fd it used; the classifier, the compare
// experiment and the renderers read it instead of re-deriving it from the call's name. Only
// renderers turn it into words (syscall_role_name).
#pragma once

#include <cstdint>
#include <string_view>

namespace iophase {

enum class SyscallRole : std::uint8_t {
    none,         // no role the model reasons about (openat, mmap, ...)
    accept,       // accept, accept4
    input,        // socket input: recvfrom, recvmsg, recvmmsg, read/readv on a socket
    output,       // socket output: sendto, sendmsg, sendmmsg, sendfile, write/writev on a socket
    file_input,   // read/readv on anything but a socket (a pipe, a file, a signalfd, ...)
    file_output,  // write/writev on anything but a socket
    connect,      // connect
    multiplexer,  // waiting for readiness of many fds (see Multiplexer)
    async,        // io_uring_enter: submitting and waiting for completions
    signal_wait,  // rt_sigtimedwait, rt_sigsuspend, pause
    thread_wait,  // futex: waiting for another thread
    sleep,        // nanosleep, clock_nanosleep
    child_wait,   // wait4
    setup,        // epoll_ctl, io_uring_setup, fcntl, socket, clone, clone3, fork, close
};

enum class Multiplexer : std::uint8_t { none, select, poll, epoll };

struct SyscallKind {
    SyscallRole role = SyscallRole::none;
    Multiplexer multiplexer = Multiplexer::none;  // set when role == multiplexer

    bool operator==(const SyscallKind &) const = default;
    // Input or output on a socket, or accepting one: the calls that serve connections.
    bool serves_connections() const {
        return role == SyscallRole::accept || role == SyscallRole::input ||
               role == SyscallRole::output;
    }
};

// "accept", "input", "output", ... as in the JSON report's `role` field.
std::string_view syscall_role_name(SyscallRole role);
// The role a JSON report names; SyscallRole::none for an unknown name.
SyscallRole syscall_role_from_name(std::string_view name);
// "select", "poll", "epoll", or "" for none.
std::string_view multiplexer_name(Multiplexer m);

}  // namespace iophase
