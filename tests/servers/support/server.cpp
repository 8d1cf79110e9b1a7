#include "support/server.h"

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "support/port.h"
#include "support/proc_tree.h"

namespace servertest {

Server::Server(const bpftest::TempDir &dir, const std::string &name,
               const std::vector<std::string> &argv, int port)
    : log_path_(dir.file(name + ".log")),
      process_(argv, log_path_, log_path_, bpftest::Subprocess::Group::kOwn),
      port_(port) {
    if (!wait_for_listener(port, std::chrono::seconds(10))) {
        throw std::runtime_error(name + " does not listen on 127.0.0.1:" + std::to_string(port) +
                                 " after 10 s; it printed:\n" + log());
    }
    // A pre-forking server listens before its workers are up: let them start, so the trace
    // sees them from its first moment.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
}

std::vector<pid_t> Server::processes() const {
    return process_tree(pid());
}

std::string Server::log() const {
    return bpftest::read_text(log_path_);
}

std::string open_for_workers(const bpftest::TempDir &dir, const std::string &subdir) {
    namespace fs = std::filesystem;
    const fs::path root = dir.file("");
    const fs::path path = root / subdir;
    fs::create_directories(path);
    const auto readable = fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                          fs::perms::others_read | fs::perms::others_exec;
    fs::permissions(root, readable);
    fs::permissions(path, readable);
    return path.string();
}

}  // namespace servertest
