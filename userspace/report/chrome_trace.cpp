#include "report/chrome_trace.h"

#include <algorithm>
#include <map>

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

// Chrome trace times are microseconds; keep nanosecond precision as a fraction.
double micros(std::uint64_t ns, std::uint64_t zero) {
    return static_cast<double>(ns >= zero ? ns - zero : 0) / 1000.0;
}

nlohmann::json span(const std::string &name, const char *category, const TimelineEvent &from,
                    std::uint64_t end_ns, std::uint64_t zero) {
    return {{"name", name},
            {"cat", category},
            {"ph", "X"},
            {"ts", micros(from.ts_ns, zero)},
            {"dur", micros(end_ns, from.ts_ns)},
            {"pid", from.pid},
            {"tid", from.tid}};
}

void name_tracks(const Report &report, nlohmann::json &events) {
    for (const ProcessReport &p : report.processes) {
        events.push_back({{"name", "process_name"},
                          {"ph", "M"},
                          {"pid", p.pid},
                          {"args", {{"name", p.comm + " (" + std::to_string(p.pid) + ")"}}}});
        for (const ThreadReport &t : p.threads) {
            events.push_back({{"name", "thread_name"},
                              {"ph", "M"},
                              {"pid", p.pid},
                              {"tid", t.tid},
                              {"args", {{"name", t.comm + " " + std::to_string(t.tid)}}}});
        }
    }
}

}  // namespace

nlohmann::json timeline_to_chrome_trace(const Timeline &timeline, const Report &report) {
    // Events of one thread may reach the ring buffer from several CPUs out of order.
    std::map<pid_t, std::vector<const TimelineEvent *>> by_thread;
    nlohmann::json events = nlohmann::json::array();
    name_tracks(report, events);
    for (const TimelineEvent &e : timeline.events) {
        if (e.data_ready) {
            // A mark inside the call's wait, not a change of state: an instant event.
            events.push_back({{"name", "data ready for " + e.syscall},
                              {"cat", "ready"},
                              {"ph", "i"},
                              {"s", "t"},
                              {"ts", micros(e.ts_ns, timeline.start_ns)},
                              {"pid", e.pid},
                              {"tid", e.tid}});
            continue;
        }
        by_thread[e.tid].push_back(&e);
    }
    for (auto &[tid, list] : by_thread) {
        std::stable_sort(list.begin(), list.end(),
                         [](const auto *a, const auto *b) { return a->ts_ns < b->ts_ns; });
        const TimelineEvent *call_start = nullptr;
        for (std::size_t i = 0; i + 1 < list.size(); ++i) {
            const TimelineEvent &now = *list[i];
            const TimelineEvent &next = *list[i + 1];
            if (now.state == ThreadState::Exited) {
                break;
            }
            std::string name = thread_state_name(now.state);
            if (!now.syscall.empty() && now.state != ThreadState::User) {
                name += " in " + now.syscall;
            }
            events.push_back(
                span(name, thread_state_name(now.state), now, next.ts_ns, timeline.start_ns));
            // A syscall span runs from the first event inside the call to the first outside.
            if (!now.syscall.empty() && call_start == nullptr) {
                call_start = &now;
            }
            if (call_start != nullptr && (next.syscall.empty() || next.syscall != now.syscall)) {
                events.push_back(span(call_start->syscall, "syscall", *call_start, next.ts_ns,
                                      timeline.start_ns));
                call_start = nullptr;
            }
        }
    }
    return {
        {"traceEvents", events},
        {"displayTimeUnit", "ns"},
        {"otherData", {{"generator", "iophase trace --timeline"}, {"lost_events", timeline.lost}}}};
}

}  // namespace iophase
