#include "tracer/exited_threads.h"

#include <algorithm>

#include "tracer/thread_rows.h"

namespace iophase {

void ExitedThreads::add(const iop_exit &exit) {
    const auto tgid = static_cast<pid_t>(exit.thread.tgid);
    const auto tid = static_cast<pid_t>(exit.tid);
    ThreadReport row = thread_row(tid, exit.thread, exit.thread.exit_ns);
    const std::lock_guard lock(mutex_);
    Process &p = processes_[tgid];
    p.exits.emplace(tid, Exit{exit.thread.first_ns, exit.thread.exit_index});
    if (p.rows.size() < kRowsPerProcess || tid == tgid) {
        p.rows.push_back(Row{exit.thread.exit_index, std::move(row)});
        return;
    }
    if (p.folded.folded_threads == 0) {
        p.folded.comm = "(exited threads)";
        p.folded.exited = true;
    }
    ++p.folded.folded_threads;
    ++folded_;
    p.folded.budget += row.budget;
    p.folded.other_calls += row.other_calls;
    for (const SyscallStats &s : row.syscalls) {
        auto it = std::find_if(p.folded.syscalls.begin(), p.folded.syscalls.end(),
                               [&](const SyscallStats &have) {
                                   return have.name == s.name && have.fd_kind == s.fd_kind;
                               });
        if (it == p.folded.syscalls.end()) {
            p.folded.syscalls.push_back(s);
        } else {
            *it += s;
        }
    }
}

std::vector<ThreadReport> ExitedThreads::rows(pid_t tgid, std::uint64_t exits_counted,
                                              const std::set<pid_t> &live_tids) const {
    const std::lock_guard lock(mutex_);
    auto it = processes_.find(tgid);
    if (it == processes_.end()) {
        return {};
    }
    std::vector<ThreadReport> rows;
    for (const Row &r : it->second.rows) {
        if (r.index > exits_counted && live_tids.count(r.row.tid) > 0) {
            continue;
        }
        rows.push_back(r.row);
    }
    if (it->second.folded.folded_threads > 0) {
        rows.push_back(it->second.folded);
    }
    return rows;
}

std::uint64_t ExitedThreads::folded() const {
    const std::lock_guard lock(mutex_);
    return folded_;
}

bool ExitedThreads::counted_in_fold(pid_t tgid, pid_t tid, std::uint64_t first_ns,
                                    std::uint64_t exits_counted) const {
    const std::lock_guard lock(mutex_);
    auto p = processes_.find(tgid);
    if (p == processes_.end()) {
        return false;
    }
    auto [first, last] = p->second.exits.equal_range(tid);
    return std::any_of(first, last, [&](const auto &entry) {
        const Exit &e = entry.second;
        return e.first_ns == first_ns && e.index != 0 && e.index <= exits_counted;
    });
}

void ExitedThreads::forget_counted(pid_t tgid, std::uint64_t exits_counted) {
    const std::lock_guard lock(mutex_);
    auto p = processes_.find(tgid);
    if (p == processes_.end()) {
        return;
    }
    std::erase_if(p->second.exits,
                  [&](const auto &entry) { return entry.second.index <= exits_counted; });
}

}  // namespace iophase
