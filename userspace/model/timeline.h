// A per-thread timeline (iophase trace --timeline): every transition of every traced thread,
// as plain data. The Chrome/Perfetto trace writer (report/chrome_trace.h) receives it as it is
// drained, through TimelineSink; `iophase compare` keeps it in memory (Timeline).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace iophase {

enum class ThreadState { User, Kernel, Copy, Irq, Runq, Blocked, Exited };

// From `ts_ns` on, thread `tid` is in `state`, inside `syscall` if it is not empty.
struct TimelineEvent {
    std::uint64_t ts_ns = 0;  // CLOCK_MONOTONIC
    pid_t pid = 0;
    pid_t tid = 0;
    ThreadState state = ThreadState::User;
    std::string syscall;      // "" outside a syscall
    bool data_ready = false;  // a mark, not a transition: data became ready for the call
};

struct Timeline {
    std::uint64_t start_ns = 0;  // CLOCK_MONOTONIC at attach: time zero of the trace
    std::vector<TimelineEvent> events;
    std::uint64_t lost = 0;  // events the ring buffer or the event cap dropped
};

// Receives the timeline while the trace runs, one event at a time in the order drained (events
// of one thread may come slightly out of order: they reach the ring buffer from several CPUs).
// Called on the tracer's draining thread; it must not throw into it.
class TimelineSink {
  public:
    virtual ~TimelineSink() = default;
    virtual void push(const TimelineEvent &event) noexcept = 0;
};

const char *thread_state_name(ThreadState state);

}  // namespace iophase
