#include "acceptor.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <utility>

#include "lifecycle.h"

namespace iophase::demo {
namespace {

UniqueFd open_spare() {
    return UniqueFd(open("/dev/null", O_RDONLY | O_CLOEXEC));
}

}  // namespace

Acceptor::Acceptor(int listen_fd) : listen_fd_(listen_fd), spare_(open_spare()) {}

AcceptResult Acceptor::accept_client(bool nonblocking) {
    const int flags = SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0);
    UniqueFd fd(accept4(listen_fd_, nullptr, nullptr, flags));
    if (fd) {
        warned_ = false;
        ++counters().connections;
        return {AcceptOutcome::Accepted, std::move(fd)};
    }
    if (errno == ECONNABORTED) {
        return {AcceptOutcome::Skipped, {}};  // that one is gone already; there may be more
    }
    if (errno == EMFILE || errno == ENFILE) {
        if (shed_one()) {
            return {AcceptOutcome::Skipped, {}};
        }
        if (!nonblocking) {
            // Linux fails accept() with EMFILE before looking for a connection, so a
            // blocking loop would spin here until a descriptor frees: back off briefly.
            usleep(10'000);
        }
    }
    return {AcceptOutcome::Idle, {}};
}

void Acceptor::accept_all(const std::function<void(UniqueFd)> &on_client) {
    while (true) {
        AcceptResult next = accept_client(/*nonblocking=*/true);
        if (next.outcome == AcceptOutcome::Accepted) {
            on_client(std::move(next.fd));
        } else if (next.outcome == AcceptOutcome::Idle) {
            return;  // EAGAIN: nobody is waiting
        }
    }
}

bool Acceptor::shed_one() {
    if (!warned_) {
        std::fprintf(stderr,
                     "iophase-demo: out of file descriptors: closing new connections until "
                     "some close (raise --max-fds)\n");
        warned_ = true;
    }
    spare_.reset();
    // Never sleep here: a blocking listen socket is made non-blocking for this one call.
    const int flags = fcntl(listen_fd_, F_GETFL);
    if ((flags & O_NONBLOCK) == 0) {
        fcntl(listen_fd_, F_SETFL, flags | O_NONBLOCK);
    }
    UniqueFd victim(accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC));
    const int saved = errno;
    if ((flags & O_NONBLOCK) == 0) {
        fcntl(listen_fd_, F_SETFL, flags);
    }
    const bool shed = static_cast<bool>(victim);
    victim.reset();
    spare_ = open_spare();
    errno = saved;
    return shed;
}

}  // namespace iophase::demo
