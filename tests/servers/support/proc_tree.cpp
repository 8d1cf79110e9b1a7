#include "support/proc_tree.h"

#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>

#include "support/temp_dir.h"

namespace servertest {

namespace {

// The parent of every process now: /proc/PID/stat is "pid (comm) state ppid ...", and comm may
// hold spaces and parentheses, so the fields are read after the last ')'.
std::multimap<pid_t, pid_t> children_by_parent() {
    std::multimap<pid_t, pid_t> children;
    for (const auto &entry : std::filesystem::directory_iterator("/proc")) {
        const std::string name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) {
            continue;
        }
        const std::string stat = bpftest::read_text(entry.path().string() + "/stat");
        const auto close = stat.rfind(')');
        if (close == std::string::npos) {
            continue;
        }
        std::istringstream fields(stat.substr(close + 1));
        std::string state;
        pid_t parent = 0;
        if (fields >> state >> parent) {
            children.emplace(parent, std::atoi(name.c_str()));
        }
    }
    return children;
}

std::string comm_of(const std::string &dir) {
    std::string comm = bpftest::read_text(dir + "/comm");
    if (!comm.empty() && comm.back() == '\n') {
        comm.pop_back();
    }
    return comm;
}

}  // namespace

std::vector<pid_t> process_tree(pid_t pid) {
    const auto children = children_by_parent();
    std::vector<pid_t> tree{pid};
    for (std::size_t i = 0; i < tree.size(); ++i) {
        const auto [first, last] = children.equal_range(tree[i]);
        for (auto it = first; it != last; ++it) {
            tree.push_back(it->second);
        }
    }
    return tree;
}

std::string describe_tree(pid_t pid) {
    std::string text;
    for (const pid_t process : process_tree(pid)) {
        const std::string dir = "/proc/" + std::to_string(process);
        text += std::to_string(process) + ":" + comm_of(dir) + " threads";
        std::error_code error;
        for (const auto &task : std::filesystem::directory_iterator(dir + "/task", error)) {
            std::istringstream syscall(bpftest::read_text(task.path().string() + "/syscall"));
            std::string number;
            syscall >> number;
            // Appended piece by piece: g++ 12 at -O3 misreads `"(" + std::string&&` (-Wrestrict).
            text.append(" ").append(task.path().filename().string()).append(":");
            text.append(comm_of(task.path().string())).append("(").append(number).append(")");
        }
        text += "\n";
    }
    return text;
}

}  // namespace servertest
