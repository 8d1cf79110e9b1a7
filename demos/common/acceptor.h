// accept() with the EMFILE strategy: a spare descriptor is kept open; when the process runs
// out of descriptors, the spare is closed, the waiting connection is accepted and closed at
// once, and the spare reopened. The peer sees a closed connection instead of the server
// spinning on a listen socket that stays readable.
#pragma once

#include <functional>

#include "unique_fd.h"

namespace iophase::demo {

enum class AcceptOutcome {
    Accepted,  // `fd` is the new connection (already counted)
    Skipped,   // a connection went unserved (shed for want of descriptors, or aborted by its
               // peer before we took it); more may be waiting: call again
    Idle,      // nothing to take now: none waiting (EAGAIN), a signal, a blocking caller
               // backed off 10 ms while out of descriptors, or another accept error
};

struct AcceptResult {
    AcceptOutcome outcome;
    UniqueFd fd;  // set only when Accepted
};

class Acceptor {
  public:
    explicit Acceptor(int listen_fd);

    // One accept(); the new connection is non-blocking if asked.
    AcceptResult accept_client(bool nonblocking);

    // Accepts every pending connection (non-blocking) until none is waiting, handing each to
    // `on_client`; connections skipped on the way do not stop it.
    void accept_all(const std::function<void(UniqueFd)> &on_client);

    // Sheds one pending connection after an accept failed with EMFILE/ENFILE (also used by
    // io_uring, whose accept runs in the kernel). Returns true if one was shed.
    bool shed_one();

    int listen_fd() const { return listen_fd_; }

  private:
    int listen_fd_;
    UniqueFd spare_;
    bool warned_ = false;  // one stderr line per episode of running out of descriptors
};

}  // namespace iophase::demo
