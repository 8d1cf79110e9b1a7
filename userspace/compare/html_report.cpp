#include "compare/html_report.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "compare/compare_json.h"
#include "compare/page.h"
#include "compare/table.h"
#include "model/format_numbers.h"

namespace iophase::compare {

namespace {

// How many blocked-by reasons get their own segment; the rest are summed as "other".
constexpr std::size_t kBlockedReasonsShown = 4;
constexpr int kChartWidth = 1000;
constexpr int kLabelWidth = 190;
constexpr int kBarWidth = 600;
// Room right of the bars for a budget whose buckets overshoot the wall time a little.
constexpr int kRightGap = 40;
// The tracer promises buckets that add up to the wall time within 1%.
constexpr double kBudgetTolerance = 0.01;
constexpr int kRowHeight = 24;
constexpr int kBarHeight = 16;
constexpr int kAxisHeight = 38;

std::string escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

struct Segment {
    std::string key;    // data-segment value
    std::string label;  // legend text
    std::string color;
};

// A blocked reason keeps its colour in every chart: greens for waiting on the network,
// browns for locks and sleeps, greys for the rest.
std::string blocked_color(const std::string &reason) {
    static const std::map<std::string, std::string> colors = {
        {"recvfrom", "#59a14f"},     {"read", "#59a14f"},           {"recvmsg", "#59a14f"},
        {"readv", "#59a14f"},        {"accept", "#b6992d"},         {"accept4", "#b6992d"},
        {"select", "#8cd17d"},       {"pselect6", "#8cd17d"},       {"poll", "#86bcb6"},
        {"ppoll", "#86bcb6"},        {"epoll_wait", "#499894"},     {"epoll_pwait", "#499894"},
        {"epoll_pwait2", "#499894"}, {"io_uring_enter", "#76b7b2"}, {"rt_sigtimedwait", "#d4a6c8"},
        {"futex", "#9c755f"},        {"nanosleep", "#d7b5a6"},      {"clock_nanosleep", "#d7b5a6"},
        {"sendto", "#ff9da7"},       {"write", "#ff9da7"},
    };
    const auto found = colors.find(reason);
    return found == colors.end() ? "#bab0ac" : found->second;
}

// The segments of one variant's budget chart: the fixed buckets plus its top blocked reasons.
std::vector<Segment> budget_segments(const std::vector<const Row *> &rows,
                                     std::vector<std::string> &reasons_shown) {
    std::map<std::string, std::uint64_t> reason_totals;
    for (const Row *row : rows) {
        for (const auto &[reason, ns] : row->budget.blocked_by) {
            reason_totals[reason] += ns;
        }
    }
    std::vector<std::pair<std::string, std::uint64_t>> sorted(reason_totals.begin(),
                                                              reason_totals.end());
    std::sort(sorted.begin(), sorted.end(),
              [](const auto &a, const auto &b) { return a.second > b.second; });
    reasons_shown.clear();
    for (const auto &[reason, ns] : sorted) {
        if (reasons_shown.size() < kBlockedReasonsShown) {
            reasons_shown.push_back(reason);
        }
    }
    std::vector<Segment> segments = {{"user", "user CPU", "#4e79a7"},
                                     {"copy", "kernel copy (phase 2)", "#f28e2b"},
                                     {"kernel_other", "kernel other", "#e15759"}};
    for (std::size_t i = 0; i < reasons_shown.size(); ++i) {
        segments.push_back({"blocked:" + reasons_shown[i], "blocked in " + reasons_shown[i],
                            blocked_color(reasons_shown[i])});
    }
    if (sorted.size() > reasons_shown.size()) {
        segments.push_back({"blocked:other", "blocked elsewhere", "#79706e"});
    }
    segments.push_back({"runq", "run queue", "#edc948"});
    return segments;
}

std::uint64_t segment_ns(const Row &row, const Segment &segment,
                         const std::vector<std::string> &reasons_shown) {
    const Budget &b = row.budget;
    if (segment.key == "user") {
        return b.user_ns;
    }
    if (segment.key == "copy") {
        return b.kernel_copy_ns;
    }
    if (segment.key == "kernel_other") {
        return b.kernel_other_ns;
    }
    if (segment.key == "runq") {
        return b.runq_ns;
    }
    if (segment.key == "blocked:other") {
        std::uint64_t rest = 0;
        for (const auto &[reason, ns] : b.blocked_by) {
            if (std::find(reasons_shown.begin(), reasons_shown.end(), reason) ==
                reasons_shown.end()) {
                rest += ns;
            }
        }
        return rest;
    }
    const std::string reason = segment.key.substr(std::string_view("blocked:").size());
    const auto found = b.blocked_by.find(reason);
    return found == b.blocked_by.end() ? 0 : found->second;
}

void append_legend(std::string &out, const std::vector<Segment> &segments) {
    out += "<div class=\"legend\">";
    for (const Segment &segment : segments) {
        out += fmt::format("<span><span class=\"swatch\" style=\"background:{}\"></span>{}</span>",
                           escape(segment.color), escape(segment.label));
    }
    out += "</div>\n";
}

void append_axis(std::string &out, int top, int bottom, std::string_view unit_of_100) {
    for (int tick = 0; tick <= 100; tick += 25) {
        const double x = kLabelWidth + kBarWidth * tick / 100.0;
        out += fmt::format(
            "<line class=\"grid\" x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1}\" "
            "y2=\"{2}\"/><text class=\"small\" x=\"{0:.1f}\" y=\"{3}\" "
            "text-anchor=\"middle\">{4}%</text>",
            x, top, bottom, bottom + 14, tick);
    }
    out += fmt::format("<text class=\"small\" x=\"{}\" y=\"{}\">100% = {}</text>", kLabelWidth,
                       bottom + 30, escape(unit_of_100));
}

std::string not_run_text(const Row &row) {
    return row.status == RunStatus::Failed ? "failed: " + row.error : row.error;
}

// Per model a stacked bar: where the server threads' summed wall time went.
void append_budget_chart(std::string &out, const std::vector<const Row *> &rows,
                         std::string_view scenario, std::string_view variant) {
    std::vector<std::string> reasons_shown;
    const std::vector<Segment> segments = budget_segments(rows, reasons_shown);
    append_legend(out, segments);
    const int height = static_cast<int>(rows.size()) * kRowHeight + kAxisHeight + 8;
    out += fmt::format(
        "<svg class=\"budget-chart\" data-chart=\"budget\" data-scenario=\"{}\" "
        "data-variant=\"{}\" viewBox=\"0 0 {} {}\" width=\"{}\" height=\"{}\" role=\"img\">\n",
        escape(scenario), escape(variant), kChartWidth, height, kChartWidth, height);
    const int bars_bottom = static_cast<int>(rows.size()) * kRowHeight + 4;
    append_axis(out, 0, bars_bottom, "the server threads' summed wall time (at right)");
    int y = 4;
    for (const Row *row : rows) {
        out += fmt::format(
            "<g class=\"budget-bar\" data-model=\"{}\" data-status=\"{}\" "
            "data-wall-ns=\"{}\">",
            escape(row->model), escape(status_name(row->status)), row->budget.wall_ns);
        out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", kLabelWidth - 8,
                           y + kBarHeight - 3, escape(row->model));
        const double wall = static_cast<double>(row->budget.wall_ns);
        if (row->status != RunStatus::Ok || wall <= 0) {
            const std::string why =
                row->status == RunStatus::Ok ? "no time traced" : not_run_text(*row);
            out += fmt::format("<text class=\"small\" x=\"{}\" y=\"{}\">{}</text></g>\n",
                               kLabelWidth + 4, y + kBarHeight - 3, escape(why));
            y += kRowHeight;
            continue;
        }
        double x = kLabelWidth;
        for (const Segment &segment : segments) {
            const std::uint64_t ns = segment_ns(*row, segment, reasons_shown);
            const double share = static_cast<double>(ns) / wall;
            const double width = share * kBarWidth;
            out += fmt::format(
                "<rect class=\"seg\" x=\"{:.2f}\" y=\"{}\" width=\"{:.2f}\" height=\"{}\" "
                "fill=\"{}\" data-model=\"{}\" data-segment=\"{}\" data-ns=\"{}\" "
                "data-share=\"{:.6f}\"><title>{}: {} — {} ({} of wall)</title></rect>",
                x, y, width, kBarHeight, escape(segment.color), escape(row->model),
                escape(segment.key), ns, share, escape(row->model), escape(segment.label),
                human_duration(static_cast<double>(ns)), percent(static_cast<double>(ns), wall));
            x += width;
        }
        // The buckets should add up to the wall time; when the tracer's do not, say by how
        // much instead of rescaling the bar and hiding it.
        const double accounted = static_cast<double>(row->budget.accounted_ns()) / wall;
        const std::string mismatch =
            std::abs(accounted - 1.0) > kBudgetTolerance
                ? fmt::format(", buckets {:.1f}% of wall", 100.0 * accounted)
                : "";
        out += fmt::format(
            "<text class=\"small\" x=\"{}\" y=\"{}\" data-accounted=\"{:.4f}\">{} thr, {} "
            "wall{}</text></g>\n",
            kLabelWidth + kBarWidth + kRightGap, y + kBarHeight - 3, accounted, row->threads,
            human_duration(wall), mismatch);
        y += kRowHeight;
    }
    out += "</svg>\n";
}

struct Phase {
    const char *key;
    const char *label;
    const char *color;
    double PerMessage::*field;
};

const std::vector<Phase> &phases() {
    static const std::vector<Phase> list = {
        {"wait", "phase 1: waiting for data (asleep)", "#59a14f", &PerMessage::wait_ns},
        {"runq", "run queue", "#edc948", &PerMessage::runq_ns},
        {"kernel", "kernel, not copying (polls, EAGAIN, bookkeeping)", "#e15759",
         &PerMessage::kernel_ns},
        {"copy", "phase 2: copying the data", "#f28e2b", &PerMessage::copy_ns},
        {"user", "user CPU (the server's own code)", "#4e79a7", &PerMessage::user_ns},
    };
    return list;
}

// The fallback when the timeline had no complete request: the textbook figure of one
// request, built from means per message.
void append_mean_request_figure(std::string &out, const std::vector<const Row *> &rows,
                                std::string_view scenario, std::string_view variant) {
    std::vector<Segment> legend;
    for (const Phase &phase : phases()) {
        legend.push_back({phase.key, phase.label, phase.color});
    }
    append_legend(out, legend);
    const int height = static_cast<int>(rows.size()) * kRowHeight + kAxisHeight + 8;
    out += fmt::format(
        "<svg class=\"request-figure\" data-chart=\"request-mean\" data-scenario=\"{}\" "
        "data-variant=\"{}\" viewBox=\"0 0 {} {}\" width=\"{}\" height=\"{}\" role=\"img\">\n",
        escape(scenario), escape(variant), kChartWidth, height, kChartWidth, height);
    const int bars_bottom = static_cast<int>(rows.size()) * kRowHeight + 4;
    append_axis(out, 0, bars_bottom, "the mean time per message (total at right)");
    int y = 4;
    for (const Row *row : rows) {
        const PerMessage &pm = row->per_message;
        const double total = pm.wait_ns + pm.runq_ns + pm.kernel_ns + pm.copy_ns + pm.user_ns;
        out += fmt::format("<g class=\"request\" data-model=\"{}\" data-total-ns=\"{:.1f}\">",
                           escape(row->model), total);
        out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", kLabelWidth - 8,
                           y + kBarHeight - 3, escape(row->model));
        if (row->status != RunStatus::Ok || total <= 0) {
            const std::string why =
                row->status == RunStatus::Ok ? "no messages" : not_run_text(*row);
            out += fmt::format("<text class=\"small\" x=\"{}\" y=\"{}\">{}</text></g>\n",
                               kLabelWidth + 4, y + kBarHeight - 3, escape(why));
            y += kRowHeight;
            continue;
        }
        double x = kLabelWidth;
        for (const Phase &phase : phases()) {
            const double ns = pm.*phase.field;
            const double width = ns / total * kBarWidth;
            out += fmt::format(
                "<rect class=\"phase\" x=\"{:.2f}\" y=\"{}\" width=\"{:.2f}\" height=\"{}\" "
                "fill=\"{}\" data-model=\"{}\" data-phase=\"{}\" data-ns=\"{:.1f}\">"
                "<title>{}: {} — {} per message (mean)</title></rect>",
                x, y, width, kBarHeight, escape(phase.color), escape(row->model), escape(phase.key),
                ns, escape(row->model), escape(phase.label), human_duration(ns));
            x += width;
        }
        out += fmt::format("<text class=\"small\" x=\"{}\" y=\"{}\">{} per message</text></g>\n",
                           kLabelWidth + kBarWidth + kRightGap, y + kBarHeight - 3,
                           human_duration(total));
        y += kRowHeight;
    }
    out += "</svg>\n";
}

constexpr int kRequestRowHeight = 52;
constexpr int kMarkTop = 14;  // phase marks, above the bar
constexpr int kRequestBarTop = 20;
constexpr int kMinMarkWidth = 3;  // a copy of a few hundred ns still shows as a mark

std::string state_color(ThreadState state, const std::string &syscall) {
    switch (state) {
        case ThreadState::User:
            return "#4e79a7";
        case ThreadState::Copy:
            return "#f28e2b";
        case ThreadState::Irq:
            return "#b07aa1";
        case ThreadState::Runq:
            return "#edc948";
        case ThreadState::Blocked:
            return blocked_color(syscall);
        case ThreadState::Kernel:
        case ThreadState::Exited:
            break;
    }
    return "#e15759";
}

std::string segment_label(const RequestSegment &segment) {
    switch (segment.state) {
        case ThreadState::User:
            return "user CPU";
        case ThreadState::Copy:
            return "copying in " + segment.syscall;
        case ThreadState::Irq:
            return "interrupt work" + (segment.syscall.empty() ? "" : " in " + segment.syscall);
        case ThreadState::Runq:
            return "run queue" + (segment.syscall.empty() ? "" : " in " + segment.syscall);
        case ThreadState::Blocked:
            return "asleep in " + segment.syscall;
        case ThreadState::Kernel:
        case ThreadState::Exited:
            break;
    }
    return "kernel in " + segment.syscall;
}

void append_request_legend(std::string &out, const std::vector<const RunRecord *> &runs) {
    std::vector<std::string> sleeps;
    for (const RunRecord *run : runs) {
        for (const RequestSegment &segment : run->request->segments) {
            if (segment.state == ThreadState::Blocked &&
                std::find(sleeps.begin(), sleeps.end(), segment.syscall) == sleeps.end()) {
                sleeps.push_back(segment.syscall);
            }
        }
    }
    std::vector<Segment> entries = {{"user", "user CPU", "#4e79a7"},
                                    {"kernel", "kernel, not copying", "#e15759"},
                                    {"copy", "copying the data", "#f28e2b"},
                                    {"runq", "run queue", "#edc948"}};
    for (const std::string &call : sleeps) {
        entries.push_back({call, "asleep in " + call, blocked_color(call)});
    }
    append_legend(out, entries);
}

// A mark above a request's bar: one of its phases (phase 1, phase 2) or, when the data-ready
// moment is known, the two parts of phase 1 it splits the wait into.
struct PhaseMark {
    const char *key;  // data-phase
    const char *label;
    const char *color;
};

constexpr PhaseMark kPhase1Mark = {"1", "phase 1: waiting for data", "#2f6b28"};
constexpr PhaseMark kWaitForDataMark = {"wait-for-data", "waiting for data", "#2f6b28"};
constexpr PhaseMark kWakeupMark = {"wakeup", "wakeup latency", "#8a6d00"};
constexpr PhaseMark kPhase2Mark = {"2", "phase 2: copying the data", "#c25e00"};

void append_phase_mark(std::string &out, const PhaseMark &mark, const RequestSpan &span,
                       double scale, int y, const std::string &model, bool labelled) {
    const double x = kLabelWidth + static_cast<double>(span.t_ns) * scale;
    const double width =
        std::max(static_cast<double>(span.dur_ns) * scale, static_cast<double>(kMinMarkWidth));
    out += fmt::format(
        "<rect class=\"phase-mark\" x=\"{:.2f}\" y=\"{}\" width=\"{:.2f}\" height=\"3\" "
        "fill=\"{}\" data-model=\"{}\" data-phase=\"{}\" data-t-ns=\"{}\" data-ns=\"{}\">"
        "<title>{} — {}</title></rect>",
        x, y + kMarkTop, width, escape(mark.color), escape(model), escape(mark.key), span.t_ns,
        span.dur_ns, escape(mark.label), human_duration(static_cast<double>(span.dur_ns)));
    if (!labelled) {
        return;
    }
    // Phase 1 starts the bar; phase 2 is usually a sliver at the right, so its label reads
    // leftwards from its end.
    const bool from_right = &mark == &kPhase2Mark && x + width > kLabelWidth + kBarWidth * 0.6;
    out += fmt::format(
        "<text class=\"small\" x=\"{:.2f}\" y=\"{}\" text-anchor=\"{}\" fill=\"{}\">{}: "
        "{}</text>",
        from_right ? x + width : x, y + kMarkTop - 3, from_right ? "end" : "start",
        escape(mark.color), escape(mark.label), human_duration(static_cast<double>(span.dur_ns)));
}

// The moment the data became ready: a line across the mark row and the bar.
void append_data_ready_mark(std::string &out, const RequestTimeline &request, double scale, int y,
                            const std::string &model) {
    const double x = kLabelWidth + static_cast<double>(*request.data_ready_ns) * scale;
    out += fmt::format(
        "<line class=\"data-ready\" x1=\"{0:.2f}\" x2=\"{0:.2f}\" y1=\"{1}\" y2=\"{2}\" "
        "stroke=\"#000\" stroke-width=\"1.5\" data-model=\"{3}\" data-t-ns=\"{4}\">"
        "<title>data ready for {5} at +{6}; on a CPU {7} later</title></line>",
        x, y + kMarkTop - 2, y + kRequestBarTop + kBarHeight + 2, escape(model),
        *request.data_ready_ns, escape(request.ready_call),
        human_duration(static_cast<double>(*request.data_ready_ns)),
        human_duration(static_cast<double>(request.wakeup.dur_ns)));
}

std::string phase1_text(const RequestTimeline &request) {
    if (request.phase1.dur_ns == 0) {
        return "none (never waited)";
    }
    std::string text = human_duration(static_cast<double>(request.phase1.dur_ns));
    if (request.data_ready_ns) {
        text += fmt::format(" = data ready after {}, on a CPU {} later",
                            human_duration(static_cast<double>(request.wait_for_data.dur_ns)),
                            human_duration(static_cast<double>(request.wakeup.dur_ns)));
    }
    return text;
}

// Per model one real request of the server's busiest thread, from the per-event timeline:
// every state it was in from the start of its wait to the end of the call that copied.
void append_measured_request_figure(std::string &out, const std::vector<const RunRecord *> &runs,
                                    std::string_view scenario, std::string_view variant) {
    std::vector<const RunRecord *> measured;
    for (const RunRecord *run : runs) {
        if (run->request) {
            measured.push_back(run);
        }
    }
    append_request_legend(out, measured);
    const int height = static_cast<int>(runs.size()) * kRequestRowHeight + kAxisHeight + 8;
    out += fmt::format(
        "<svg class=\"request-figure\" data-chart=\"request\" data-scenario=\"{}\" "
        "data-variant=\"{}\" viewBox=\"0 0 {} {}\" width=\"{}\" height=\"{}\" role=\"img\">\n",
        escape(scenario), escape(variant), kChartWidth, height, kChartWidth, height);
    const int bars_bottom = static_cast<int>(runs.size()) * kRequestRowHeight + 4;
    append_axis(out, 0, bars_bottom, "the request's own duration (at right)");
    int y = 4;
    for (const RunRecord *run : runs) {
        const Row &row = run->row;
        out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", kLabelWidth - 8,
                           y + kRequestBarTop + kBarHeight - 3, escape(row.model));
        if (!run->request) {
            const std::string why = row.status == RunStatus::Ok
                                        ? "no complete request in the timeline: see the mean "
                                          "per message below"
                                        : not_run_text(row);
            out += fmt::format("<text class=\"small\" x=\"{}\" y=\"{}\">{}</text>\n",
                               kLabelWidth + 4, y + kRequestBarTop + kBarHeight - 3, escape(why));
            y += kRequestRowHeight;
            continue;
        }
        const RequestTimeline &request = *run->request;
        const std::uint64_t total = request.duration_ns();
        out += fmt::format(
            "<g class=\"request-timeline\" data-model=\"{}\" data-pid=\"{}\" data-tid=\"{}\" "
            "data-duration-ns=\"{}\" data-phase1-ns=\"{}\" data-phase2-ns=\"{}\" "
            "data-wait-call=\"{}\" data-input-call=\"{}\" data-eagain-calls=\"{}\" "
            "data-ready-ns=\"{}\">",
            escape(row.model), request.pid, request.tid, total, request.phase1.dur_ns,
            request.phase2.dur_ns, escape(request.wait_call), escape(request.input_call),
            request.eagain_calls,
            request.data_ready_ns ? std::to_string(*request.data_ready_ns) : std::string());
        const double scale = total > 0 ? static_cast<double>(kBarWidth) / total : 0.0;
        for (const RequestSegment &segment : request.segments) {
            out += fmt::format(
                "<rect class=\"req-seg\" x=\"{:.2f}\" y=\"{}\" width=\"{:.2f}\" height=\"{}\" "
                "fill=\"{}\" data-model=\"{}\" data-state=\"{}\" data-syscall=\"{}\" "
                "data-t-ns=\"{}\" data-ns=\"{}\"><title>{}: {} at +{}</title></rect>",
                kLabelWidth + static_cast<double>(segment.t_ns) * scale, y + kRequestBarTop,
                static_cast<double>(segment.dur_ns) * scale, kBarHeight,
                escape(state_color(segment.state, segment.syscall)), escape(row.model),
                escape(thread_state_name(segment.state)), escape(segment.syscall), segment.t_ns,
                segment.dur_ns, escape(segment_label(segment)),
                human_duration(static_cast<double>(segment.dur_ns)),
                human_duration(static_cast<double>(segment.t_ns)));
        }
        if (request.data_ready_ns) {
            append_phase_mark(out, kWaitForDataMark, request.wait_for_data, scale, y, row.model,
                              true);
            append_phase_mark(out, kWakeupMark, request.wakeup, scale, y, row.model, false);
            append_data_ready_mark(out, request, scale, y, row.model);
        } else if (request.phase1.dur_ns > 0) {
            append_phase_mark(out, kPhase1Mark, request.phase1, scale, y, row.model, true);
        }
        append_phase_mark(out, kPhase2Mark, request.phase2, scale, y, row.model, true);
        std::string calls = request.input_call;
        if (request.eagain_calls > 0) {
            calls = fmt::format("{} × {} finding nothing (EAGAIN), then {}", request.eagain_calls,
                                request.input_call, request.input_call);
        }
        if (!request.wait_call.empty()) {
            calls = request.wait_call + " → " + calls;
        }
        out += fmt::format(
            "<text class=\"small\" x=\"{}\" y=\"{}\">one measured request (thread {}): {}; "
            "the median of its last {}</text>",
            kLabelWidth, y + kRequestBarTop + kBarHeight + 12, request.tid, escape(calls),
            request.candidates);
        const int right = kLabelWidth + kBarWidth + 16;
        out += fmt::format(
            "<text class=\"small\" x=\"{0}\" y=\"{1}\">{2} in all</text>"
            "<text class=\"small\" x=\"{0}\" y=\"{3}\">phase 1: {4}</text>"
            "<text class=\"small\" x=\"{0}\" y=\"{5}\">phase 2: {6}</text></g>\n",
            right, y + kRequestBarTop - 2, human_duration(static_cast<double>(total)),
            y + kRequestBarTop + 10, phase1_text(request), y + kRequestBarTop + 22,
            human_duration(static_cast<double>(request.phase2.dur_ns)));
        y += kRequestRowHeight;
    }
    out += "</svg>\n";
}

std::string cell(const std::optional<double> &value) {
    return format_ratio(value);
}

void append_rows_table(std::string &out, const std::vector<const Row *> &rows) {
    out +=
        "<table class=\"rows\"><thead><tr><th class=\"model\">model</th><th>variant</th>"
        "<th>msgs/s</th><th>p50</th><th>p99</th>"
        "<th title=\"server CPU as % of one core: user / kernel copy / kernel other\">CPU % "
        "u/cp/k</th><th>blocked</th><th>copying</th><th>sys/msg</th><th>EAGAIN/msg</th>"
        "<th title=\"fds the kernel scans per ready fd\">scanned/ready</th>"
        "<th title=\"fds each call covers per ready fd\">watched/ready</th>"
        "<th title=\"kernel on-CPU ns per multiplexer call\">ns/mux call</th>"
        "<th>thr/proc</th><th>peak RSS</th><th class=\"model\">label</th></tr></thead>"
        "<tbody>\n";
    for (const Row *row : rows) {
        if (row->status != RunStatus::Ok) {
            out += fmt::format(
                "<tr class=\"{}\" data-model=\"{}\" data-variant=\"{}\"><td class=\"model\">{}"
                "</td><td>{}</td><td colspan=\"14\" class=\"model\">{}</td></tr>\n",
                row->status == RunStatus::Failed ? "failed" : "na", escape(row->model),
                escape(row->variant), escape(row->model), escape(row->variant),
                escape(not_run_text(*row)));
            continue;
        }
        const bool match = row->label_matches();
        out += fmt::format(
            "<tr data-model=\"{0}\" data-variant=\"{1}\" data-msgs-per-s=\"{2}\">"
            "<td class=\"model\">{0}</td><td>{1}</td><td>{3}</td><td>{4}</td><td>{5}</td>"
            "<td>{6:.0f}/{7:.0f}/{8:.0f}</td><td>{9:.0f}%</td><td>{10:.1f}%</td><td>{11}</td>"
            "<td>{12}</td><td>{13}</td><td>{14}</td><td>{15}</td><td>{16}/{17}</td>"
            "<td>{18:.1f} MB</td><td class=\"label{19}\">{20}</td></tr>\n",
            escape(row->model), escape(row->variant), row->load.msgs_per_s,
            format_rate(row->load.msgs_per_s), format_latency(row->load.p50_ns),
            format_latency(row->load.p99_ns), row->cpu_user_pct, row->cpu_copy_pct,
            row->cpu_kernel_other_pct, 100.0 * row->blocked_share, 100.0 * row->copy_share,
            cell(row->syscalls_per_msg), cell(row->eagain_per_msg),
            cell(row->fds_scanned_per_ready), cell(row->fds_watched_per_ready),
            cell(row->mux_cpu_ns_per_call), row->threads, row->processes,
            static_cast<double>(row->peak_rss_kb) / 1024.0, match ? "" : " mismatch",
            match
                ? escape(row->label)
                : escape(fmt::format("{} ≠ expected {}", row->label.empty() ? "(none)" : row->label,
                                     row->expected_label)));
    }
    out += "</tbody></table></div>\n";
}

// Variants of a scenario in plan order.
std::vector<std::string> variants_of(const CompareResult &result, Scenario scenario) {
    std::vector<std::string> variants;
    for (const RunRecord &run : result.runs) {
        if (run.row.scenario == scenario &&
            std::find(variants.begin(), variants.end(), run.row.variant) == variants.end()) {
            variants.push_back(run.row.variant);
        }
    }
    return variants;
}

void append_scenario(std::string &out, const CompareResult &result, Scenario scenario) {
    const std::vector<std::string> variants = variants_of(result, scenario);
    if (variants.empty()) {
        return;
    }
    const std::string name(scenario_name(scenario));
    out += fmt::format(
        "<section class=\"scenario\" id=\"scenario-{0}\" data-scenario=\"{0}\">"
        "<h2>{0}</h2><p class=\"meta\">{1}</p>\n",
        name, escape(scenario_purpose(scenario)));
    std::vector<const RunRecord *> all_runs;
    std::vector<const Row *> all_rows;
    for (const RunRecord &run : result.runs) {
        if (run.row.scenario == scenario) {
            all_runs.push_back(&run);
            all_rows.push_back(&run.row);
        }
    }
    append_rows_table(out, all_rows);
    for (const std::string &variant : variants) {
        std::vector<const RunRecord *> runs;
        std::vector<const Row *> rows;
        std::vector<const Row *> unmeasured;
        for (const RunRecord *run : all_runs) {
            if (run->row.variant == variant) {
                runs.push_back(run);
                rows.push_back(&run->row);
                if (run->row.status == RunStatus::Ok && !run->request) {
                    unmeasured.push_back(&run->row);
                }
            }
        }
        const std::string title = variant.empty() ? name : name + ", " + variant;
        out += fmt::format("<h3>Time budget of the server threads — {}</h3>\n", escape(title));
        append_budget_chart(out, rows, name, variant);
        out += fmt::format("<h3>One request, phase by phase — {}</h3>\n", escape(title));
        out +=
            "<p class=\"note\">One real request per model, cut from the per-event timeline of "
            "the server's busiest thread: from the start of the call it waited in (the "
            "multiplexer's, the EAGAIN tries of busy polling, or the blocking recv itself) to "
            "the end of the call that copied the data. The median by duration of that thread's "
            "last requests. Each bar is scaled to its own duration; a copy too short to see is "
            "still marked.</p>\n";
        append_measured_request_figure(out, runs, name, variant);
        if (!unmeasured.empty()) {
            std::string models;
            for (const Row *row : unmeasured) {
                models += (models.empty() ? "" : ", ") + row->model;
            }
            out += fmt::format(
                "<p class=\"note fallback\">No complete request was found in the timeline of {}: "
                "instead, the mean per message, derived from aggregate counters (all server "
                "threads' time divided by the messages the load generator received), not one "
                "traced request. Each bar is scaled to its own total.</p>\n",
                escape(models));
            append_mean_request_figure(out, unmeasured, name, variant);
        }
    }
    out += "</section>\n";
}

// Text that may sit inside <script>: "</" would end the element early.
std::string script_safe(std::string text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '<' && i + 1 < text.size() && text[i + 1] == '/') {
            out += "<\\/";
            ++i;
        } else {
            out += text[i];
        }
    }
    return out;
}

// The page with each {{name}} placeholder replaced by its text: every one must be there once.
// The placeholders are found in the template, never in the texts put in.
std::string fill_page(std::vector<std::pair<std::string_view, std::string>> parts) {
    const std::string_view page = page_template();
    std::vector<std::pair<std::size_t, std::size_t>> at;  // (offset, index into parts)
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const std::string placeholder = fmt::format("{{{{{}}}}}", parts[i].first);
        const std::size_t found = page.find(placeholder);
        if (found == std::string_view::npos || page.find(placeholder, found + 1) != page.npos) {
            throw std::logic_error("compare/page.html needs " + placeholder + " exactly once");
        }
        at.emplace_back(found, i);
    }
    std::sort(at.begin(), at.end());
    std::string out;
    std::size_t copied = 0;
    for (const auto &[offset, i] : at) {
        out.append(page.substr(copied, offset - copied));
        out += parts[i].second;
        copied = offset + parts[i].first.size() + 4;  // the name and its braces
    }
    out.append(page.substr(copied));
    return out;
}

}  // namespace

std::string render_html(const CompareResult &result) {
    std::string header = fmt::format(
        "<p class=\"meta\">Started {} · kernel {} · {} CPUs · iophase {} · "
        "{} of {} runs{}</p>\n<p class=\"meta\">Command: <code>{}</code></p>\n",
        escape(result.started_at), escape(result.kernel), result.cpus,
        escape(result.iophase_version), result.runs.size(), result.planned_runs,
        result.interrupted ? " (interrupted)" : "", escape(result.command));
    header += "<nav>";
    for (Scenario scenario : result.plan.scenarios) {
        header += fmt::format("<a href=\"#scenario-{0}\">{0}</a>", escape(scenario_name(scenario)));
    }
    header += "<a href=\"#fanin\">idle-fanin sweep</a></nav>\n";
    header +=
        "<p class=\"meta\">Each demo server ran under the same load while being traced. The "
        "time budget splits the server threads' wall time into user CPU, kernel copy "
        "(phase 2), other kernel work, time asleep (by the call it slept in: phase 1 for "
        "the blocking and multiplexing models) and run-queue delay. Hover any bar or point "
        "for its numbers.</p>\n";
    std::string scenarios;
    for (Scenario scenario : result.plan.scenarios) {
        append_scenario(scenarios, result, scenario);
    }
    std::string fanin;
    const auto &planned = result.plan.scenarios;
    if (std::find(planned.begin(), planned.end(), Scenario::IdleFanin) == planned.end()) {
        fanin =
            "<p class=\"meta\" id=\"fanin\">The idle-fanin sweep was not part of this "
            "run.</p>\n";
    } else {
        fanin =
            "<section id=\"fanin\"><h2>idle-fanin sweep</h2><p class=\"meta\">10 active clients "
            "plus N idle connections. select and poll hand the kernel every fd on every call, so "
            "the fds scanned per ready fd (and the kernel time per call) grow with the idle "
            "connections. epoll_wait walks only its ready list, so its fds scanned are the fds "
            "it returned (one per ready fd by construction); the measured check is the second "
            "chart, the kernel's on-CPU time per multiplexer call. Models "
            "without a multiplexer are left out of the first two charts.</p>\n"
            "<div class=\"charts\"><div id=\"fanin-fds\"></div><div id=\"fanin-cpu\"></div>"
            "<div id=\"fanin-rate\"></div></div></section>\n";
    }
    const std::string data =
        script_safe(compare_to_json(result, false)
                        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    return fill_page({{"header", std::move(header)},
                      {"scenarios", std::move(scenarios)},
                      {"fanin", std::move(fanin)},
                      {"data", data}});
}

}  // namespace iophase::compare
