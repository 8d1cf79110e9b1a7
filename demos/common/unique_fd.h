// One owner for one file descriptor: closed when the owner goes away. The project's only
// such class, shared by the demos, userspace and the tests: a target links
// iophase_unique_fd (demos/CMakeLists.txt) and includes "common/unique_fd.h".
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <utility>

namespace iophase {

class UniqueFd {
  public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    UniqueFd(const UniqueFd &) = delete;
    UniqueFd &operator=(const UniqueFd &) = delete;
    UniqueFd(UniqueFd &&other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    UniqueFd &operator=(UniqueFd &&other) noexcept {
        if (this != &other) {
            reset(std::exchange(other.fd_, -1));
        }
        return *this;
    }
    ~UniqueFd() { reset(); }

    int get() const { return fd_; }
    explicit operator bool() const { return fd_ >= 0; }
    int release() { return std::exchange(fd_, -1); }
    void reset(int fd = -1) {
        if (fd_ >= 0) {
            ::close(fd_);
        }
        fd_ = fd;
    }

  private:
    int fd_ = -1;
};

struct PipeFds {
    UniqueFd read;
    UniqueFd write;
};

// pipe2(flags), e.g. O_CLOEXEC: both ends, or two empty ones with errno set.
inline PipeFds open_pipe(int flags) {
    int fds[2];
    if (::pipe2(fds, flags) != 0) {
        return {};
    }
    return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

}  // namespace iophase
