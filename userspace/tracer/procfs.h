// What /proc says about processes and threads: names, thread lists, the state and syscall of
// a thread already blocked when tracing starts, cgroup membership.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace iophase::procfs {

// True if the process exists and is not a zombie.
bool process_alive(pid_t pid);
std::string read_comm(pid_t pid, pid_t tid);  // "" if gone
std::string read_cmdline(pid_t pid);          // arguments joined by spaces; "" if gone
std::vector<pid_t> list_threads(pid_t pid);
// The parent in the text of /proc/PID/stat (0 if unreadable), and of a live process.
pid_t parent_of(const std::string &proc_stat);
pid_t read_ppid(pid_t pid);
// The bytes of a name the kernel keeps in a process's comm (TASK_COMM_LEN - 1): a longer name
// is cut there, so it is matched on these first bytes.
inline constexpr std::size_t kCommBytes = 15;
// Live processes whose comm is the first kCommBytes of `comm`.
std::vector<pid_t> pids_with_comm(const std::string &comm);

struct ThreadState {
    char state = '?';      // R, S, D, T, ... from /proc/PID/task/TID/stat
    long syscall_nr = -1;  // the syscall it is inside (from .../syscall), or -1
    long long arg0 = -1;   // that call's first argument (an fd for most I/O calls), or -1
};
std::optional<ThreadState> read_thread_state(pid_t pid, pid_t tid);
// The syscall number in the text of /proc/PID/task/TID/syscall, or -1 (none, or a kernel
// thread).
long syscall_in_progress(const std::string &proc_syscall);

// The epoll instances of a process and how many fds each has registered (the "tfd:" lines
// of /proc/PID/fdinfo/EPFD), so epoll's fds_asked is known for a server traced mid-life.
struct EpollInstance {
    int epfd = -1;
    long registered = 0;
    long edge_triggered = 0;  // of them, registered with EPOLLET (the "events:" mask)
    std::vector<int> fds;     // the registered fds (the tfd: numbers)
};
inline constexpr std::uint32_t kEpollEt = 1u << 31;  // EPOLLET in a fdinfo "events:" mask
// The event mask of a "tfd:" line of an epoll instance's fdinfo (0 if it has none).
std::uint32_t registered_events(const std::string &tfd_line);
std::vector<EpollInstance> epoll_instances(pid_t pid);

// Processes in a cgroup v2 directory; throws std::runtime_error if it cannot be read.
std::vector<pid_t> cgroup_procs(const std::string &dir);
// The cgroup id BPF sees (the directory's inode number on cgroup v2).
std::uint64_t cgroup_id(const std::string &dir);

// The first argument in the text of /proc/PID/task/TID/syscall of a thread inside a call, or
// -1.
long long syscall_arg0(const std::string &proc_syscall);

// What fd `fd` of `pid` is: "socket", "pipe", "file" (a regular file) or "other" ("" if it
// is not open).
std::string fd_kind(pid_t pid, long long fd);

// The process (thread group) a thread id belongs to, or 0 if there is no such thread.
pid_t tgid_of(pid_t tid);

// CLOCK_MONOTONIC in ns: the clock of bpf_ktime_get_ns().
std::uint64_t monotonic_ns();

}  // namespace iophase::procfs
