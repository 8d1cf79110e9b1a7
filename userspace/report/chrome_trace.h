// The timeline as Chrome trace event JSON ({"traceEvents": [...]}), which Perfetto UI and
// chrome://tracing open: one track per thread, a span per syscall, and inside and between them
// a span per state (user, kernel, copy, runq, blocked).
//
// Written while the trace runs: each event waits at most kReorderWindowNs (of trace time) for
// the events of its thread that reached the ring buffer later from another CPU, and is then
// turned into spans and written at once. Memory stays bounded by the window, whatever the
// length of the trace; an event that comes later still is dropped and counted.
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/report.h"
#include "model/timeline.h"

namespace iophase {

class ChromeTraceWriter final : public TimelineSink {
  public:
    static constexpr std::uint64_t kReorderWindowNs = 50'000'000;
    static constexpr std::size_t kMaxPending = 1 << 18;  // events held at most, whatever the rate

    // `write` appends to the output and throws on failure.
    explicit ChromeTraceWriter(std::function<void(std::string_view)> write);

    // Thread-compatible with finish(): the tracer calls it only until stop() returns.
    void push(const TimelineEvent &event) noexcept override;

    // Writes the events still held, the track names (from `report`), the number of events lost
    // (`report.health.ringbuf_drops` plus dropped()) and the end of the document. Throws what
    // `write` threw, also during push().
    void finish(const Report &report);

    std::uint64_t written() const { return written_; }  // events that made spans in the file
    std::uint64_t dropped() const { return dropped_; }  // too late to place, or after a failure

  private:
    struct Pending {
        TimelineEvent event;
        std::uint64_t order;  // arrival, so that events at the same time keep theirs
        bool operator>(const Pending &other) const {
            return event.ts_ns != other.event.ts_ns ? event.ts_ns > other.event.ts_ns
                                                    : order > other.order;
        }
    };
    // What one thread's next event needs to close its spans.
    struct Track {
        TimelineEvent last;
        bool in_call = false;  // a syscall span is open, since call_start
        TimelineEvent call_start;
    };

    void release(bool all);
    void place(const TimelineEvent &event);
    void span(const std::string &name, const char *category, const TimelineEvent &from,
              std::uint64_t end_ns);
    // An instant event (a mark on the thread's track).
    void instant(const std::string &name, const TimelineEvent &at);
    void element(const nlohmann::json &value);
    void separate();
    void flush_if_full();
    void flush_buffer();
    const std::string &quoted(const std::string &text);

    std::function<void(std::string_view)> write_;
    std::priority_queue<Pending, std::vector<Pending>, std::greater<>> pending_;
    std::uint64_t arrivals_ = 0;
    std::uint64_t newest_ns_ = 0;
    std::uint64_t zero_ns_ = 0;  // time 0 of the trace: its first event
    bool have_zero_ = false;
    std::unordered_map<pid_t, Track> tracks_;
    std::unordered_map<std::string, std::string> quoted_;  // span names as JSON strings
    std::string buffer_;
    bool first_element_ = true;
    std::exception_ptr failure_;
    std::uint64_t written_ = 0;
    std::uint64_t dropped_ = 0;
};

}  // namespace iophase
