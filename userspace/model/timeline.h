// A per-thread timeline (iophase trace --timeline): every transition of every traced thread,
// as plain data. The Chrome/Perfetto trace renderer (report/chrome_trace.h) reads it.
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

const char *thread_state_name(ThreadState state);

}  // namespace iophase
