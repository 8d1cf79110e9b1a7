#include "compare/proc_stats.h"

#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace iophase::compare {

std::optional<std::uint64_t> peak_rss_kb(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmHWM:", 0) == 0) {
            return std::stoull(line.substr(6));  // "VmHWM:	    1234 kB"
        }
    }
    return std::nullopt;
}

std::vector<pid_t> children_of(pid_t pid) {
    std::vector<pid_t> children;
    std::error_code error;
    const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
    for (const auto &entry : std::filesystem::directory_iterator(tasks, error)) {
        std::ifstream list(entry.path() / "children");
        long child = 0;
        while (list >> child) {
            children.push_back(static_cast<pid_t>(child));
        }
    }
    return children;
}

bool pin_process_to_cpu(pid_t pid, int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    std::error_code error;
    const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
    bool pinned_any = false;
    for (const auto &entry : std::filesystem::directory_iterator(tasks, error)) {
        const pid_t tid = static_cast<pid_t>(std::stol(entry.path().filename().string()));
        pinned_any = sched_setaffinity(tid, sizeof(set), &set) == 0 || pinned_any;
    }
    return pinned_any;
}

bool pin_this_thread_to_cpu(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return pthread_setaffinity_np(pthread_self(), sizeof(set), &set) == 0;
}

std::uint64_t raise_open_files_limit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
        return 0;
    }
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
    return limit.rlim_cur;
}

}  // namespace iophase::compare
