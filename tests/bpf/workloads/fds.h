// The connected pairs the workloads talk over, each end owned by an iophase::UniqueFd.
#pragma once

#include <cstddef>
#include <string_view>

#include "common/unique_fd.h"

namespace workload {

using iophase::UniqueFd;

struct FdPair {
    UniqueFd first;   // the receiving end (server side, or a pipe's read end)
    UniqueFd second;  // the sending end (client side, or a pipe's write end)
};

// A TCP connection over 127.0.0.1: first = the accepted socket, second = the connected one.
// buffer_bytes > 0 forces both socket buffers to that size (needs CAP_NET_ADMIN to go past
// the sysctl limits) before the handshake, so the window can hold that much unread data.
FdPair make_tcp_pair(int buffer_bytes = 0);

// An AF_UNIX stream socketpair; buffer_bytes > 0 as above.
FdPair make_unix_pair(int buffer_bytes = 0);

FdPair make_pipe();

void set_nonblocking(int fd);

// Sends all of data with one blocking send(); dies on a short send (the tests count calls).
void send_once(int fd, std::string_view data);

// Receives exactly `size` bytes with one recv(MSG_WAITALL); dies on a short read.
void recv_once(int fd, char *buffer, std::size_t size);

}  // namespace workload
