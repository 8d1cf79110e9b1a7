// accept() with the EMFILE strategy: a spare descriptor is kept open; when the process runs
// out of descriptors, the spare is closed, the waiting connection is accepted and closed at
// once, and the spare reopened. The peer sees a closed connection instead of the server
// spinning on a listen socket that stays readable.
#pragma once

#include <vector>

#include "unique_fd.h"

namespace iophase::demo {

class Connection;

class Acceptor {
  public:
    explicit Acceptor(int listen_fd);

    // A new connection (non-blocking if asked), or an empty UniqueFd with errno telling why:
    // EAGAIN (nothing pending), EINTR (signal, or a blocking caller backed off 10 ms while
    // out of descriptors), EMFILE (one connection was shed; more may be pending, call
    // again), or another accept error. Counts the connection.
    UniqueFd accept_client(bool nonblocking);

    // Sheds one pending connection after an accept failed with EMFILE/ENFILE (also used by
    // io_uring, whose accept runs in the kernel). Returns true if one was shed.
    bool shed_one();

    int listen_fd() const { return listen_fd_; }

  private:
    int listen_fd_;
    UniqueFd spare_;
    bool warned_ = false;  // one stderr line per episode of running out of descriptors
};

// Accepts every pending connection (non-blocking) into `clients`, until accept says EAGAIN
// or fails otherwise; a connection shed on EMFILE is skipped and accepting goes on.
void accept_pending(Acceptor &acceptor, std::vector<Connection> &clients);

}  // namespace iophase::demo
