#include "tracer/tracer.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <sys/utsname.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdarg>
#include <cstring>
#include <map>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include "iophase.skel.h"
#include "common/utc_time.h"
#include "model/classify.h"
#include "tracer/collector.h"
#include "tracer/optional_programs.h"
#include "tracer/preflight.h"
#include "tracer/procfs.h"
#include "tracer/syscall_table.h"

namespace iophase {
namespace {

// Owns the generated skeleton: destroying it detaches every program and frees every map.
struct SkeletonDeleter {
    void operator()(iophase_bpf *skel) const { iophase_bpf::destroy(skel); }
};
using Skeleton = std::unique_ptr<iophase_bpf, SkeletonDeleter>;

struct RingBufferDeleter {
    void operator()(ring_buffer *rb) const { ring_buffer__free(rb); }
};
using RingBuffer = std::unique_ptr<ring_buffer, RingBufferDeleter>;

constexpr std::size_t kTimelineRingBytes = 16u << 20;

ThreadState to_thread_state(std::uint32_t state) {
    switch (state) {
        case IOP_TL_KERNEL:
            return ThreadState::Kernel;
        case IOP_TL_COPY:
            return ThreadState::Copy;
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
    return TimelineEvent{e.ts, static_cast<pid_t>(e.tgid), static_cast<pid_t>(e.tid),
                         to_thread_state(e.state), e.in_call ? slot_name(e.slot) : ""};
}

// libbpf's messages are kept, not printed: a failure is reported as one line that quotes
// the last of them.
std::string &libbpf_log() {
    static std::string log;
    return log;
}

int keep_libbpf_message(enum libbpf_print_level level, const char *format, va_list args) {
    if (level == LIBBPF_DEBUG) {
        return 0;
    }
    char line[512];
    const int n = std::vsnprintf(line, sizeof(line), format, args);
    std::string &log = libbpf_log();
    log += line;
    if (log.size() > 8192) {
        log.erase(0, log.size() - 8192);
    }
    return n;
}

std::string last_libbpf_line() {
    std::string log = libbpf_log();
    while (!log.empty() && log.back() == '\n') {
        log.pop_back();
    }
    const auto nl = log.rfind('\n');
    return nl == std::string::npos ? log : log.substr(nl + 1);
}

std::string kernel_release() {
    utsname u{};
    uname(&u);
    return u.release;
}

class BpfTracer final : public Tracer {
  public:
    explicit BpfTracer(const TraceOptions &options) {
        if (const auto error = preflight_error(preflight_checks()); !error.empty()) {
            throw TraceError(error);
        }
        std::vector<pid_t> initial = options.pids;
        for (pid_t pid : initial) {
            if (!procfs::process_alive(pid)) {
                throw TraceError(fmt::format("no process with pid {}", pid), true);
            }
        }
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

        libbpf_set_print(keep_libbpf_message);
        std::vector<const OptionalProgram *> disabled;
        for (;;) {
            libbpf_log().clear();
            open_skeleton(options, cgroup_id, disabled);
            const int err = iophase_bpf::load(skel_.get());
            if (err == 0) {
                break;
            }
            const OptionalProgram *missing = missing_optional_program(libbpf_log());
            if (missing == nullptr ||
                std::find(disabled.begin(), disabled.end(), missing) != disabled.end()) {
                throw TraceError(fmt::format("cannot load the BPF programs ({}): {}",
                                             std::strerror(-err), last_libbpf_line()));
            }
            disabled.push_back(missing);
            unavailable_.push_back(fmt::format("{}: this kernel lacks the tracepoint of {}",
                                               missing->measures, missing->program));
        }
        fds_ = MapFds{bpf_map__fd(skel_->maps.threads),   bpf_map__fd(skel_->maps.dead_threads),
                      bpf_map__fd(skel_->maps.sys_stats), bpf_map__fd(skel_->maps.procs),
                      bpf_map__fd(skel_->maps.drops),     bpf_map__fd(skel_->maps.uring_stats)};
        fill_syscall_slots();
        if (options.timeline) {
            start_timeline(options);
        }
        for (pid_t pid : initial) {
            add_target(pid);
        }
        start_ns_ = procfs::monotonic_ns();
        started_at_ = utc_now_iso8601();
        if (int err = iophase_bpf::attach(skel_.get()); err != 0) {
            throw TraceError(fmt::format("cannot attach the BPF programs ({}): {}",
                                         std::strerror(-err), last_libbpf_line()));
        }
        for (pid_t pid : initial) {
            seed_threads(pid);
        }
    }

    void open_skeleton(const TraceOptions &options, std::uint64_t cgroup_id,
                       const std::vector<const OptionalProgram *> &disabled) {
        skel_.reset(iophase_bpf::open());
        if (!skel_) {
            throw TraceError(fmt::format("cannot open the BPF object: {}", last_libbpf_line()));
        }
        auto *rodata = skel_->rodata;
        rodata->follow_children = options.follow || !options.cgroup.empty();
        if (!options.comm.empty()) {
            rodata->match_comm = true;
            std::strncpy(const_cast<char *>(rodata->target_comm), options.comm.c_str(),
                         IOP_COMM_LEN - 1);
        }
        rodata->target_cgroup_id = cgroup_id;
        rodata->held_tgid = static_cast<std::uint32_t>(options.held_until_exec);
        held_pid_ = options.held_until_exec;
        if (options.timeline) {
            rodata->timeline_enabled = true;
            bpf_map__set_max_entries(skel_->maps.timeline, kTimelineRingBytes);
        }
        for (const auto *optional : disabled) {
            bpf_program__set_autoload(
                bpf_object__find_program_by_name(skel_->obj, optional->program), false);
        }
    }

    void add_target(pid_t pid) override {
        const std::uint32_t tgid = static_cast<std::uint32_t>(pid);
        const std::uint8_t yes = 1;
        skel_->bss->maybe_target[tgid % std::size(skel_->bss->maybe_target)] = 1;
        if (bpf_map_update_elem(bpf_map__fd(skel_->maps.targets), &tgid, &yes, BPF_ANY) != 0) {
            throw TraceError(
                fmt::format("cannot add pid {} to the targets: {}", pid, std::strerror(errno)));
        }
        known_[pid] = ProcessInfo{procfs::read_comm(pid, pid), procfs::read_cmdline(pid)};
        if (start_ns_ != 0) {
            seed_threads(pid);
        }
    }

    bool refresh_targets() override {
        // The BPF side removes a process from the targets when its last thread exits.
        const int fd = bpf_map__fd(skel_->maps.targets);
        std::uint32_t key = 0;
        std::uint32_t next = 0;
        std::uint32_t *prev = nullptr;
        bool any_alive = false;
        while (bpf_map_get_next_key(fd, prev, &next) == 0) {
            const auto pid = static_cast<pid_t>(next);
            if (procfs::process_alive(pid)) {
                any_alive = true;
                known_[pid] = ProcessInfo{procfs::read_comm(pid, pid), procfs::read_cmdline(pid)};
            }
            key = next;
            prev = &key;
        }
        return any_alive;
    }

    Report snapshot() override { return make_report(procfs::monotonic_ns()); }

    Report stop() override {
        // Detach first: after it nothing charges time, so the report is consistent.
        iophase_bpf::detach(skel_.get());
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
    // Events go to the sink as they are drained; without one they are copied raw on the
    // polling thread and converted only when asked for.
    void start_timeline(const TraceOptions &options) {
        timeline_sink_ = options.timeline_sink;
        timeline_max_events_ = options.timeline_max_events;
        timeline_rb_.reset(ring_buffer__new(bpf_map__fd(skel_->maps.timeline),
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
        const int fd = bpf_map__fd(skel_->maps.syscall_slot);
        for (std::uint32_t nr = 0; nr < table.size(); ++nr) {
            if (table[nr] != 0) {
                bpf_map_update_elem(fd, &nr, &table[nr], BPF_ANY);
            }
        }
    }

    // Threads that exist at attach start their wall interval now, in the state /proc shows:
    // asleep inside a syscall (the call counts from now), or on CPU. A thread the BPF side
    // already saw keeps its entry (BPF_NOEXIST).
    void seed_threads(pid_t pid) {
        if (pid == held_pid_) {
            return;  // not started yet: its threads begin at its exec
        }
        seed_epoll_instances(pid);
        const int fd = bpf_map__fd(skel_->maps.threads);
        const std::uint64_t now = procfs::monotonic_ns();
        for (pid_t tid : procfs::list_threads(pid)) {
            const auto state = procfs::read_thread_state(pid, tid);
            if (!state) {
                continue;
            }
            iop_thread t{};
            t.tgid = static_cast<std::uint32_t>(pid);
            t.first_ns = t.last_ns = t.call_start_ns = now;
            const bool running = state->state == 'R';
            t.state = running ? IOP_ST_ONCPU : IOP_ST_BLOCKED;
            if (state->syscall_nr >= 0) {
                t.in_call = 1;
                t.slot = slot_of_syscall(state->syscall_nr);
            }
            std::strncpy(t.comm, procfs::read_comm(pid, tid).c_str(), IOP_COMM_LEN - 1);
            const std::uint32_t key = static_cast<std::uint32_t>(tid);
            bpf_map_update_elem(fd, &key, &t, BPF_NOEXIST);
        }
    }

    // fds registered with epoll before attach (BPF counts epoll_ctl from attach on).
    void seed_epoll_instances(pid_t pid) {
        const int fd = bpf_map__fd(skel_->maps.epoll_fds);
        for (const auto &instance : procfs::epoll_instances(pid)) {
            const iop_epoll_key key{static_cast<std::uint32_t>(pid), instance.epfd};
            const std::int64_t registered = instance.registered;
            bpf_map_update_elem(fd, &key, &registered, BPF_NOEXIST);
        }
    }

    Report make_report(std::uint64_t end_ns) {
        Report report;
        report.iophase_version = IOPHASE_VERSION;
        report.kernel = kernel_release();
        report.started_at = started_at_;
        report.duration_ns = end_ns - start_ns_;
        report.processes = collect_processes(fds_, end_ns, known_);
        report.health.map_full_drops = collect_drops(fds_, IOP_DROP_TIMELINE_FULL);
        report.health.ringbuf_drops = collect_drop(fds_, IOP_DROP_TIMELINE_FULL);
        report.health.unavailable = unavailable_;
        report.health.unavailable.push_back(
            "copy phase of output (send/write): no tracepoint marks it, so it is part of "
            "kernel_ns / kernel_other_ns");
        classify_all(report);
        return report;
    }

    Skeleton skel_;
    MapFds fds_;
    std::map<pid_t, ProcessInfo> known_;
    std::vector<std::string> unavailable_;
    pid_t held_pid_ = 0;
    // Timeline: declared after the skeleton so the poller stops before the maps go away.
    RingBuffer timeline_rb_;
    TimelineSink *timeline_sink_ = nullptr;
    std::vector<iop_event> timeline_raw_;
    std::size_t timeline_max_events_ = 0;
    std::uint64_t timeline_over_cap_ = 0;
    std::jthread timeline_poller_;
    std::uint64_t start_ns_ = 0;
    std::string started_at_;
};

}  // namespace

std::unique_ptr<Tracer> Tracer::start(const TraceOptions &options) {
    return std::make_unique<BpfTracer>(options);
}

}  // namespace iophase
