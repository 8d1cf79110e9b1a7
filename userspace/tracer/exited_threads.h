// The rows of exited threads, drained from the BPF side's ring buffer as they come. A process
// keeps its first kRowsPerProcess exited threads (and its main thread, always) as rows of
// their own; later ones are folded into one "exited threads" row, counted in the report's
// health, so a server that handles 100,000 connections with a thread each still gives a
// report of bounded size. Their time is never lost: the BPF side folds every exit into its
// process (iop_proc.dead_budget) whatever happens to the row.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <vector>

#include "model/report.h"

extern "C" {
#include "iophase.h"
}

namespace iophase {

class ExitedThreads {
  public:
    static constexpr std::size_t kRowsPerProcess = 512;

    // A row from the ring buffer (any thread).
    void add(const iop_exit &exit);

    // The rows of `tgid`: its own rows, then the folded row if any. A thread that exited
    // after the first `exits_counted` exits and is in `live_tids` is still live in this
    // report (its row there is the one its process's budget counts): its exit row is left out.
    std::vector<ThreadReport> rows(pid_t tgid, std::uint64_t exits_counted,
                                   const std::set<pid_t> &live_tids) const;
    // Exited threads folded into "exited threads" rows, all processes.
    std::uint64_t folded() const;
    // True if the thread `tid` of `tgid` that started at `first_ns` has exited as one of the
    // first `exits_counted` exits of its process (iop_proc.dead_threads, read before): its
    // time is then in the process's fold, whatever a thread table read earlier says.
    bool counted_in_fold(pid_t tgid, pid_t tid, std::uint64_t first_ns,
                         std::uint64_t exits_counted) const;
    // Forgets the exits of `tgid` up to `exits_counted`: no later thread table holds them.
    void forget_counted(pid_t tgid, std::uint64_t exits_counted);

  private:
    struct Exit {
        std::uint64_t first_ns;  // with the tid, which thread it was (tids are reused)
        std::uint64_t index;     // its place among the process's exits
    };
    struct Row {
        std::uint64_t index;  // its place among the process's exits
        ThreadReport row;
    };
    struct Process {
        std::vector<Row> rows;
        ThreadReport folded;
        std::multimap<pid_t, Exit> exits;  // by tid, until forgotten
    };

    mutable std::mutex mutex_;
    std::map<pid_t, Process> processes_;
    std::uint64_t folded_ = 0;
};

}  // namespace iophase
