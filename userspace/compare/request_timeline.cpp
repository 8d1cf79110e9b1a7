#include "compare/request_timeline.h"

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <string_view>

namespace iophase::compare {

namespace {

// The request is the median of this many of the thread's last complete requests: recent
// enough to be in steady state, enough of them that one outlier does not decide.
constexpr std::size_t kRequestsConsidered = 101;
// Busy polling may try many empty sockets before the one with data; the figure shows at
// most this many of those EAGAIN calls (the ones just before the data).
constexpr std::size_t kMaxEagainCalls = 32;

// A run of consecutive events of one thread inside the same syscall: one call.
struct Call {
    std::string_view syscall;
    std::size_t first = 0;  // index of its first event
    std::size_t last = 0;   // index of its last event; events[last + 1] is the first after it
    bool copied = false;
    bool slept_before_copy = false;  // blocked in the call before its first copy
};

// A complete request of one thread: events [first, end) of the thread, end being the first
// event after the input call.
struct Candidate {
    std::size_t first = 0;
    std::size_t end = 0;
    std::size_t wait_call = 0;  // index into calls, valid when has_wait
    bool has_wait = false;
    std::size_t eagain_calls = 0;
    std::size_t input_call = 0;   // index into calls
    bool slept_in_input = false;  // a blocking input call that slept until its data came
};

using ThreadEvents = std::vector<const TimelineEvent *>;

// Events of one thread in time order, up to and including its exit.
ThreadEvents sorted_until_exit(ThreadEvents events) {
    std::stable_sort(events.begin(), events.end(),
                     [](const auto *a, const auto *b) { return a->ts_ns < b->ts_ns; });
    for (std::size_t i = 0; i < events.size(); ++i) {
        if (events[i]->state == ThreadState::Exited) {
            events.resize(i + 1);
            break;
        }
    }
    return events;
}

// The calls of a thread whose start and end are both inside the timeline. Consecutive calls
// are separated by at least one event in user space (the tracer emits one at every exit).
std::vector<Call> complete_calls(const ThreadEvents &events) {
    std::vector<Call> calls;
    std::size_t i = 0;
    while (i < events.size()) {
        const TimelineEvent &e = *events[i];
        if (e.syscall.empty() || e.state == ThreadState::Exited) {
            ++i;
            continue;
        }
        Call call{e.syscall, i, i, false};
        while (call.last + 1 < events.size() && events[call.last + 1]->syscall == e.syscall &&
               events[call.last + 1]->state != ThreadState::Exited) {
            ++call.last;
        }
        for (std::size_t k = call.first; k <= call.last; ++k) {
            const ThreadState state = events[k]->state;
            call.slept_before_copy =
                call.slept_before_copy || (!call.copied && state == ThreadState::Blocked);
            call.copied = call.copied || state == ThreadState::Copy;
        }
        i = call.last + 1;
        // The first call may have begun before tracing did; the last may not have ended.
        if (call.first > 0 && call.last + 1 < events.size()) {
            calls.push_back(call);
        }
    }
    return calls;
}

// Every input call that returned data, with the waiting just before it.
std::vector<Candidate> candidates_of(const std::vector<Call> &calls) {
    std::vector<Candidate> found;
    for (std::size_t k = 0; k < calls.size(); ++k) {
        const std::string syscall(calls[k].syscall);
        if (!calls[k].copied || !is_input_call(syscall)) {
            continue;
        }
        Candidate candidate;
        candidate.input_call = k;
        candidate.slept_in_input = calls[k].slept_before_copy;
        std::size_t start = k;
        // io_uring_enter without a copy is a submission, not a try that found nothing.
        auto found_nothing = [&](const Call &call) {
            const std::string name(call.syscall);
            return !call.copied && is_input_call(name) && name != "io_uring_enter";
        };
        while (start > 0 && candidate.eagain_calls < kMaxEagainCalls &&
               found_nothing(calls[start - 1])) {
            --start;
            ++candidate.eagain_calls;
        }
        if (start > 0 && is_wait_call(std::string(calls[start - 1].syscall))) {
            --start;
            candidate.has_wait = true;
            candidate.wait_call = start;
        }
        candidate.first = calls[start].first;
        candidate.end = calls[k].last + 1;
        found.push_back(candidate);
    }
    return found;
}

std::uint64_t duration(const ThreadEvents &events, const Candidate &c) {
    return events[c.end]->ts_ns - events[c.first]->ts_ns;
}

bool waits(ThreadState state) {
    return state == ThreadState::Blocked || state == ThreadState::Runq;
}

bool on_cpu(ThreadState state) {
    return state == ThreadState::User || state == ThreadState::Kernel ||
           state == ThreadState::Copy || state == ThreadState::Irq;
}

// The last data-ready mark of `call` before `limit_ns` (its end, or the input call's first
// copy), or nullptr. The data that wakes a sleeping call arrives after the call began.
const TimelineEvent *ready_mark(const ThreadEvents &marks, const ThreadEvents &events,
                                const Call &call, std::uint64_t limit_ns) {
    const TimelineEvent *found = nullptr;
    for (const TimelineEvent *mark : marks) {
        if (mark->syscall == call.syscall && mark->ts_ns >= events[call.first]->ts_ns &&
            mark->ts_ns <= limit_ns) {
            found = mark;
        }
    }
    return found;
}

// Splits the wait at the data-ready mark: the call's start → ready → the thread back on a
// CPU (the first on-CPU event after the wakeup that follows the mark).
void split_at_ready(RequestTimeline &request, const ThreadEvents &events, const Call &call,
                    const TimelineEvent &mark, std::uint64_t start) {
    const std::uint64_t call_start = events[call.first]->ts_ns;
    const std::uint64_t ready = mark.ts_ns;
    std::size_t i = call.first;
    while (i <= call.last && (events[i]->ts_ns < ready || events[i]->state != ThreadState::Runq)) {
        ++i;
    }
    if (i > call.last) {  // no wakeup seen after the mark: the first on-CPU moment after it
        i = call.first;
        while (i <= call.last && events[i]->ts_ns < ready) {
            ++i;
        }
    }
    while (i <= call.last && !on_cpu(events[i]->state)) {
        ++i;
    }
    const std::uint64_t back_on = std::max(events[i]->ts_ns, ready);  // i <= call.last + 1
    request.data_ready_ns = ready - start;
    request.ready_call = std::string(call.syscall);
    request.wait_for_data = {call_start - start, ready - call_start};
    request.wakeup = {ready - start, back_on - ready};
}

RequestTimeline build(const ThreadEvents &events, const ThreadEvents &marks,
                      const std::vector<Call> &calls, const Candidate &chosen,
                      std::size_t candidates, std::uint64_t zero_ns) {
    RequestTimeline request;
    const TimelineEvent &first = *events[chosen.first];
    const std::uint64_t start = first.ts_ns;
    request.pid = first.pid;
    request.tid = first.tid;
    request.start_ns = start >= zero_ns ? start - zero_ns : 0;
    request.wait_call = chosen.has_wait ? std::string(calls[chosen.wait_call].syscall) : "";
    const Call &input = calls[chosen.input_call];
    request.input_call = std::string(input.syscall);
    request.eagain_calls = chosen.eagain_calls;
    request.candidates = candidates;
    for (std::size_t i = chosen.first; i < chosen.end; ++i) {
        const TimelineEvent &e = *events[i];
        const std::uint64_t t = e.ts_ns - start;
        const std::uint64_t dur = events[i + 1]->ts_ns - e.ts_ns;
        if (!request.segments.empty() && request.segments.back().state == e.state &&
            request.segments.back().syscall == e.syscall) {
            request.segments.back().dur_ns += dur;
        } else {
            request.segments.push_back({t, dur, e.state, e.syscall});
        }
    }
    // Phase 1 lasts until the data is there: the end of the wait call and of the EAGAIN
    // calls, and of any sleep in the input call before its copy.
    const Call &before_input = calls[chosen.input_call - (chosen.input_call > 0 ? 1 : 0)];
    std::uint64_t phase1_end = 0;
    if (chosen.has_wait || chosen.eagain_calls > 0) {
        phase1_end = events[before_input.last + 1]->ts_ns - start;
    }
    std::size_t first_copy = input.last;
    for (std::size_t i = input.first; i <= input.last; ++i) {
        if (events[i]->state == ThreadState::Copy) {
            first_copy = std::min(first_copy, i);
        }
    }
    for (std::size_t i = input.first; i < first_copy; ++i) {
        if (waits(events[i]->state)) {
            phase1_end = std::max(phase1_end, events[i + 1]->ts_ns - start);
        }
    }
    request.phase1 = {0, phase1_end};
    std::size_t last_copy = first_copy;
    for (std::size_t i = first_copy; i <= input.last; ++i) {
        if (events[i]->state == ThreadState::Copy) {
            last_copy = i;
        }
    }
    const std::uint64_t copy_start = events[first_copy]->ts_ns - start;
    request.phase2 = {copy_start, events[last_copy + 1]->ts_ns - start - copy_start};
    // The data became ready while the thread slept in the input call before its copy, or
    // else in the wait call.
    if (const TimelineEvent *in_input =
            ready_mark(marks, events, input, events[first_copy]->ts_ns)) {
        split_at_ready(request, events, input, *in_input, start);
    } else if (chosen.has_wait) {
        const Call &wait = calls[chosen.wait_call];
        if (const TimelineEvent *in_wait =
                ready_mark(marks, events, wait, events[wait.last + 1]->ts_ns)) {
            split_at_ready(request, events, wait, *in_wait, start);
        }
    }
    return request;
}

}  // namespace

std::uint64_t RequestTimeline::duration_ns() const {
    return segments.empty() ? 0 : segments.back().t_ns + segments.back().dur_ns;
}

bool is_input_call(const std::string &syscall) {
    static const std::set<std::string> names = {"read",    "readv",    "recvfrom",
                                                "recvmsg", "recvmmsg", "io_uring_enter"};
    return names.count(syscall) > 0;
}

bool is_wait_call(const std::string &syscall) {
    static const std::set<std::string> names = {
        "select",       "pselect6",        "poll",          "ppoll", "epoll_wait", "epoll_pwait",
        "epoll_pwait2", "rt_sigtimedwait", "rt_sigsuspend", "pause"};
    return names.count(syscall) > 0;
}

std::vector<pid_t> server_pids(const Report &report, pid_t server_pid) {
    std::vector<pid_t> pids = {server_pid};
    for (const ProcessReport &process : report.processes) {
        if (process.parent_pid == server_pid) {
            pids.push_back(process.pid);
        }
    }
    return pids;
}

std::optional<RequestTimeline> pick_request(const Timeline &timeline,
                                            const std::vector<pid_t> &pids) {
    const std::set<pid_t> family(pids.begin(), pids.end());
    std::map<pid_t, ThreadEvents> by_thread;
    std::map<pid_t, ThreadEvents> marks_by_thread;  // data-ready marks, not transitions
    for (const TimelineEvent &e : timeline.events) {
        if (family.count(e.pid) > 0) {
            (e.data_ready ? marks_by_thread : by_thread)[e.tid].push_back(&e);
        }
    }
    // The busiest thread: the most complete requests (ties: the lowest tid).
    pid_t best_tid = 0;
    ThreadEvents best_events;
    std::vector<Call> best_calls;
    std::vector<Candidate> best;
    for (auto &[tid, unsorted] : by_thread) {
        ThreadEvents events = sorted_until_exit(std::move(unsorted));
        std::vector<Call> calls = complete_calls(events);
        std::vector<Candidate> found = candidates_of(calls);
        if (found.size() > best.size()) {
            best_tid = tid;
            best_events = std::move(events);
            best_calls = std::move(calls);
            best = std::move(found);
        }
    }
    if (best.empty()) {
        return std::nullopt;
    }
    // The textbook requests are the ones that waited first: in the multiplexer's wait call,
    // in EAGAIN tries, or asleep in a blocking input call. The rest (the rest of a batch, a
    // socket that had its data at the first try) found the data already there, so show those
    // only when nothing else exists.
    const auto waited = [](const Candidate &c) {
        return c.has_wait || c.eagain_calls > 0 || c.slept_in_input;
    };
    if (std::any_of(best.begin(), best.end(), waited)) {
        std::erase_if(best, [&](const Candidate &c) { return !waited(c); });
    }
    if (best.size() > kRequestsConsidered) {
        best.erase(best.begin(), best.end() - static_cast<std::ptrdiff_t>(kRequestsConsidered));
    }
    const std::size_t considered = best.size();
    std::stable_sort(best.begin(), best.end(), [&](const Candidate &a, const Candidate &b) {
        return duration(best_events, a) < duration(best_events, b);
    });
    ThreadEvents marks = std::move(marks_by_thread[best_tid]);
    std::stable_sort(marks.begin(), marks.end(),
                     [](const auto *a, const auto *b) { return a->ts_ns < b->ts_ns; });
    return build(best_events, marks, best_calls, best[best.size() / 2], considered,
                 timeline.start_ns);
}

nlohmann::json request_to_json(const RequestTimeline &request) {
    const auto span_to_json = [](const RequestSpan &span) {
        return nlohmann::json{{"t_ns", span.t_ns}, {"dur_ns", span.dur_ns}};
    };
    const bool ready = request.data_ready_ns.has_value();
    nlohmann::json segments = nlohmann::json::array();
    for (const RequestSegment &s : request.segments) {
        segments.push_back({{"t_ns", s.t_ns},
                            {"dur_ns", s.dur_ns},
                            {"state", thread_state_name(s.state)},
                            {"syscall", s.syscall}});
    }
    return {{"pid", request.pid},
            {"tid", request.tid},
            {"start_ns", request.start_ns},
            {"duration_ns", request.duration_ns()},
            {"wait_call", request.wait_call},
            {"input_call", request.input_call},
            {"eagain_calls", request.eagain_calls},
            {"candidates", request.candidates},
            {"phase1", span_to_json(request.phase1)},
            {"phase2", span_to_json(request.phase2)},
            {"data_ready_ns", request.data_ready_ns ? nlohmann::json(*request.data_ready_ns)
                                                    : nlohmann::json(nullptr)},
            {"ready_call", request.ready_call},
            {"wait_for_data", ready ? span_to_json(request.wait_for_data) : nullptr},
            {"wakeup", ready ? span_to_json(request.wakeup) : nullptr},
            {"segments", segments}};
}

}  // namespace iophase::compare
