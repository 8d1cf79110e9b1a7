#include "support/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>
#include <thread>

namespace bpftest {

namespace {

int decode_status(int status) {
    if (WIFEXITED(status)) {
        return WEXITSTATUS(status);
    }
    return 128 + WTERMSIG(status);
}

// posix_spawn file actions, owned.
class FileActions {
  public:
    FileActions() { posix_spawn_file_actions_init(&actions_); }
    FileActions(const FileActions &) = delete;
    FileActions &operator=(const FileActions &) = delete;
    ~FileActions() { posix_spawn_file_actions_destroy(&actions_); }

    void redirect(int fd, const std::string &path) {
        posix_spawn_file_actions_addopen(&actions_, fd, path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                         0644);
    }
    const posix_spawn_file_actions_t *get() const { return &actions_; }

  private:
    posix_spawn_file_actions_t actions_;
};

// posix_spawn attributes, owned: a new process group when asked for.
class SpawnAttributes {
  public:
    explicit SpawnAttributes(bool own_group) {
        posix_spawnattr_init(&attributes_);
        if (own_group) {
            posix_spawnattr_setflags(&attributes_, POSIX_SPAWN_SETPGROUP);
            posix_spawnattr_setpgroup(&attributes_, 0);
        }
    }
    SpawnAttributes(const SpawnAttributes &) = delete;
    SpawnAttributes &operator=(const SpawnAttributes &) = delete;
    ~SpawnAttributes() { posix_spawnattr_destroy(&attributes_); }

    const posix_spawnattr_t *get() const { return &attributes_; }

  private:
    posix_spawnattr_t attributes_;
};

}  // namespace

Subprocess::Subprocess(const std::vector<std::string> &argv, const std::string &stdout_path,
                       const std::string &stderr_path, Group group)
    : group_(group) {
    FileActions actions;
    const SpawnAttributes attributes(group == Group::kOwn);
    actions.redirect(STDOUT_FILENO, stdout_path);
    actions.redirect(STDERR_FILENO, stderr_path);
    std::vector<char *> raw_argv;
    for (const auto &arg : argv) {
        raw_argv.push_back(const_cast<char *>(arg.c_str()));
    }
    raw_argv.push_back(nullptr);
    const int rc =
        posix_spawn(&pid_, raw_argv[0], actions.get(), attributes.get(), raw_argv.data(), environ);
    if (rc != 0) {
        throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
    }
}

Subprocess::~Subprocess() {
    kill();
}

std::optional<int> Subprocess::wait_for(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        int status = 0;
        const pid_t done = ::waitpid(pid_, &status, WNOHANG);
        if (done == pid_) {
            reaped_ = true;
            return decode_status(status);
        }
        if (done < 0) {
            throw std::runtime_error(std::string("waitpid: ") + std::strerror(errno));
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            return std::nullopt;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

void Subprocess::signal(int signo) const {
    if (reaped_ || pid_ <= 0) {
        return;
    }
    ::kill(group_ == Group::kOwn ? -pid_ : pid_, signo);
}

void Subprocess::kill() {
    if (reaped_ || pid_ <= 0) {
        return;
    }
    signal(SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    reaped_ = true;
}

int run_to_completion(const std::vector<std::string> &argv, const std::string &stdout_path,
                      const std::string &stderr_path, std::chrono::milliseconds timeout) {
    Subprocess process(argv, stdout_path, stderr_path);
    return process.wait_for(timeout).value_or(-1);
}

}  // namespace bpftest
