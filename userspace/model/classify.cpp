// Decision order (docs/report.md, "How the I/O model is decided"):
//   1. process-per-connection: forked children do the reads, the parent accepts;
//   2. idle: almost no I/O;
//   3. the wait families (select, poll, epoll, io_uring, signal) that hold a significant share
//      of the I/O wait: two or more (or one plus blocking recv) -> mixed; one -> its label;
//   4. none: EAGAIN-dominated input, or input that returns EAGAIN and never sleeps ->
//      nonblocking-poll; several reading threads ->
//      thread-per-connection; otherwise blocking.
#include "model/classify.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "model/format_numbers.h"
#include "model/io_tally.h"
#include "model/roles.h"
#include "model/thresholds.h"

namespace iophase {
namespace {

using thresholds::kIdleMaxCalls;
using thresholds::kMinFamilyCalls;
using thresholds::kMinIoWaitNs;
using thresholds::kSignificantShare;
using thresholds::ratio;

// Reads of "other" fds (a signalfd) count as signal waits when the process does signal I/O.
IoTally tally_process(const ProcessReport &p) {
    return tally_io(p.syscalls, reads_signals_from_fds(p.facts));
}

std::uint64_t wait_family_calls(const IoTally &t) {
    std::uint64_t n = 0;
    for (WaitFamily f : kAllWaitFamilies) {
        n += t.family(f).calls;
    }
    return n;
}

// Builds the verdict: the label, sentences and the numbers behind them.
struct Verdict {
    IoModel model;

    Verdict &label(std::string name) {
        model.label = std::move(name);
        return *this;
    }
    template <typename... Args>
    Verdict &say(fmt::format_string<Args...> format, Args &&...args) {
        model.evidence.push_back(fmt::format(format, std::forward<Args>(args)...));
        return *this;
    }
    Verdict &metric(const std::string &name, double value) {
        model.metrics[name] = value;
        return *this;
    }
};

class Classifier {
  public:
    Classifier(const ProcessReport &p, const std::vector<const ProcessReport *> &children)
        : p_(p), children_(children), t_(tally_process(p)) {
        blocked_ns_ = p.budget.blocked_ns > 0 ? p.budget.blocked_ns : t_.total_wait_ns;
        v_.metric("io_calls", static_cast<double>(t_.io_calls()))
            .metric("wall_ns", static_cast<double>(p.budget.wall_ns))
            .metric("blocked_ns", static_cast<double>(blocked_ns_))
            .metric("recv.calls", static_cast<double>(t_.recv.seen()))
            .metric("recv.eagain", static_cast<double>(t_.recv.eagain))
            .metric("recv.wait_ns", static_cast<double>(t_.recv.wait_ns))
            .metric("accept.calls", static_cast<double>(t_.accept.seen()))
            .metric("accept.eagain", static_cast<double>(t_.accept.eagain));
        for (WaitFamily f : kAllWaitFamilies) {
            const FamilyUse &use = t_.family(f);
            if (use.calls + use.in_flight > 0) {
                const std::string name = family_name(f);
                v_.metric(name + ".calls", static_cast<double>(use.calls))
                    .metric(name + ".wait_ns", static_cast<double>(use.wait_ns))
                    .metric(name + ".blocked_share", ratio(use.wait_ns, blocked_ns_));
            }
        }
    }

    IoModel run() {
        if (process_per_connection() || idle() || by_wait_family() || nonblocking_poll() ||
            thread_per_connection() || blocking()) {
            return std::move(v_.model);
        }
        v_.label("idle").say("no input calls and no multiplexer: {} sends only",
                             with_commas(t_.send.calls));
        return std::move(v_.model);
    }

  private:
    std::string share_of_blocked(std::uint64_t ns) const {
        return percent(static_cast<double>(ns), static_cast<double>(blocked_ns_));
    }

    bool process_per_connection() {
        const std::uint64_t accepts = t_.accept.seen();
        // A fork per accepted connection (socat fork): its children serve their connection
        // whatever they wait in, select included. Otherwise only children that read without a
        // multiplexer count (workers an nginx master forks on reload are no connections).
        const bool fork_per_accept = accepts > 0 && p_.facts.processes_created * 2 >= accepts &&
                                     p_.facts.processes_created > 0;
        std::uint64_t reader_children = 0;
        std::uint64_t child_recv_calls = 0;
        for (const ProcessReport *child : children_) {
            const IoTally ct = tally_process(*child);
            if (ct.recv.seen() > 0 &&
                (fork_per_accept || wait_family_calls(ct) < kMinFamilyCalls)) {
                ++reader_children;
                child_recv_calls += ct.recv.seen();
            }
        }
        v_.metric("reader_children", static_cast<double>(reader_children))
            .metric("processes_created", static_cast<double>(p_.facts.processes_created));
        if (accepts > 0 && reader_children > 0 &&
            (fork_per_accept || child_recv_calls >= t_.recv.seen())) {
            v_.label("process-per-connection")
                .say("{} do the reads ({} recv calls; {} in the parent)",
                     counted(reader_children, "forked child process"),
                     with_commas(child_recv_calls), with_commas(t_.recv.seen()))
                .say("the parent accepts: {}, {} of its blocked time in accept",
                     counted(accepts, "call"), share_of_blocked(t_.accept.wait_ns));
            return true;
        }
        if (accepts > 0 && p_.facts.processes_created > 0 && t_.recv.seen() == 0) {
            v_.label("process-per-connection")
                .say(
                    "{} forked after attach; the parent accepts ({}) and never "
                    "reads",
                    counted(p_.facts.processes_created, "process"), counted(accepts, "call"))
                .say("the children that serve the connections are not in this report");
            return true;
        }
        return false;
    }

    bool idle() {
        std::uint64_t io = t_.io_calls();
        for (const IoUringOpStats &op : p_.io_uring) {
            io += op.completions;  // I/O done by the kernel on the process's behalf
        }
        if (io > kIdleMaxCalls) {
            return false;
        }
        v_.label("idle").say("only {} completed in {}", counted(io, "I/O call"),
                             human_duration(static_cast<double>(p_.budget.wall_ns)));
        const SyscallStats *waiting = nullptr;
        for (const SyscallStats &s : p_.syscalls) {
            if (s.in_flight > 0 && (waiting == nullptr || s.wait_ns > waiting->wait_ns)) {
                waiting = &s;
            }
        }
        if (waiting != nullptr) {
            v_.say("waiting in {} ({} asleep, still inside at the end)", waiting->name,
                   human_duration(static_cast<double>(waiting->wait_ns)));
        }
        return true;
    }

    bool is_candidate(WaitFamily f) const {
        const FamilyUse &use = t_.family(f);
        if (use.sleep_only()) {
            return false;
        }
        if (use.calls >= kMinFamilyCalls) {
            return true;
        }
        const bool seen = use.calls + use.in_flight > 0;
        if (f == WaitFamily::io_uring) {
            return seen && (p_.facts.io_uring_setups > 0 || !p_.io_uring.empty());
        }
        if (f == WaitFamily::signal) {
            return sets_up_signal_io(p_.facts) &&
                   (seen || p_.facts.signals_received >= kMinFamilyCalls);
        }
        return false;
    }

    bool by_wait_family() {
        std::vector<WaitFamily> candidates;
        std::uint64_t io_wait = t_.recv.wait_ns;  // accept waits are left out: see docs
        std::uint64_t candidate_calls = 0;
        for (WaitFamily f : kAllWaitFamilies) {
            if (is_candidate(f)) {
                candidates.push_back(f);
                io_wait += t_.family(f).wait_ns;
                candidate_calls += t_.family(f).calls;
            }
        }
        const bool by_time = io_wait >= kMinIoWaitNs;
        std::vector<WaitFamily> significant;
        for (WaitFamily f : candidates) {
            const FamilyUse &use = t_.family(f);
            const double share =
                by_time ? ratio(use.wait_ns, io_wait) : ratio(use.calls, candidate_calls);
            if (share >= kSignificantShare) {
                significant.push_back(f);
            }
        }
        recv_blocks_ =
            by_time && t_.recv.seen() > 0 && ratio(t_.recv.wait_ns, io_wait) >= kSignificantShare;
        v_.metric("io_wait_ns", static_cast<double>(io_wait));
        if (significant.empty()) {
            return false;
        }
        if (significant.size() >= 2 || recv_blocks_) {
            v_.label("mixed");
            for (WaitFamily f : significant) {
                const FamilyUse &use = t_.family(f);
                v_.say("{} of blocked time in {} ({})", share_of_blocked(use.wait_ns),
                       use.main_call, counted(use.calls, "call"));
            }
            if (recv_blocks_) {
                v_.say("{} of blocked time in blocking recv ({})",
                       share_of_blocked(t_.recv.wait_ns), counted(t_.recv.seen(), "call"));
            }
            return true;
        }
        const WaitFamily f = significant.front();
        const FamilyUse &use = t_.family(f);
        v_.say("{} of blocked time in {} ({})", share_of_blocked(use.wait_ns), use.main_call,
               counted(use.calls, "call"));
        switch (f) {
            case WaitFamily::select:
            case WaitFamily::poll:
                v_.label(family_name(f));
                describe_readiness(use);
                break;
            case WaitFamily::epoll:
                epoll(use);
                break;
            case WaitFamily::io_uring:
                v_.label("io_uring")
                    .say("io_uring_setup: {} seen; {} recv syscalls, {} of blocked time in them",
                         with_commas(p_.facts.io_uring_setups), with_commas(t_.recv.seen()),
                         share_of_blocked(t_.recv.wait_ns))
                    .metric("io_uring_setups", static_cast<double>(p_.facts.io_uring_setups));
                describe_io_uring_ops();
                break;
            case WaitFamily::signal:
                signal_driven();
                break;
        }
        return true;
    }

    void describe_readiness(const FamilyUse &use) {
        if (!use.multiplexer || use.calls == 0) {
            return;
        }
        const double asked = ratio(use.fds_asked, use.calls);
        const double ready = ratio(use.fds_ready, use.calls);
        if (use.fds_asked == 0 && use.fds_ready > 0) {
            // epoll counts registered fds from the epoll_ctl calls it saw: none before attach.
            v_.say("{:.1f} fds ready per call (fds registered: unknown); {} timed out", ready,
                   with_commas(use.timeouts));
        } else {
            v_.say("{:.1f} fds asked about and {:.1f} ready per call; {} timed out", asked, ready,
                   with_commas(use.timeouts));
        }
        v_.metric("fds_asked_per_call", asked)
            .metric("fds_ready_per_call", ready)
            .metric("fds_asked_per_ready", ratio(use.fds_asked, use.fds_ready));
    }

    void epoll(const FamilyUse &use) {
        const ProcessFacts &facts = p_.facts;
        v_.metric("epoll_ctl_et", static_cast<double>(facts.epoll_ctl_et))
            .metric("epoll_ctl_lt", static_cast<double>(facts.epoll_ctl_lt));
        describe_readiness(use);
        // The kernel's record of the flags beats any inference: epoll_ctl calls seen, and the
        // fds registered before attach as the instance's fdinfo lists them.
        const std::uint64_t ctl = facts.epoll_ctl_et + facts.epoll_ctl_lt;
        const std::uint64_t registered = facts.epoll_registered_et + facts.epoll_registered_lt;
        v_.metric("epoll_registered_et", static_cast<double>(facts.epoll_registered_et))
            .metric("epoll_registered_lt", static_cast<double>(facts.epoll_registered_lt));
        if (ctl + registered > 0) {
            v_.label(epoll_label(facts));
            if (ctl > 0) {
                v_.say("epoll_ctl: {} with EPOLLET, {} without", with_commas(facts.epoll_ctl_et),
                       with_commas(facts.epoll_ctl_lt));
            }
            if (registered > 0) {
                v_.say("registered before attach (/proc/PID/fdinfo): {} with EPOLLET, {} without",
                       with_commas(facts.epoll_registered_et),
                       with_commas(facts.epoll_registered_lt));
            }
            return;
        }
        // Registered before attach: the flag was never seen. An edge-triggered server must
        // read each ready fd until EAGAIN, so recv EAGAIN about once per ready fd betrays it;
        // a level-triggered one usually reads once per readiness. Say it is inferred.
        const double drained = ratio(t_.recv.eagain, use.fds_ready);
        v_.metric("recv_eagain_per_ready_fd", drained);
        if (use.fds_ready >= kMinFamilyCalls && drained >= 0.5) {
            v_.label("epoll-et")
                .say(
                    "EPOLLET inferred (no epoll_ctl seen: fds registered before attach): recv hit "
                    "EAGAIN {} times for {} ready fds, the drain-until-EAGAIN of edge-triggered "
                    "servers",
                    with_commas(t_.recv.eagain), with_commas(use.fds_ready));
        } else {
            v_.label("epoll-lt")
                .say(
                    "EPOLLET unknown (no epoll_ctl seen: fds registered before attach); recv hit "
                    "EAGAIN {} times for {} ready fds, no drain-until-EAGAIN: level-triggered "
                    "assumed",
                    with_commas(t_.recv.eagain), with_commas(use.fds_ready));
        }
    }

    // The textbook claim for asynchronous I/O, measured: the kernel waited for readiness and
    // completed the operations; the thread only collected completions.
    void describe_io_uring_ops() {
        if (p_.io_uring.empty()) {
            return;
        }
        IoUringOpStats all;
        std::string per_op;
        for (const IoUringOpStats &op : p_.io_uring) {
            all.completions += op.completions;
            all.ready_waits += op.ready_waits;
            all.ready_wait_ns += op.ready_wait_ns;
            all.completed_inline += op.completed_inline;
            all.completed_task_work += op.completed_task_work;
            all.completed_iowq += op.completed_iowq;
            all.completed_elsewhere += op.completed_elsewhere;
            per_op += fmt::format("{}{} {}", per_op.empty() ? "" : ", ", op.opcode,
                                  with_commas(op.completions));
        }
        v_.say("{} completed by the kernel ({})", counted(all.completions, "operation"), per_op)
            .metric("io_uring.completions", static_cast<double>(all.completions))
            .metric("io_uring.ready_waits", static_cast<double>(all.ready_waits));
        if (all.ready_waits > 0) {
            v_.say("{} waited for readiness inside the kernel, {} on average",
                   with_commas(all.ready_waits),
                   human_duration(ratio(all.ready_wait_ns, all.ready_waits)));
        }
        v_.say("completions posted inline {}, as task work {}, by io-wq {}, elsewhere {}",
               with_commas(all.completed_inline), with_commas(all.completed_task_work),
               with_commas(all.completed_iowq), with_commas(all.completed_elsewhere));
    }

    void signal_driven() {
        const ProcessFacts &facts = p_.facts;
        v_.label("signal-driven")
            .metric("signals_received", static_cast<double>(facts.signals_received))
            .metric("set_async", static_cast<double>(facts.set_async))
            .metric("set_sig", static_cast<double>(facts.set_sig));
        if (sets_up_signal_io(facts) || facts.set_own > 0) {
            v_.say("fcntl: O_ASYNC {}, F_SETOWN {}, F_SETSIG {}", with_commas(facts.set_async),
                   with_commas(facts.set_own), with_commas(facts.set_sig));
        } else {
            v_.say("no O_ASYNC/F_SETSIG fcntl seen (set up before attach)");
        }
        v_.say("{} signals received; reads: {} calls, {} returned EAGAIN",
               with_commas(facts.signals_received), with_commas(t_.recv.seen()),
               with_commas(t_.recv.eagain));
        const SignalStats &sig = p_.signals;
        if (sig.delay_samples > 0 || sig.to_read_samples > 0) {
            v_.say("signal generated -> taken {} on average, taken -> next read {}",
                   human_duration(ratio(sig.delay_ns, sig.delay_samples)),
                   human_duration(ratio(sig.to_read_ns, sig.to_read_samples)))
                .metric("signals.delay_ns_avg", ratio(sig.delay_ns, sig.delay_samples))
                .metric("signals.to_read_ns_avg", ratio(sig.to_read_ns, sig.to_read_samples));
        }
    }

    bool nonblocking_poll() {
        const std::uint64_t input = t_.recv.seen() + t_.accept.seen();
        const std::uint64_t eagain = t_.recv.eagain + t_.accept.eagain;
        v_.metric("eagain_share", ratio(eagain, input));
        // A saturated busy-polling server finds data on most sockets of a sweep, so EAGAIN
        // can be rare; what still sets it apart from a blocking server is that its input
        // calls never sleep (a blocking socket never returns EAGAIN at all).
        const bool input_never_sleeps =
            t_.recv.wait_ns + t_.accept.wait_ns < p_.budget.wall_ns / 100;
        v_.metric("input_wait_share",
                  ratio(t_.recv.wait_ns + t_.accept.wait_ns, p_.budget.wall_ns));
        if (recv_blocks_ || eagain < kMinFamilyCalls ||
            (2 * eagain < input && !input_never_sleeps)) {
            return false;
        }
        std::uint64_t waits = 0;
        for (WaitFamily f : kAllWaitFamilies) {
            waits += t_.family(f).calls;
        }
        v_.label("nonblocking-poll")
            .say("{} of {} accept/recv calls returned EAGAIN ({})", with_commas(eagain),
                 with_commas(input),
                 percent(static_cast<double>(eagain), static_cast<double>(input)))
            .say(
                "no multiplexer ({} select/poll/epoll calls); {} of wall time blocked in "
                "accept/recv",
                with_commas(waits),
                percent(static_cast<double>(t_.recv.wait_ns + t_.accept.wait_ns),
                        static_cast<double>(p_.budget.wall_ns)));
        return true;
    }

    bool thread_per_connection() {
        std::set<pid_t> readers;
        std::set<pid_t> blocked_readers;
        std::set<pid_t> acceptors;
        for (const ThreadReport &thread : p_.threads) {
            const IoTally tt = tally_io(thread.syscalls, false);
            if (tt.recv.seen() > 0 || tt.recv.wait_ns > 0) {
                readers.insert(thread.tid);
                if (tt.recv.wait_ns > 0) {
                    blocked_readers.insert(thread.tid);
                }
            }
            if (tt.accept.seen() > 0 || tt.accept.wait_ns > 0) {
                acceptors.insert(thread.tid);
            }
        }
        const bool separate_acceptor =
            readers.size() == 1 && !acceptors.empty() && acceptors.count(*readers.begin()) == 0;
        v_.metric("reader_threads", static_cast<double>(readers.size()))
            .metric("blocked_reader_threads", static_cast<double>(blocked_readers.size()))
            .metric("threads_created", static_cast<double>(p_.facts.threads_created));
        if (readers.size() < 2 && !separate_acceptor) {
            return false;
        }
        v_.label("thread-per-connection")
            .say("{} read from sockets, {} of them blocked in recv ({})",
                 counted(readers.size(), "thread"), blocked_readers.size(),
                 counted(t_.recv.seen(), "recv call"))
            .say("{} accepting ({}); {} created after attach", counted(acceptors.size(), "thread"),
                 counted(t_.accept.seen(), "call"), counted(p_.facts.threads_created, "thread"));
        return true;
    }

    bool blocking() {
        if (t_.recv.seen() + t_.accept.seen() == 0 && t_.send.calls == 0) {
            return false;
        }
        v_.label("blocking");
        if (t_.accept.seen() > 0) {
            v_.say("{} of blocked time in accept ({})", share_of_blocked(t_.accept.wait_ns),
                   counted(t_.accept.seen(), "call"));
        }
        v_.say("{} of blocked time in recv ({}), all in one thread",
               share_of_blocked(t_.recv.wait_ns), counted(t_.recv.seen(), "call"))
            .say("no multiplexer; {} returned EAGAIN",
                 counted(t_.recv.eagain + t_.accept.eagain, "call"));
        return true;
    }

    const ProcessReport &p_;
    const std::vector<const ProcessReport *> &children_;
    IoTally t_;
    std::uint64_t blocked_ns_ = 0;
    bool recv_blocks_ = false;
    Verdict v_;
};

}  // namespace

IoModel classify(const ProcessReport &process, const std::vector<const ProcessReport *> &children) {
    return Classifier(process, children).run();
}

void classify_all(Report &report) {
    std::multimap<pid_t, const ProcessReport *> by_parent;
    for (const ProcessReport &p : report.processes) {
        if (p.parent_pid != 0) {
            by_parent.emplace(p.parent_pid, &p);
        }
    }
    auto descendants = [&](pid_t root) {
        std::vector<const ProcessReport *> found;
        std::set<pid_t> visited{root};
        std::vector<pid_t> todo{root};
        while (!todo.empty()) {
            const pid_t pid = todo.back();
            todo.pop_back();
            auto [first, last] = by_parent.equal_range(pid);
            for (auto it = first; it != last; ++it) {
                if (visited.insert(it->second->pid).second) {
                    found.push_back(it->second);
                    todo.push_back(it->second->pid);
                }
            }
        }
        return found;
    };
    std::vector<IoModel> models;
    models.reserve(report.processes.size());
    for (const ProcessReport &p : report.processes) {
        models.push_back(classify(p, descendants(p.pid)));
    }
    std::map<pid_t, std::size_t> index_of;
    for (std::size_t i = 0; i < report.processes.size(); ++i) {
        index_of.emplace(report.processes[i].pid, i);
    }
    for (std::size_t i = 0; i < report.processes.size(); ++i) {
        // A connection handler reads like a server of its own (blocking, or waiting in select
        // like socat's, or idle if its client sent little); name its role instead. One that
        // accepts connections itself is a server of its own.
        if (report.processes[i].facts.accepted > 0 || models[i].label == "mixed") {
            continue;
        }
        std::set<pid_t> seen;
        for (pid_t up = report.processes[i].parent_pid; up != 0 && seen.insert(up).second;) {
            auto it = index_of.find(up);
            if (it == index_of.end()) {
                break;
            }
            if (models[it->second].label == "process-per-connection") {
                models[i].label = "process-per-connection";
                models[i].evidence.insert(models[i].evidence.begin(),
                                          fmt::format("connection handler forked by pid {}", up));
                break;
            }
            up = report.processes[it->second].parent_pid;
        }
    }
    for (std::size_t i = 0; i < report.processes.size(); ++i) {
        report.processes[i].io_model = std::move(models[i]);
    }
    assign_roles(report);
}

}  // namespace iophase
