// Thread roles, decided per thread row in this order (docs/report.md, "Roles"):
//   1. a readiness wait (select, poll, epoll, io_uring, signals) holds a significant share of
//      the thread's I/O wait and the thread moves data: reactor (connection-worker in a
//      process forked for one connection); the wait plus accepts only: acceptor;
//   2. data on sockets after waiting for a hand-over (futex) a significant share of its
//      blocked time: pool-worker, unless the process makes a thread per accepted connection;
//   3. data on sockets: connection-worker; accepts only: acceptor;
//   4. no I/O: idle when it completed almost no calls, housekeeping otherwise.
#include "model/roles.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <set>

#include "model/format_numbers.h"
#include "model/io_tally.h"
#include "model/thresholds.h"

namespace iophase {
namespace {

using thresholds::kIdleMaxCalls;
using thresholds::kMinIoWaitNs;
using thresholds::kSignificantShare;
using thresholds::ratio;
// A readiness wait needs this many calls (or one in flight) to count.
constexpr std::uint64_t kMinWaitCalls = thresholds::kMinFamilyCalls;
// A thread that waited this share of its blocked time for a hand-over (futex) and then served
// a connection is a pool worker.
constexpr double kHandOverShare = 0.25;

struct ThreadWork {
    const ThreadReport *row = nullptr;
    IoTally io;
    std::optional<WaitFamily> family;  // its readiness wait, if one is significant
    std::uint64_t hand_over_wait_ns = 0;
    std::uint64_t hand_over_calls = 0;
    std::uint64_t calls = 0;    // every completed call
    std::uint64_t threads = 1;  // rows of folded exited threads stand for more
};

std::optional<WaitFamily> readiness_wait(const IoTally &io) {
    // Shares of the I/O wait (accept and recv included: a thread blocking in accept4 with a
    // short poll per connection is no poll loop); a thread that hardly waited (a saturated
    // loop) is judged by its readiness calls alone, as the process classifier does.
    std::uint64_t io_wait = io.recv.wait_ns + io.accept.wait_ns;
    std::uint64_t io_calls = 0;
    for (WaitFamily f : kAllWaitFamilies) {
        io_wait += io.family(f).wait_ns;
        io_calls += io.family(f).calls;
    }
    const bool by_time = io_wait >= kMinIoWaitNs;
    std::optional<WaitFamily> best;
    double best_share = 0;
    for (WaitFamily f : kAllWaitFamilies) {
        const FamilyUse &use = io.family(f);
        if (use.sleep_only() || (use.calls < kMinWaitCalls && use.in_flight == 0)) {
            continue;
        }
        const double share = by_time ? ratio(use.wait_ns, io_wait) : ratio(use.calls, io_calls);
        if (share >= kSignificantShare && share > best_share) {
            best = f;
            best_share = share;
        }
    }
    return best;
}

// The readiness wait a thread made the most calls of (at least kMinWaitCalls), if any.
std::optional<WaitFamily> most_used_wait(const IoTally &io) {
    std::optional<WaitFamily> best;
    std::uint64_t most = kMinWaitCalls - 1;
    for (WaitFamily f : kAllWaitFamilies) {
        if (io.family(f).calls > most) {
            best = f;
            most = io.family(f).calls;
        }
    }
    return best;
}

ThreadWork work_of(const ThreadReport &row, bool signal_fd_reads) {
    ThreadWork w;
    w.row = &row;
    w.io = tally_io(row.syscalls, signal_fd_reads);
    w.family = readiness_wait(w.io);
    w.calls = row.other_calls;
    for (const SyscallStats &s : row.syscalls) {
        w.calls += s.count;
        if (s.kind.role == SyscallRole::thread_wait) {
            w.hand_over_calls += s.count + s.in_flight;
        }
    }
    // The budget's blocked_by holds every futex wait of the thread, calls still inside too.
    if (const auto it = row.budget.blocked_by.find("futex"); it != row.budget.blocked_by.end()) {
        w.hand_over_wait_ns = it->second;
    }
    w.threads = std::max<std::uint64_t>(1, row.folded_threads);
    return w;
}

// select and poll calls of the process that ask about one fd per call on average: a wait for
// one connection with a timeout (apache reads a request so), not a readiness loop.
std::array<bool, kWaitFamilies> one_fd_waits(const IoTally &process_io) {
    std::array<bool, kWaitFamilies> one{};
    for (WaitFamily f : {WaitFamily::select, WaitFamily::poll}) {
        const FamilyUse &use = process_io.family(f);
        one[static_cast<std::size_t>(f)] =
            use.multiplexer && use.calls > 0 && use.fds_asked <= use.calls;
    }
    return one;
}

std::string family_model(WaitFamily f, const ProcessReport &p) {
    switch (f) {
        case WaitFamily::select:
            return "select";
        case WaitFamily::poll:
            return "poll";
        case WaitFamily::io_uring:
            return "io_uring";
        case WaitFamily::signal:
            return "signal-driven";
        case WaitFamily::epoll:
            break;
    }
    if (p.io_model.label == "epoll-et" || p.io_model.label == "epoll-lt") {
        return p.io_model.label;
    }
    return epoll_label(p.facts);
}

// How a thread without a readiness wait waits for its one connection.
std::string plain_model(const ThreadWork &w) {
    const std::uint64_t input = w.io.recv.seen() + w.io.accept.seen();
    const std::uint64_t eagain = w.io.recv.eagain + w.io.accept.eagain;
    return eagain >= kMinWaitCalls && 2 * eagain >= input ? "nonblocking-poll" : "blocking";
}

struct Placement {
    std::string role;
    std::string model;
};

struct ProcessShape {
    bool connection_handler = false;     // forked for one connection
    bool thread_per_connection = false;  // makes a thread per accepted connection
    std::array<bool, kWaitFamilies> one_fd_waits{};
};

Placement place(const ThreadWork &w, const ProcessReport &p, const ProcessShape &shape) {
    // Data moved: a receive that got something (not only EAGAIN), or a send.
    const bool data = w.io.recv.seen() > w.io.recv.eagain || w.io.send.calls > 0;
    const bool accepts = w.io.accept.seen() > 0;
    const bool one_connection_wait =
        w.family && data && shape.one_fd_waits[static_cast<std::size_t>(*w.family)];
    if (w.family && !one_connection_wait) {
        const bool connection_handler = shape.connection_handler;
        const bool kernel_io = *w.family == WaitFamily::io_uring && !p.io_uring.empty();
        if (data || kernel_io) {
            return {connection_handler ? "connection-worker" : "reactor",
                    family_model(*w.family, p)};
        }
        if (accepts) {
            return {"acceptor", family_model(*w.family, p)};
        }
    }
    const bool hand_over = w.hand_over_calls >= kMinWaitCalls && w.hand_over_wait_ns > 0 &&
                           static_cast<double>(w.hand_over_wait_ns) >=
                               kHandOverShare * static_cast<double>(w.row->budget.blocked_ns);
    if (data && shape.connection_handler) {
        // One connection, so whatever readiness call it makes is how it waits for it (socat's
        // child selects on its two ends, finding them ready at once, and never sleeps).
        const auto used = most_used_wait(w.io);
        return {"connection-worker", used ? family_model(*used, p) : plain_model(w)};
    }
    if (data) {
        return {hand_over && !shape.thread_per_connection ? "pool-worker" : "connection-worker",
                plain_model(w)};
    }
    if (accepts) {
        return {"acceptor", plain_model(w)};
    }
    return {"background", ""};  // housekeeping or idle: decided for all of them at once
}

// What a role's threads did, in numbers a reader can check against the table.
std::vector<std::string> evidence_of(const std::string &role,
                                     const std::vector<const ThreadWork *> &members) {
    std::uint64_t threads = 0;
    std::uint64_t recv = 0;
    std::uint64_t send = 0;
    std::uint64_t accepts = 0;
    std::uint64_t blocked = 0;
    std::uint64_t hand_over = 0;
    std::uint64_t calls = 0;
    std::map<std::string, std::uint64_t> wait_by_call;
    for (const ThreadWork *w : members) {
        threads += w->threads;
        recv += w->io.recv.seen();
        send += w->io.send.calls;
        accepts += w->io.accept.seen();
        blocked += w->row->budget.blocked_ns;
        hand_over += w->hand_over_wait_ns;
        calls += w->calls;
        for (const auto &[call, ns] : w->row->budget.blocked_by) {
            wait_by_call[call] += ns;
        }
    }
    std::vector<std::string> evidence;
    const bool serving = role != "idle" && role != "housekeeping";
    if (serving) {
        evidence.push_back(fmt::format("{}: {} recv, {} send, {} accept calls",
                                       counted(threads, "thread"), with_commas(recv),
                                       with_commas(send), with_commas(accepts)));
    }
    const auto most =
        std::max_element(wait_by_call.begin(), wait_by_call.end(),
                         [](const auto &a, const auto &b) { return a.second < b.second; });
    if (most != wait_by_call.end() && blocked > 0) {
        evidence.push_back(fmt::format(
            "{} of their blocked time in {}",
            percent(static_cast<double>(most->second), static_cast<double>(blocked)), most->first));
    }
    if (role == "pool-worker") {
        evidence.push_back(
            fmt::format("{} of their blocked time waiting in futex for work handed over",
                        percent(static_cast<double>(hand_over), static_cast<double>(blocked))));
    }
    if (!serving) {
        const auto idle = std::count_if(members.begin(), members.end(), [](const ThreadWork *w) {
            return w->calls <= kIdleMaxCalls;
        });
        evidence.push_back(
            fmt::format("{}: {} completed, none on a socket; {} did next to nothing (at most "
                        "{} calls)",
                        counted(threads, "thread"), counted(calls, "call"), idle, kIdleMaxCalls));
    }
    return evidence;
}

constexpr const char *kRoleOrder[] = {"acceptor",    "reactor",      "connection-worker",
                                      "pool-worker", "housekeeping", "idle"};

std::size_t role_rank(const std::string &role) {
    const auto *it = std::find(std::begin(kRoleOrder), std::end(kRoleOrder), role);
    return static_cast<std::size_t>(it - std::begin(kRoleOrder));
}

std::uint64_t threads_in(const ProcessReport &p, const ThreadRole &role) {
    std::uint64_t n = 0;
    for (const ThreadReport &row : p.threads) {
        if (std::find(role.tids.begin(), role.tids.end(), row.tid) != role.tids.end()) {
            n += std::max<std::uint64_t>(1, row.folded_threads);
        }
    }
    return n;
}

bool serves(const std::string &role) {
    return role == "acceptor" || role == "reactor" || role == "connection-worker" ||
           role == "pool-worker";
}

bool plain_blocking(const std::string &model) {
    return model == "blocking" || model == "nonblocking-poll";
}

// The serving roles' models are all a plain wait on one connection.
bool served_plainly(const ProcessReport &p) {
    bool any = false;
    for (const ThreadRole &r : p.roles) {
        if (r.role != "acceptor" && serves(r.role)) {
            any = true;
            if (!plain_blocking(r.model)) {
                return false;
            }
        }
    }
    return any;
}

bool has_role(const ProcessReport &p, const std::string &role) {
    return std::any_of(p.roles.begin(), p.roles.end(),
                       [&](const ThreadRole &r) { return r.role == role; });
}

void relabel(ProcessReport &p, const std::string &label, const std::string &why) {
    if (p.io_model.label == label) {
        return;
    }
    p.io_model.evidence.insert(p.io_model.evidence.begin(), why);
    p.io_model.label = label;
}

bool readiness_label(const std::string &label) {
    return label == "select" || label == "poll" || label == "epoll-lt" || label == "epoll-et" ||
           label == "signal-driven";
}

// The model of the first connection worker ("" if none).
std::string worker_model(const ProcessReport &p) {
    for (const ThreadRole &r : p.roles) {
        if (r.role == "connection-worker") {
            return r.model;
        }
    }
    return "";
}

std::string roles_summary(const ProcessReport &p) {
    std::string text;
    for (const ThreadRole &r : p.roles) {
        if (serves(r.role)) {
            text += fmt::format("{}{} {} ({})", text.empty() ? "" : ", ", threads_in(p, r), r.role,
                                r.model);
        }
    }
    return text;
}

// Labels that the structure decides (see roles.h).
void label_from_structure(ProcessReport &p) {
    const std::string label = p.io_model.label;
    if (label == "idle" || label == "process-per-connection") {
        return;
    }
    if (p.structure == "thread-pool") {
        relabel(p, "thread-pool",
                fmt::format("a pool of threads waits for connections handed over: {}",
                            roles_summary(p)));
    } else if (p.structure == "thread-per-connection" && !has_role(p, "reactor")) {
        relabel(p, "thread-per-connection",
                fmt::format("a thread per connection, {} created after attach: {}",
                            with_commas(p.facts.threads_created), roles_summary(p)));
    } else if (p.structure == "single" && readiness_label(label) && served_plainly(p) &&
               !worker_model(p).empty()) {
        // A readiness call that holds a negligible share of the serving thread's waits (a
        // poll during a lingering close) does not decide the label.
        relabel(p, worker_model(p),
                fmt::format("its serving thread waits on one connection at a time, not in {}: {}",
                            label, roles_summary(p)));
    }
}

}  // namespace

std::vector<ThreadRole> thread_roles(const ProcessReport &process, bool connection_handler) {
    const bool fd_signals = reads_signals_from_fds(process.facts);
    const ProcessFacts &facts = process.facts;
    ProcessShape shape;
    shape.connection_handler = connection_handler;
    shape.thread_per_connection =
        facts.threads_created >= kMinWaitCalls && 2 * facts.threads_created >= facts.accepted;
    shape.one_fd_waits = one_fd_waits(tally_io(process.syscalls, fd_signals));
    std::vector<ThreadWork> work;
    work.reserve(process.threads.size());
    std::uint64_t io_calls = 0;
    std::uint64_t wall = 0;
    for (const ThreadReport &row : process.threads) {
        work.push_back(work_of(row, fd_signals));
        io_calls += work.back().io.io_calls();
        wall += row.budget.wall_ns;
    }
    std::map<std::pair<std::size_t, std::string>, std::vector<const ThreadWork *>> groups;
    std::map<std::pair<std::size_t, std::string>, std::string> role_names;
    // The threads that serve no connection are one role: idle if none of them did anything
    // measurable, housekeeping otherwise.
    std::vector<Placement> placed;
    placed.reserve(work.size());
    bool background_active = false;
    for (const ThreadWork &w : work) {
        placed.push_back(place(w, process, shape));
        background_active |= placed.back().role == "background" && w.calls > kIdleMaxCalls;
    }
    for (std::size_t i = 0; i < work.size(); ++i) {
        const ThreadWork &w = work[i];
        Placement &at = placed[i];
        if (at.role == "background") {
            at.role = background_active ? "housekeeping" : "idle";
        }
        const auto key = std::make_pair(role_rank(at.role), at.model);
        groups[key].push_back(&w);
        role_names[key] = at.role;
    }
    std::vector<ThreadRole> roles;
    for (const auto &[key, members] : groups) {
        ThreadRole role;
        role.role = role_names[key];
        role.model = key.second;
        std::uint64_t role_io = 0;
        std::uint64_t role_wall = 0;
        for (const ThreadWork *w : members) {
            role.tids.push_back(w->row->tid);
            role_io += w->io.io_calls();
            role_wall += w->row->budget.wall_ns;
        }
        role.io_call_share = ratio(role_io, io_calls);
        role.wall_share = ratio(role_wall, wall);
        role.evidence = evidence_of(role.role, members);
        roles.push_back(std::move(role));
    }
    return roles;
}

std::string thread_structure(const ProcessReport &process, const std::vector<ThreadRole> &roles) {
    std::map<std::string, std::uint64_t> threads;
    for (const ThreadRole &r : roles) {
        threads[r.role] += threads_in(process, r);
    }
    if (threads["reactor"] >= 2) {
        return "reactors";
    }
    if (threads["pool-worker"] >= 1 && threads["pool-worker"] >= threads["connection-worker"]) {
        return "thread-pool";
    }
    if (threads["connection-worker"] >= 2) {
        return "thread-per-connection";
    }
    for (const auto &[role, n] : threads) {
        if (serves(role) && n > 0) {
            return "single";
        }
    }
    return "";
}

void assign_roles(Report &report) {
    for (ProcessReport &p : report.processes) {
        const bool handler = p.io_model.label == "process-per-connection" && p.parent_pid != 0 &&
                             p.facts.accepted == 0;
        p.roles = thread_roles(p, handler);
        p.structure = p.io_model.label == "process-per-connection" ? "process-per-connection"
                                                                   : thread_structure(p, p.roles);
        label_from_structure(p);
    }
    // Pre-forked processes: two or more children of one parent that serve connections, made
    // before the trace (not one per connection), are a process pool, parent included.
    std::map<pid_t, std::vector<ProcessReport *>> children;
    for (ProcessReport &p : report.processes) {
        if (p.ppid != 0 && !p.structure.empty() && p.structure != "process-per-connection") {
            children[p.ppid].push_back(&p);
        }
    }
    for (ProcessReport &parent : report.processes) {
        const auto it = children.find(parent.pid);
        if (it == children.end() || it->second.size() < 2 ||
            parent.io_model.label == "process-per-connection") {
            continue;
        }
        bool relabelled = false;
        for (ProcessReport *child : it->second) {
            child->structure = "process-pool";
            if (served_plainly(*child)) {
                relabel(*child, "process-pool",
                        fmt::format("one of {} pre-forked worker processes of pid {}, each "
                                    "serving one connection at a time",
                                    it->second.size(), parent.pid));
                relabelled = true;
            }
        }
        parent.structure = "process-pool";
        if (relabelled && parent.io_model.label == "idle") {
            relabel(parent, "process-pool",
                    fmt::format("the parent of {} pre-forked worker processes; it serves no "
                                "connection itself",
                                it->second.size()));
        }
    }
}

}  // namespace iophase
