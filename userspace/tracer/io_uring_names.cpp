#include "tracer/io_uring_names.h"

#include <array>
#include <string_view>

namespace iophase {

std::string io_uring_opcode_name(std::uint32_t opcode) {
    // In the order of enum io_uring_op (include/uapi/linux/io_uring.h).
    static constexpr std::array<const char *, 63> kNames = {"nop",
                                                            "readv",
                                                            "writev",
                                                            "fsync",
                                                            "read_fixed",
                                                            "write_fixed",
                                                            "poll_add",
                                                            "poll_remove",
                                                            "sync_file_range",
                                                            "sendmsg",
                                                            "recvmsg",
                                                            "timeout",
                                                            "timeout_remove",
                                                            "accept",
                                                            "async_cancel",
                                                            "link_timeout",
                                                            "connect",
                                                            "fallocate",
                                                            "openat",
                                                            "close",
                                                            "files_update",
                                                            "statx",
                                                            "read",
                                                            "write",
                                                            "fadvise",
                                                            "madvise",
                                                            "send",
                                                            "recv",
                                                            "openat2",
                                                            "epoll_ctl",
                                                            "splice",
                                                            "provide_buffers",
                                                            "remove_buffers",
                                                            "tee",
                                                            "shutdown",
                                                            "renameat",
                                                            "unlinkat",
                                                            "mkdirat",
                                                            "symlinkat",
                                                            "linkat",
                                                            "msg_ring",
                                                            "fsetxattr",
                                                            "setxattr",
                                                            "fgetxattr",
                                                            "getxattr",
                                                            "socket",
                                                            "uring_cmd",
                                                            "send_zc",
                                                            "sendmsg_zc",
                                                            "read_multishot",
                                                            "waitid",
                                                            "futex_wait",
                                                            "futex_wake",
                                                            "futex_waitv",
                                                            "fixed_fd_install",
                                                            "ftruncate",
                                                            "bind",
                                                            "listen",
                                                            "recv_zc",
                                                            "epoll_wait",
                                                            "readv_fixed",
                                                            "writev_fixed",
                                                            "pipe"};
    if (opcode < kNames.size()) {
        return kNames[opcode];
    }
    return "op" + std::to_string(opcode);
}

bool io_uring_opcode_moves_data(const std::string &name) {
    static constexpr std::array<std::string_view, 15> kDataOps = {
        "readv",   "writev",     "read_fixed",     "write_fixed", "sendmsg",
        "recvmsg", "read",       "write",          "send",        "recv",
        "send_zc", "sendmsg_zc", "read_multishot", "readv_fixed", "writev_fixed"};
    for (std::string_view op : kDataOps) {
        if (op == name) {
            return true;
        }
    }
    return false;
}

}  // namespace iophase
