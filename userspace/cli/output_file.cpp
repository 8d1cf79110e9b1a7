#include "cli/output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include <fmt/format.h>

namespace iophase::cli {
namespace {

std::runtime_error cannot_write(const std::string &path, const std::string &why) {
    return std::runtime_error(fmt::format("cannot write {}: {}", path, why));
}

std::string file_identity(const struct stat &st) {
    return fmt::format("inode {}:{}", st.st_dev, st.st_ino);
}

// A name for the temporary file beside `target`: hidden, and unique per process and attempt.
std::string temporary_name(const std::filesystem::path &target, int attempt) {
    return (target.parent_path() /
            fmt::format(".{}.iophase-{}-{}", target.filename().string(), ::getpid(), attempt))
        .string();
}

}  // namespace

OutputFile::OutputFile(std::string path) : path_(std::move(path)) {
    if (path_.empty()) {
        throw std::runtime_error("an empty output path: give a file name, or - for stdout");
    }
    struct stat st {};
    if (is_stdout()) {
        fd_ = STDOUT_FILENO;
        identity_ = ::fstat(fd_, &st) == 0 ? file_identity(st) : "stdout";
        return;
    }
    const bool exists = ::stat(path_.c_str(), &st) == 0;
    if (exists && S_ISDIR(st.st_mode)) {
        throw cannot_write(path_, "it is a directory");
    }
    if (exists && !S_ISREG(st.st_mode)) {
        // A device or FIFO: there is nothing to replace, and renaming over /dev/null would.
        owned_fd_.reset(::open(path_.c_str(), O_WRONLY | O_CLOEXEC));
        if (!owned_fd_) {
            throw cannot_write(path_, std::strerror(errno));
        }
        fd_ = owned_fd_.get();
        identity_ = file_identity(st);
        return;
    }
    // A regular file, or none yet: replaced by a rename, through any symlink to it.
    std::error_code error;
    target_ = std::filesystem::weakly_canonical(path_, error).string();
    if (error) {
        target_ = path_;
    }
    if (exists && ::access(target_.c_str(), W_OK) != 0) {
        throw cannot_write(path_, std::strerror(errno));
    }
    identity_ = exists ? file_identity(st) : "path " + target_;
    open_temporary();
}

OutputFile::~OutputFile() {
    if (!temp_path_.empty()) {
        ::unlink(temp_path_.c_str());
    }
}

// An unnamed O_TMPFILE where the filesystem has them (it vanishes with the process, however
// that ends); else a hidden named file, removed by the destructor.
void OutputFile::open_temporary() {
    const std::filesystem::path target(target_);
    const std::string dir = target.parent_path().empty() ? "." : target.parent_path().string();
    owned_fd_.reset(::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644));
    for (int attempt = 0; !owned_fd_ && attempt < 100; ++attempt) {
        const std::string name = temporary_name(target, attempt);
        owned_fd_.reset(::open(name.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644));
        if (owned_fd_) {
            temp_path_ = name;
        } else if (errno != EEXIST) {
            break;
        }
    }
    if (!owned_fd_) {
        throw cannot_write(
            path_, fmt::format("cannot create a file in {}: {}", dir, std::strerror(errno)));
    }
    fd_ = owned_fd_.get();
}

void OutputFile::write(std::string_view content) {
    std::size_t done = 0;
    while (done < content.size()) {
        const ssize_t n = ::write(fd_, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            throw cannot_write(path_, std::strerror(errno));
        }
        done += static_cast<std::size_t>(n);
    }
}

void OutputFile::commit() {
    if (target_.empty()) {
        return;  // stdout, or a path written directly
    }
    // An O_TMPFILE gets a name beside the target first: rename() needs one.
    const std::string fd_path = fmt::format("/proc/self/fd/{}", fd_);
    for (int attempt = 0; temp_path_.empty() && attempt < 100; ++attempt) {
        const std::string name = temporary_name(target_, attempt);
        if (::linkat(AT_FDCWD, fd_path.c_str(), AT_FDCWD, name.c_str(), AT_SYMLINK_FOLLOW) == 0 ||
            ::linkat(fd_, "", AT_FDCWD, name.c_str(), AT_EMPTY_PATH) == 0) {
            temp_path_ = name;
        } else if (errno != EEXIST) {
            throw cannot_write(path_, std::strerror(errno));
        }
    }
    if (::rename(temp_path_.c_str(), target_.c_str()) != 0) {
        throw cannot_write(path_, std::strerror(errno));
    }
    temp_path_.clear();
    target_.clear();
}

}  // namespace iophase::cli
