#include "cli/output_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

namespace iophase::cli {

OutputFile::OutputFile(std::string path) : path_(std::move(path)) {
    if (path_ == "-") {
        fd_ = 1;
        return;
    }
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) {
        throw std::runtime_error(fmt::format("cannot write {}: {}", path_, std::strerror(errno)));
    }
}

OutputFile::~OutputFile() {
    if (fd_ > 2) {
        ::close(fd_);
    }
}

void OutputFile::write(const std::string &content) {
    std::size_t done = 0;
    while (done < content.size()) {
        const ssize_t n = ::write(fd_, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            throw std::runtime_error(
                fmt::format("cannot write {}: {}", path_, std::strerror(errno)));
        }
        done += static_cast<std::size_t>(n);
    }
}

}  // namespace iophase::cli
