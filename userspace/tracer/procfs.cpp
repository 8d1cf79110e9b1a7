#include "tracer/procfs.h"

#include <dirent.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

namespace iophase::procfs {
namespace {

std::string read_file(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return {};
    }
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

std::string trim_newline(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\0')) {
        s.pop_back();
    }
    return s;
}

// The state letter in /proc/.../stat comes after the comm, which is in parentheses and may
// itself contain spaces or parentheses: search from the last ')'.
char state_from_stat(const std::string &stat) {
    const auto close = stat.rfind(')');
    if (close == std::string::npos || close + 2 >= stat.size()) {
        return '?';
    }
    return stat[close + 2];
}

std::vector<pid_t> numeric_entries(const std::string &dir) {
    std::vector<pid_t> ids;
    std::error_code ec;
    for (const auto &entry : std::filesystem::directory_iterator(dir, ec)) {
        const std::string name = entry.path().filename().string();
        char *end = nullptr;
        const long id = std::strtol(name.c_str(), &end, 10);
        if (end != name.c_str() && *end == '\0' && id > 0) {
            ids.push_back(static_cast<pid_t>(id));
        }
    }
    return ids;
}

}  // namespace

bool process_alive(pid_t pid) {
    const std::string stat = read_file(fmt::format("/proc/{}/stat", pid));
    if (stat.empty()) {
        return false;
    }
    const char state = state_from_stat(stat);
    return state != 'Z' && state != 'X';
}

std::string read_comm(pid_t pid, pid_t tid) {
    return trim_newline(read_file(fmt::format("/proc/{}/task/{}/comm", pid, tid)));
}

std::string read_cmdline(pid_t pid) {
    std::string raw = trim_newline(read_file(fmt::format("/proc/{}/cmdline", pid)));
    for (char &c : raw) {
        if (c == '\0') {
            c = ' ';
        }
    }
    return raw;
}

pid_t parent_of(const std::string &proc_stat) {
    // "PID (COMM) STATE PPID ...": COMM may hold spaces and parentheses, the last ')' ends it.
    const auto close = proc_stat.rfind(')');
    if (close == std::string::npos) {
        return 0;
    }
    std::istringstream rest(proc_stat.substr(close + 1));
    std::string state;
    pid_t ppid = 0;
    rest >> state >> ppid;
    return rest ? ppid : 0;
}

pid_t read_ppid(pid_t pid) {
    return parent_of(read_file(fmt::format("/proc/{}/stat", pid)));
}

std::vector<pid_t> list_threads(pid_t pid) {
    return numeric_entries(fmt::format("/proc/{}/task", pid));
}

std::vector<pid_t> pids_with_comm(const std::string &comm) {
    const std::string kept = comm.substr(0, kCommBytes);
    std::vector<pid_t> found;
    for (pid_t pid : numeric_entries("/proc")) {
        if (read_comm(pid, pid) == kept && process_alive(pid)) {
            found.push_back(pid);
        }
    }
    return found;
}

long syscall_in_progress(const std::string &proc_syscall) {
    // "running", or "-1 SP PC" outside a syscall, or "NR ARG0..ARG5 SP PC" inside one. A
    // kernel thread has no user stack: it reads "0 0x0 ... 0x0", which is no read(2).
    std::istringstream text(proc_syscall);
    long nr = -1;
    if (!(text >> nr) || nr < 0) {
        return -1;
    }
    std::vector<std::string> fields;
    for (std::string field; text >> field;) {
        fields.push_back(field);
    }
    const bool kernel_thread = fields.size() >= 2 && fields[fields.size() - 2] == "0x0";
    return kernel_thread ? -1 : nr;
}

std::optional<ThreadState> read_thread_state(pid_t pid, pid_t tid) {
    const std::string base = fmt::format("/proc/{}/task/{}/", pid, tid);
    const std::string stat = read_file(base + "stat");
    if (stat.empty()) {
        return std::nullopt;
    }
    ThreadState state;
    state.state = state_from_stat(stat);
    const std::string syscall = read_file(base + "syscall");
    state.syscall_nr = syscall_in_progress(syscall);
    state.arg0 = state.syscall_nr >= 0 ? syscall_arg0(syscall) : -1;
    return state;
}

long long syscall_arg0(const std::string &proc_syscall) {
    std::istringstream text(proc_syscall);
    long nr = -1;
    std::string arg;
    if (!(text >> nr >> arg) || nr < 0) {
        return -1;
    }
    char *end = nullptr;
    const unsigned long long value = std::strtoull(arg.c_str(), &end, 16);
    return end != arg.c_str() && *end == '\0' ? static_cast<long long>(value) : -1;
}

std::string fd_kind(pid_t pid, long long fd) {
    if (fd < 0) {
        return "";
    }
    const std::string path = fmt::format("/proc/{}/fd/{}", pid, fd);
    std::error_code ec;
    const std::string target = std::filesystem::read_symlink(path, ec).string();
    if (ec) {
        return "";
    }
    if (target.rfind("socket:", 0) == 0) {
        return "socket";
    }
    if (target.rfind("pipe:", 0) == 0) {
        return "pipe";
    }
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) ? "file" : "other";
}

pid_t tgid_of(pid_t tid) {
    std::istringstream status(read_file(fmt::format("/proc/{}/status", tid)));
    for (std::string line; std::getline(status, line);) {
        if (line.rfind("Tgid:", 0) == 0) {
            return static_cast<pid_t>(std::strtol(line.c_str() + 5, nullptr, 10));
        }
    }
    return 0;
}

std::uint32_t registered_events(const std::string &tfd_line) {
    // "tfd:        5 events:       19 data: ..." with the event mask in hex.
    const auto at = tfd_line.find("events:");
    if (at == std::string::npos) {
        return 0;
    }
    return static_cast<std::uint32_t>(std::strtoul(tfd_line.c_str() + at + 7, nullptr, 16));
}

std::vector<EpollInstance> epoll_instances(pid_t pid) {
    std::vector<EpollInstance> found;
    for (pid_t fd : numeric_entries(fmt::format("/proc/{}/fd", pid))) {
        std::error_code ec;
        const auto target =
            std::filesystem::read_symlink(fmt::format("/proc/{}/fd/{}", pid, fd), ec);
        if (ec || target.string() != "anon_inode:[eventpoll]") {
            continue;
        }
        std::istringstream info(read_file(fmt::format("/proc/{}/fdinfo/{}", pid, fd)));
        EpollInstance instance;
        instance.epfd = fd;
        for (std::string line; std::getline(info, line);) {
            if (line.rfind("tfd:", 0) == 0) {
                ++instance.registered;
                instance.fds.push_back(std::atoi(line.c_str() + 4));
                instance.edge_triggered += (registered_events(line) & kEpollEt) != 0 ? 1 : 0;
            }
        }
        found.push_back(instance);
    }
    return found;
}

std::vector<pid_t> cgroup_procs(const std::string &dir) {
    // A cgroup v1 directory has a cgroup.procs too, but the BPF side matches v2 ids only.
    struct statfs fs {};
    if (::statfs(dir.c_str(), &fs) != 0 || fs.f_type != CGROUP2_SUPER_MAGIC) {
        throw std::runtime_error(fmt::format("{} is not a cgroup v2 directory", dir));
    }
    std::ifstream in(dir + "/cgroup.procs");
    if (!in) {
        throw std::runtime_error(fmt::format("cannot read {}/cgroup.procs", dir));
    }
    std::vector<pid_t> pids;
    for (pid_t pid; in >> pid;) {
        pids.push_back(pid);
    }
    return pids;
}

std::uint64_t cgroup_id(const std::string &dir) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) {
        throw std::runtime_error(fmt::format("cannot stat cgroup directory {}", dir));
    }
    return st.st_ino;
}

std::uint64_t monotonic_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ull +
           static_cast<std::uint64_t>(ts.tv_nsec);
}

}  // namespace iophase::procfs
