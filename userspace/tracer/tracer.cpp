#include "tracer/tracer.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/utsname.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "common/utc_time.h"
#include "model/classify.h"
#include "tracer/collector.h"
#include "tracer/exited_threads.h"
#include "tracer/loader.h"
#include "tracer/preflight.h"
#include "tracer/procfs.h"
#include "tracer/syscall_names.h"
#include "tracer/syscall_table.h"

namespace iophase {
namespace {

struct RingBufferDeleter {
    void operator()(ring_buffer *rb) const { ring_buffer__free(rb); }
};
using RingBuffer = std::unique_ptr<ring_buffer, RingBufferDeleter>;

constexpr std::size_t kTimelineRingBytes = 16u << 20;
// Exit rows are drained this often; the ring holds about a thousand of them.
constexpr auto kExitDrainPeriod = std::chrono::milliseconds(50);

ThreadState to_thread_state(std::uint32_t state) {
    switch (state) {
        case IOP_TL_KERNEL:
            return ThreadState::Kernel;
        case IOP_TL_COPY:
            return ThreadState::Copy;
        case IOP_TL_IRQ:
            return ThreadState::Irq;
        case IOP_TL_RUNQ:
            return ThreadState::Runq;
        case IOP_TL_BLOCKED:
            return ThreadState::Blocked;
        case IOP_TL_EXITED:
            return ThreadState::Exited;
        default:
            return ThreadState::User;
    }
}

TimelineEvent to_timeline_event(const iop_event &e) {
    return TimelineEvent{e.ts,
                         static_cast<pid_t>(e.tgid),
                         static_cast<pid_t>(e.tid),
                         to_thread_state(e.state),
                         e.in_call ? syscall_name(e.nr) : "",
                         e.data_ready != 0};
}

std::string kernel_release() {
    utsname u{};
    uname(&u);
    return u.release;
}

std::uint32_t to_fd_kind(const std::string &kind) {
    if (kind == "socket") {
        return IOP_FD_SOCKET;
    }
    if (kind == "pipe") {
        return IOP_FD_PIPE;
    }
    if (kind == "file") {
        return IOP_FD_FILE;
    }
    return kind.empty() ? IOP_FD_NONE : IOP_FD_OTHER;
}

class BpfTracer final : public Tracer {
  public:
    explicit BpfTracer(const TraceOptions &options) {
        if (const auto error = preflight_error(preflight_checks()); !error.empty()) {
            throw TraceError(error);
        }
        std::vector<pid_t> initial = resolve_pids(options.pids);
        if (!options.comm.empty()) {
            for (pid_t pid : procfs::pids_with_comm(options.comm)) {
                initial.push_back(pid);
            }
        }
        std::uint64_t cgroup_id = 0;
        if (!options.cgroup.empty()) {
            try {
                for (pid_t pid : procfs::cgroup_procs(options.cgroup)) {
                    initial.push_back(pid);
                }
                cgroup_id = procfs::cgroup_id(options.cgroup);
            } catch (const std::runtime_error &e) {
                throw TraceError(e.what(), true);
            }
        }

        LoadConfig config;
        config.follow_children = options.follow || !options.cgroup.empty();
        config.comm = options.comm;
        config.cgroup_id = cgroup_id;
        config.held_tgid = static_cast<std::uint32_t>(options.held_until_exec);
        config.timeline_ring_bytes = options.timeline ? kTimelineRingBytes : 0;
        held_pid_ = options.held_until_exec;
        bpf_ = std::make_unique<BpfObject>(config);
        iophase_bpf *skel = bpf_->skel();
        fds_ = MapFds{bpf_map__fd(skel->maps.procs), bpf_map__fd(skel->maps.sys_stats),
                      bpf_map__fd(skel->maps.drops), bpf_map__fd(skel->maps.uring_stats),
                      bpf_->thread_iter_fd()};
        fill_syscall_slots();
        start_exit_rows();
        if (options.timeline) {
            start_timeline(options);
        }
        for (pid_t pid : initial) {
            add_target(pid);
        }
        start_ns_ = procfs::monotonic_ns();
        started_at_ = utc_now_iso8601();
        bpf_->attach();
        for (pid_t pid : initial) {
            seed_threads(pid);
        }
    }

    ~BpfTracer() override {
        // The pollers use the maps: stop them before the BPF object goes.
        if (exit_poller_.joinable()) {
            exit_poller_.request_stop();
            exit_poller_.join();
        }
        if (timeline_poller_.joinable()) {
            timeline_poller_.request_stop();
            timeline_poller_.join();
        }
    }

    const std::vector<std::string> &notices() const override { return notices_; }

    void add_target(pid_t pid) override {
        const std::uint32_t tgid = static_cast<std::uint32_t>(pid);
        const std::uint8_t yes = 1;
        iophase_bpf *skel = bpf_->skel();
        skel->bss->maybe_target[tgid % std::size(skel->bss->maybe_target)] = 1;
        if (bpf_map_update_elem(bpf_map__fd(skel->maps.targets), &tgid, &yes, BPF_ANY) != 0) {
            throw TraceError(
                fmt::format("cannot add pid {} to the targets: {}", pid, std::strerror(errno)));
        }
        note_process(pid);
        if (start_ns_ != 0) {
            seed_threads(pid);
        }
    }

    bool refresh_targets() override {
        // The BPF side removes a process from the targets when its last thread exits.
        const int fd = bpf_map__fd(bpf_->skel()->maps.targets);
        std::uint32_t key = 0;
        std::uint32_t next = 0;
        std::uint32_t *prev = nullptr;
        bool any_alive = false;
        while (bpf_map_get_next_key(fd, prev, &next) == 0) {
            const auto pid = static_cast<pid_t>(next);
            if (procfs::process_alive(pid)) {
                any_alive = true;
                note_process(pid);
            }
            key = next;
            prev = &key;
        }
        return any_alive;
    }

    Report snapshot() override { return make_report(procfs::monotonic_ns()); }

    Report stop() override {
        // Detach first: after it nothing charges time, so the report is consistent.
        bpf_->detach();
        if (timeline_poller_.joinable()) {
            timeline_poller_.request_stop();
            timeline_poller_.join();
            ring_buffer__consume(timeline_rb_.get());
        }
        return make_report(procfs::monotonic_ns());
    }

    Timeline take_timeline() override {
        Timeline timeline;
        timeline.start_ns = start_ns_;
        timeline.lost = timeline_over_cap_;
        timeline.events.reserve(timeline_raw_.size());
        for (const iop_event &e : timeline_raw_) {
            timeline.events.push_back(to_timeline_event(e));
        }
        timeline_raw_.clear();
        timeline.lost += collect_drop(fds_, IOP_DROP_TIMELINE_FULL);
        return timeline;
    }

  private:
    // -p takes process ids; a thread id stands for its process (said in a notice).
    std::vector<pid_t> resolve_pids(const std::vector<pid_t> &pids) {
        std::vector<pid_t> resolved;
        for (pid_t pid : pids) {
            const pid_t tgid = procfs::tgid_of(pid);
            if (tgid == 0 || !procfs::process_alive(tgid)) {
                throw TraceError(fmt::format("no process with pid {}", pid), true);
            }
            if (tgid != pid) {
                notices_.push_back(fmt::format(
                    "pid {} is a thread of process {}: tracing the whole process", pid, tgid));
            }
            if (std::find(resolved.begin(), resolved.end(), tgid) == resolved.end()) {
                resolved.push_back(tgid);
            }
        }
        return resolved;
    }

    // Exit rows come from a ring buffer of their own, drained on a timer so that it never
    // fills while a server churns threads.
    void start_exit_rows() {
        exit_rb_.reset(ring_buffer__new(bpf_map__fd(bpf_->skel()->maps.exits),
                                        &BpfTracer::on_exit_row, this, nullptr));
        if (!exit_rb_) {
            throw TraceError(
                fmt::format("cannot open the exit ring buffer: {}", std::strerror(errno)));
        }
        exit_poller_ = std::jthread([this](std::stop_token stop) {
            while (!stop.stop_requested()) {
                drain_exit_rows();
                std::this_thread::sleep_for(kExitDrainPeriod);
            }
        });
    }

    void drain_exit_rows() {
        const std::lock_guard lock(exit_mutex_);
        ring_buffer__consume(exit_rb_.get());
    }

    static int on_exit_row(void *ctx, void *data, std::size_t size) {
        auto *self = static_cast<BpfTracer *>(ctx);
        if (size < sizeof(iop_exit)) {
            return 0;
        }
        iop_exit row;
        std::memcpy(&row, data, sizeof(row));
        self->exited_.add(row);
        return 0;
    }

    // Events go to the sink as they are drained; without one they are copied raw on the
    // polling thread and converted only when asked for.
    void start_timeline(const TraceOptions &options) {
        timeline_sink_ = options.timeline_sink;
        timeline_max_events_ = options.timeline_max_events;
        timeline_rb_.reset(ring_buffer__new(bpf_map__fd(bpf_->skel()->maps.timeline),
                                            &BpfTracer::on_timeline_event, this, nullptr));
        if (!timeline_rb_) {
            throw TraceError(
                fmt::format("cannot open the timeline ring buffer: {}", std::strerror(errno)));
        }
        // The BPF side submits without wakeups, so drain on a timer rather than wait.
        timeline_poller_ = std::jthread([this](std::stop_token stop) {
            while (!stop.stop_requested()) {
                ring_buffer__consume(timeline_rb_.get());
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
        });
    }

    static int on_timeline_event(void *ctx, void *data, std::size_t size) {
        auto *self = static_cast<BpfTracer *>(ctx);
        if (size < sizeof(iop_event)) {
            return 0;
        }
        iop_event event;
        std::memcpy(&event, data, sizeof(event));
        if (self->timeline_sink_ != nullptr) {
            self->timeline_sink_->push(to_timeline_event(event));
            return 0;
        }
        if (self->timeline_raw_.size() >= self->timeline_max_events_) {
            ++self->timeline_over_cap_;
            return 0;
        }
        self->timeline_raw_.push_back(event);
        return 0;
    }

    void fill_syscall_slots() {
        const auto table = syscall_slot_table();
        const int fd = bpf_map__fd(bpf_->skel()->maps.syscall_slot);
        for (std::uint32_t nr = 0; nr < table.size(); ++nr) {
            if (table[nr] != 0) {
                bpf_map_update_elem(fd, &nr, &table[nr], BPF_ANY);
            }
        }
    }

    // Threads that exist at attach start their wall interval now, in the state /proc shows:
    // asleep inside a syscall (the call counts from now, on the fd kind it uses), or on CPU.
    // The seed becomes the thread's state at its first event (bpf/state.bpf.h); a thread the
    // BPF side saw already keeps its own state.
    void seed_threads(pid_t pid) {
        if (pid == held_pid_) {
            return;  // not started yet: its threads begin at its exec
        }
        seed_epoll_instances(pid);
        const int fd = bpf_map__fd(bpf_->skel()->maps.seeds);
        const std::uint64_t now = procfs::monotonic_ns();
        for (pid_t tid : procfs::list_threads(pid)) {
            const auto state = procfs::read_thread_state(pid, tid);
            if (!state) {
                continue;
            }
            auto t = std::make_unique<iop_thread>();
            t->tgid = static_cast<std::uint32_t>(pid);
            t->first_ns = t->last_ns = t->call_start_ns = now;
            t->state = state->state == 'R' ? IOP_ST_ONCPU : IOP_ST_BLOCKED;
            if (state->syscall_nr >= 0) {
                t->in_call = 1;
                t->nr = static_cast<std::uint32_t>(state->syscall_nr);
                t->slot = slot_of_syscall(state->syscall_nr);
                t->fd_kind = seeded_fd_kind(pid, t->slot, state->arg0);
            }
            std::strncpy(t->comm, procfs::read_comm(pid, tid).c_str(), IOP_COMM_LEN - 1);
            const std::uint32_t key = static_cast<std::uint32_t>(tid);
            bpf_map_update_elem(fd, &key, t.get(), BPF_NOEXIST);
        }
    }

    // The fd kind the BPF side would have found at the call's entry.
    static std::uint32_t seeded_fd_kind(pid_t pid, std::uint32_t slot, long long fd) {
        const bool looked_up = slot == IOP_SLOT_READ || slot == IOP_SLOT_READV ||
                               slot == IOP_SLOT_WRITE || slot == IOP_SLOT_WRITEV ||
                               slot == IOP_SLOT_SENDFILE;
        if (looked_up) {
            const std::uint32_t kind = to_fd_kind(procfs::fd_kind(pid, fd));
            return kind == IOP_FD_NONE ? std::uint32_t{IOP_FD_OTHER} : kind;
        }
        const bool socket_call = slot >= IOP_SLOT_FIRST_ACCEPT && slot <= IOP_SLOT_CONNECT;
        return socket_call ? std::uint32_t{IOP_FD_SOCKET} : std::uint32_t{IOP_FD_NONE};
    }

    // Its names and parent while it is alive (the epoll counts of the attach stay).
    void note_process(pid_t pid) {
        ProcessInfo &info = known_[pid];
        info.comm = procfs::read_comm(pid, pid);
        info.cmdline = procfs::read_cmdline(pid);
        info.ppid = procfs::read_ppid(pid);
    }

    // fds registered with epoll before attach (BPF counts epoll_ctl and close from attach on).
    void seed_epoll_instances(pid_t pid) {
        const int counts = bpf_map__fd(bpf_->skel()->maps.epoll_fds);
        const int members = bpf_map__fd(bpf_->skel()->maps.epoll_members);
        const auto tgid = static_cast<std::uint32_t>(pid);
        ProcessInfo &info = known_[pid];
        info.epoll_registered_et = 0;
        info.epoll_registered_lt = 0;
        for (const auto &instance : procfs::epoll_instances(pid)) {
            info.epoll_registered_et += static_cast<std::uint64_t>(instance.edge_triggered);
            info.epoll_registered_lt +=
                static_cast<std::uint64_t>(instance.registered - instance.edge_triggered);
            const iop_epoll_key key{tgid, instance.epfd};
            const std::int64_t registered = instance.registered;
            bpf_map_update_elem(counts, &key, &registered, BPF_NOEXIST);
            for (int member : instance.fds) {
                const iop_fd_key fd_key{tgid, member};
                bpf_map_update_elem(members, &fd_key, &instance.epfd, BPF_NOEXIST);
            }
        }
    }

    Report make_report(std::uint64_t end_ns) {
        Report report;
        report.iophase_version = IOPHASE_VERSION;
        report.kernel = kernel_release();
        report.started_at = started_at_;
        report.duration_ns = end_ns - start_ns_;
        const KernelTables tables = read_kernel_tables(fds_, [this] { drain_exit_rows(); });
        report.processes = build_processes(tables, exited_, end_ns, known_);
        TraceHealth &health = report.health;
        health.unavailable = bpf_->unavailable();
        health.map_full_drops =
            collect_drops(fds_, IOP_DROP_TIMELINE_FULL) - collect_drop(fds_, IOP_DROP_EXIT_ROWS);
        health.ringbuf_drops = collect_drop(fds_, IOP_DROP_TIMELINE_FULL);
        health.thread_rows_lost = collect_drop(fds_, IOP_DROP_EXIT_ROWS);
        health.thread_rows_folded = exited_.folded();
        health.events_missed = bpf_->missed_runs();
        classify_all(report);
        return report;
    }

    std::unique_ptr<BpfObject> bpf_;
    MapFds fds_;
    std::map<pid_t, ProcessInfo> known_;
    std::vector<std::string> notices_;
    pid_t held_pid_ = 0;
    std::uint64_t start_ns_ = 0;
    std::string started_at_;
    // Exit rows: the poller and the snapshots both drain the ring, one at a time.
    ExitedThreads exited_;
    std::mutex exit_mutex_;
    RingBuffer exit_rb_;
    std::jthread exit_poller_;
    // Timeline.
    RingBuffer timeline_rb_;
    TimelineSink *timeline_sink_ = nullptr;
    std::vector<iop_event> timeline_raw_;
    std::size_t timeline_max_events_ = 0;
    std::uint64_t timeline_over_cap_ = 0;
    std::jthread timeline_poller_;
};

}  // namespace

std::unique_ptr<Tracer> Tracer::start(const TraceOptions &options) {
    return std::make_unique<BpfTracer>(options);
}

}  // namespace iophase
