#include "report/chrome_trace.h"

#include <fmt/format.h>

#include <iterator>

#include "report/name_escape.h"

namespace iophase {

const char *thread_state_name(ThreadState state) {
    switch (state) {
        case ThreadState::User:
            return "user";
        case ThreadState::Kernel:
            return "kernel";
        case ThreadState::Copy:
            return "copy";
        case ThreadState::Irq:
            return "irq";
        case ThreadState::Runq:
            return "runq";
        case ThreadState::Blocked:
            return "blocked";
        case ThreadState::Exited:
            return "exited";
    }
    return "?";
}

namespace {

constexpr std::size_t kWriteChunk = 1 << 20;  // bytes gathered before each write

// Chrome trace times are microseconds: nanoseconds written exactly as a 3-decimal fraction.
struct Micros {
    std::uint64_t ns;
};

std::string json_text(const nlohmann::json &value) {
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace
}  // namespace iophase

template <>
struct fmt::formatter<iophase::Micros> : fmt::formatter<std::string_view> {
    template <typename Context>
    auto format(iophase::Micros t, Context &ctx) const {
        return fmt::format_to(ctx.out(), "{}.{:03}", t.ns / 1000, t.ns % 1000);
    }
};

namespace iophase {

ChromeTraceWriter::ChromeTraceWriter(std::function<void(std::string_view)> write)
    : write_(std::move(write)) {
    buffer_ = "{\"traceEvents\":[\n";
}

void ChromeTraceWriter::push(const TimelineEvent &event) noexcept {
    if (failure_) {
        ++dropped_;
        return;
    }
    try {
        pending_.push(Pending{event, arrivals_++});
        newest_ns_ = std::max(newest_ns_, event.ts_ns);
        release(false);
    } catch (...) {
        failure_ = std::current_exception();
    }
}

// Places the held events that can no longer be preceded by a late one of their thread
// (older than the window), or all of them at the end.
void ChromeTraceWriter::release(bool all) {
    while (!pending_.empty()) {
        const Pending &oldest = pending_.top();
        const bool due = oldest.event.ts_ns + kReorderWindowNs <= newest_ns_;
        if (!all && !due && pending_.size() <= kMaxPending) {
            return;
        }
        const TimelineEvent event = oldest.event;
        pending_.pop();
        try {
            place(event);
        } catch (...) {
            ++dropped_;  // its span was not written
            throw;
        }
    }
}

// The event ends the span of its thread's previous one (and maybe a syscall span).
void ChromeTraceWriter::place(const TimelineEvent &next) {
    if (!have_zero_) {
        zero_ns_ = next.ts_ns;
        have_zero_ = true;
    }
    if (next.data_ready) {
        instant("data ready for " + next.syscall, next);  // a mark, not a change of state
        ++written_;
        return;
    }
    const auto it = tracks_.find(next.tid);
    if (it == tracks_.end()) {
        if (next.state != ThreadState::Exited) {
            tracks_.emplace(next.tid, Track{next, false, {}});
        }
        ++written_;
        return;
    }
    Track &track = it->second;
    const TimelineEvent &now = track.last;
    if (next.ts_ns < now.ts_ns) {
        ++dropped_;  // came after the window had closed on its thread
        return;
    }
    std::string name = thread_state_name(now.state);
    if (!now.syscall.empty() && now.state != ThreadState::User) {
        name += " in " + now.syscall;
    }
    span(name, thread_state_name(now.state), now, next.ts_ns);
    // A syscall span runs from the first event inside the call to the first outside.
    if (!now.syscall.empty() && !track.in_call) {
        track.in_call = true;
        track.call_start = now;
    }
    if (track.in_call && next.syscall != now.syscall) {
        span(track.call_start.syscall, "syscall", track.call_start, next.ts_ns);
        track.in_call = false;
    }
    ++written_;
    if (next.state == ThreadState::Exited) {
        tracks_.erase(it);  // a later thread with the same tid starts a track of its own
    } else {
        track.last = next;
    }
}

void ChromeTraceWriter::span(const std::string &name, const char *category,
                             const TimelineEvent &from, std::uint64_t end_ns) {
    const std::uint64_t start = from.ts_ns >= zero_ns_ ? from.ts_ns - zero_ns_ : 0;
    separate();
    fmt::format_to(std::back_inserter(buffer_),
                   R"({{"name":{},"cat":"{}","ph":"X","ts":{},"dur":{},"pid":{},"tid":{}}})",
                   quoted(name), category, Micros{start}, Micros{end_ns - from.ts_ns}, from.pid,
                   from.tid);
    flush_if_full();
}

void ChromeTraceWriter::instant(const std::string &name, const TimelineEvent &at) {
    const std::uint64_t ts = at.ts_ns >= zero_ns_ ? at.ts_ns - zero_ns_ : 0;
    separate();
    fmt::format_to(std::back_inserter(buffer_),
                   R"({{"name":{},"cat":"ready","ph":"i","s":"t","ts":{},"pid":{},"tid":{}}})",
                   quoted(name), Micros{ts}, at.pid, at.tid);
    flush_if_full();
}

void ChromeTraceWriter::element(const nlohmann::json &value) {
    separate();
    buffer_ += json_text(value);
    flush_if_full();
}

void ChromeTraceWriter::separate() {
    if (!first_element_) {
        buffer_ += ",\n";
    }
    first_element_ = false;
}

void ChromeTraceWriter::flush_if_full() {
    if (buffer_.size() >= kWriteChunk) {
        flush_buffer();
    }
}

void ChromeTraceWriter::flush_buffer() {
    write_(buffer_);
    buffer_.clear();
}

// Span names come from a small set (state and syscall): each is escaped once.
const std::string &ChromeTraceWriter::quoted(const std::string &text) {
    auto it = quoted_.find(text);
    if (it == quoted_.end()) {
        it = quoted_.emplace(text, json_text(text)).first;
    }
    return it->second;
}

void ChromeTraceWriter::finish(const Report &report) {
    if (!failure_) {
        try {
            release(true);
            for (const ProcessReport &p : report.processes) {
                element(
                    {{"name", "process_name"},
                     {"ph", "M"},
                     {"pid", p.pid},
                     {"args", {{"name", fmt::format("{} ({})", utf8_escaped(p.comm), p.pid)}}}});
                for (const ThreadReport &t : p.threads) {
                    element(
                        {{"name", "thread_name"},
                         {"ph", "M"},
                         {"pid", p.pid},
                         {"tid", t.tid},
                         {"args", {{"name", fmt::format("{} {}", utf8_escaped(t.comm), t.tid)}}}});
                }
            }
            const std::uint64_t lost = report.health.ringbuf_drops + dropped_;
            buffer_ += fmt::format(
                "\n],\"displayTimeUnit\":\"ns\",\"otherData\":{{\"generator\":\"iophase trace "
                "--timeline\",\"lost_events\":{}}}}}\n",
                lost);
            flush_buffer();
        } catch (...) {
            failure_ = std::current_exception();
        }
    }
    if (failure_) {
        dropped_ += pending_.size();
        pending_ = {};
        std::rethrow_exception(failure_);
    }
}

}  // namespace iophase
