#include "compare/html_report.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "compare/columns.h"
#include "compare/compare_json.h"
#include "compare/line_chart.h"
#include "compare/markup.h"
#include "compare/page.h"
#include "compare/svg_chart.h"
#include "model/format_numbers.h"

namespace iophase::compare {

namespace {

using markup::Element;
using markup::escape;

// How many blocked-by reasons get their own segment; the rest are summed as "other".
constexpr std::size_t kBlockedReasonsShown = 4;
// The tracer promises buckets that add up to the wall time within 1%.
constexpr double kBudgetTolerance = 0.01;

// The rows of the budget and mean-request charts: a bar and one note right of it, after a gap
// for a budget whose buckets overshoot the wall time a little.
constexpr svg::RowLayout kBarRows = {.height = 24,
                                     .bar_offset = 0,
                                     .note_x = svg::kLabelWidth + svg::kBarWidth + 40,
                                     .note_offset = svg::kBarHeight - 3};
// The rows of the measured request: its phase marks above the bar, a caption under it and
// three notes right of it.
constexpr svg::RowLayout kRequestRows = {.height = 52,
                                         .bar_offset = 20,
                                         .note_x = svg::kLabelWidth + svg::kBarWidth + 16,
                                         .note_offset = -2};

// A chart of `kind` (its data-chart) for one variant of a scenario.
svg::Chart chart_of(std::string_view css_class, std::string_view kind, std::string_view scenario,
                    std::string_view variant, const svg::RowLayout &layout,
                    std::string_view axis_unit) {
    svg::Chart chart{.layout = layout, .axis_unit = std::string(axis_unit)};
    chart.svg = {{"class", std::string(css_class)},
                 {"data-chart", std::string(kind)},
                 {"data-scenario", std::string(scenario)},
                 {"data-variant", std::string(variant)}};
    return chart;
}

std::string not_run_text(const Row &row) {
    return row.status == RunStatus::Failed ? "failed: " + row.error : row.error;
}

// A part of a bar that keeps its colour and legend text in every chart of a kind.
struct Bucket {
    std::string key;  // data-segment, data-phase
    std::string label;
    std::string color;
};

// The colours of the thread states, the same in every figure.
constexpr const char *kUserColor = "#4e79a7";
constexpr const char *kCopyColor = "#f28e2b";
constexpr const char *kKernelColor = "#e15759";
constexpr const char *kRunqColor = "#edc948";

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

// The buckets of one variant's budget chart: the fixed ones plus its top blocked reasons.
std::vector<Bucket> budget_buckets(const std::vector<const Row *> &rows,
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
    std::vector<Bucket> buckets = {{"user", "user CPU", kUserColor},
                                   {"copy", "kernel copy (phase 2)", kCopyColor},
                                   {"kernel_other", "kernel other", kKernelColor}};
    for (const std::string &reason : reasons_shown) {
        buckets.push_back({"blocked:" + reason, "blocked in " + reason, blocked_color(reason)});
    }
    if (sorted.size() > reasons_shown.size()) {
        buckets.push_back({"blocked:other", "blocked elsewhere", "#79706e"});
    }
    buckets.push_back({"runq", "run queue", kRunqColor});
    return buckets;
}

std::uint64_t bucket_ns(const Row &row, const Bucket &bucket,
                        const std::vector<std::string> &reasons_shown) {
    const Budget &b = row.budget;
    if (bucket.key == "user") {
        return b.user_ns;
    }
    if (bucket.key == "copy") {
        return b.kernel_copy_ns;
    }
    if (bucket.key == "kernel_other") {
        return b.kernel_other_ns;
    }
    if (bucket.key == "runq") {
        return b.runq_ns;
    }
    if (bucket.key == "blocked:other") {
        std::uint64_t rest = 0;
        for (const auto &[reason, ns] : b.blocked_by) {
            if (std::find(reasons_shown.begin(), reasons_shown.end(), reason) ==
                reasons_shown.end()) {
                rest += ns;
            }
        }
        return rest;
    }
    const std::string reason = bucket.key.substr(std::string_view("blocked:").size());
    const auto found = b.blocked_by.find(reason);
    return found == b.blocked_by.end() ? 0 : found->second;
}

std::vector<svg::LegendEntry> legend_of(const std::vector<Bucket> &buckets) {
    std::vector<svg::LegendEntry> legend;
    for (const Bucket &bucket : buckets) {
        legend.push_back({bucket.label, bucket.color});
    }
    return legend;
}

// Per model a stacked bar: where the server threads' summed wall time went.
void append_budget_chart(std::string &out, const std::vector<const Row *> &rows,
                         std::string_view scenario, std::string_view variant) {
    std::vector<std::string> reasons_shown;
    const std::vector<Bucket> buckets = budget_buckets(rows, reasons_shown);
    svg::Chart chart = chart_of("budget-chart", "budget", scenario, variant, kBarRows,
                                "the server threads' summed wall time (at right)");
    chart.legend = legend_of(buckets);
    for (const Row *row : rows) {
        svg::Bar &bar = chart.bars.emplace_back();
        bar.label = row->model;
        bar.group = {{"class", "budget-bar"},
                     {"data-model", row->model},
                     {"data-status", std::string(status_name(row->status))},
                     {"data-wall-ns", std::to_string(row->budget.wall_ns)}};
        const double wall = static_cast<double>(row->budget.wall_ns);
        if (row->status != RunStatus::Ok || wall <= 0) {
            bar.missing = row->status == RunStatus::Ok ? "no time traced" : not_run_text(*row);
            continue;
        }
        for (const Bucket &bucket : buckets) {
            const std::uint64_t ns = bucket_ns(*row, bucket, reasons_shown);
            const double share = static_cast<double>(ns) / wall;
            bar.segments.push_back(
                {.css_class = "seg",
                 .share = share,
                 .color = bucket.color,
                 .data = {{"data-model", row->model},
                          {"data-segment", bucket.key},
                          {"data-ns", std::to_string(ns)},
                          {"data-share", fmt::format("{:.6f}", share)}},
                 .title = fmt::format("{}: {} — {} ({} of wall)", row->model, bucket.label,
                                      human_duration(static_cast<double>(ns)),
                                      percent(static_cast<double>(ns), wall))});
        }
        // The buckets should add up to the wall time; when the tracer's do not, say by how
        // much instead of rescaling the bar and hiding it.
        const double accounted = static_cast<double>(row->budget.accounted_ns()) / wall;
        const std::string mismatch =
            std::abs(accounted - 1.0) > kBudgetTolerance
                ? fmt::format(", buckets {:.1f}% of wall", 100.0 * accounted)
                : "";
        bar.notes.push_back(
            {fmt::format("{} thr, {} wall{}", row->threads, human_duration(wall), mismatch),
             {{"data-accounted", fmt::format("{:.4f}", accounted)}}});
    }
    svg::append_chart(out, chart);
}

struct Phase {
    Bucket bucket;
    double PerMessage::*field;
};

const std::vector<Phase> &phases() {
    static const std::vector<Phase> list = {
        {{"wait", "phase 1: waiting for data (asleep)", "#59a14f"}, &PerMessage::wait_ns},
        {{"runq", "run queue", kRunqColor}, &PerMessage::runq_ns},
        {{"kernel", "kernel, not copying (polls, EAGAIN, bookkeeping)", kKernelColor},
         &PerMessage::kernel_ns},
        {{"copy", "phase 2: copying the data", kCopyColor}, &PerMessage::copy_ns},
        {{"user", "user CPU (the server's own code)", kUserColor}, &PerMessage::user_ns},
    };
    return list;
}

// The fallback when the timeline had no complete request: the textbook figure of one
// request, built from means per message.
void append_mean_request_figure(std::string &out, const std::vector<const Row *> &rows,
                                std::string_view scenario, std::string_view variant) {
    svg::Chart chart = chart_of("request-figure", "request-mean", scenario, variant, kBarRows,
                                "the mean time per message (total at right)");
    for (const Phase &phase : phases()) {
        chart.legend.push_back({phase.bucket.label, phase.bucket.color});
    }
    for (const Row *row : rows) {
        const PerMessage &pm = row->per_message;
        const double total = pm.wait_ns + pm.runq_ns + pm.kernel_ns + pm.copy_ns + pm.user_ns;
        svg::Bar &bar = chart.bars.emplace_back();
        bar.label = row->model;
        bar.group = {{"class", "request"},
                     {"data-model", row->model},
                     {"data-total-ns", fmt::format("{:.1f}", total)}};
        if (row->status != RunStatus::Ok || total <= 0) {
            bar.missing = row->status == RunStatus::Ok ? "no messages" : not_run_text(*row);
            continue;
        }
        for (const Phase &phase : phases()) {
            const double ns = pm.*phase.field;
            bar.segments.push_back(
                {.css_class = "phase",
                 .share = ns / total,
                 .color = phase.bucket.color,
                 .data = {{"data-model", row->model},
                          {"data-phase", phase.bucket.key},
                          {"data-ns", fmt::format("{:.1f}", ns)}},
                 .title = fmt::format("{}: {} — {} per message (mean)", row->model,
                                      phase.bucket.label, human_duration(ns))});
        }
        bar.notes.push_back({fmt::format("{} per message", human_duration(total)), {}});
    }
    svg::append_chart(out, chart);
}

// A phase mark sits this far above its bar and is this high; a copy of a few hundred ns still
// shows as a mark of the minimum width.
constexpr int kMarkAbove = 6;
constexpr int kMarkHeight = 3;
constexpr double kMinMarkWidth = 3;

std::string state_color(ThreadState state, const std::string &syscall) {
    switch (state) {
        case ThreadState::User:
            return kUserColor;
        case ThreadState::Copy:
            return kCopyColor;
        case ThreadState::Irq:
            return "#b07aa1";
        case ThreadState::Runq:
            return kRunqColor;
        case ThreadState::Blocked:
            return blocked_color(syscall);
        case ThreadState::Kernel:
        case ThreadState::Exited:
            break;
    }
    return kKernelColor;
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

std::vector<svg::LegendEntry> request_legend(const std::vector<const RunRecord *> &runs) {
    std::vector<std::string> sleeps;
    for (const RunRecord *run : runs) {
        for (const RequestSegment &segment : run->request->segments) {
            if (segment.state == ThreadState::Blocked &&
                std::find(sleeps.begin(), sleeps.end(), segment.syscall) == sleeps.end()) {
                sleeps.push_back(segment.syscall);
            }
        }
    }
    std::vector<svg::LegendEntry> legend = {{"user CPU", kUserColor},
                                            {"kernel, not copying", kKernelColor},
                                            {"copying the data", kCopyColor},
                                            {"run queue", kRunqColor}};
    for (const std::string &call : sleeps) {
        legend.push_back({"asleep in " + call, blocked_color(call)});
    }
    return legend;
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

// Where a measured request's marks go: its bar's top, its share of the bar per ns, its model.
struct RequestBar {
    int top;
    double share_per_ns;
    const std::string &model;
};

// The mark of `span` over the bar, with its label when `labelled`.
void add_phase_mark(svg::Bar &bar, const RequestBar &at, const PhaseMark &mark,
                    const RequestSpan &span, bool labelled) {
    const double x = svg::bar_x(static_cast<double>(span.t_ns) * at.share_per_ns);
    const double width = std::max(
        static_cast<double>(span.dur_ns) * at.share_per_ns * svg::kBarWidth, kMinMarkWidth);
    const std::string duration = human_duration(static_cast<double>(span.dur_ns));
    bar.marks.push_back(Element("rect")
                            .set("class", "phase-mark")
                            .set_fixed("x", x, 2)
                            .set("y", at.top - kMarkAbove)
                            .set_fixed("width", width, 2)
                            .set("height", kMarkHeight)
                            .set("fill", mark.color)
                            .set("data-model", at.model)
                            .set("data-phase", mark.key)
                            .set("data-t-ns", span.t_ns)
                            .set("data-ns", span.dur_ns)
                            .title(fmt::format("{} — {}", mark.label, duration)));
    if (!labelled) {
        return;
    }
    // Phase 1 starts the bar; phase 2 is usually a sliver at the right, so its label reads
    // leftwards from its end.
    const bool from_right = &mark == &kPhase2Mark && x + width > svg::bar_x(0.6);
    bar.marks.push_back(Element("text")
                            .set("class", "small")
                            .set_fixed("x", from_right ? x + width : x, 2)
                            .set("y", at.top - kMarkAbove - 3)
                            .set("text-anchor", from_right ? "end" : "start")
                            .set("fill", mark.color)
                            .text(fmt::format("{}: {}", mark.label, duration)));
}

// The moment the data became ready: a line across the mark row and the bar.
void add_data_ready_mark(svg::Bar &bar, const RequestBar &at, const RequestTimeline &request) {
    const double x = svg::bar_x(static_cast<double>(*request.data_ready_ns) * at.share_per_ns);
    bar.marks.push_back(
        Element("line")
            .set("class", "data-ready")
            .set_fixed("x1", x, 2)
            .set_fixed("x2", x, 2)
            .set("y1", at.top - kMarkAbove - 2)
            .set("y2", at.top + svg::kBarHeight + 2)
            .set("stroke", "#000")
            .set("stroke-width", "1.5")
            .set("data-model", at.model)
            .set("data-t-ns", *request.data_ready_ns)
            .title(fmt::format("data ready for {} at +{}; on a CPU {} later", request.ready_call,
                               human_duration(static_cast<double>(*request.data_ready_ns)),
                               human_duration(static_cast<double>(request.wakeup.dur_ns)))));
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

// The calls the request went through: "poll → recvfrom", "3 × recvfrom finding nothing ...".
std::string request_calls(const RequestTimeline &request) {
    std::string calls = request.input_call;
    if (request.eagain_calls > 0) {
        calls = fmt::format("{} × {} finding nothing (EAGAIN), then {}", request.eagain_calls,
                            request.input_call, request.input_call);
    }
    if (!request.wait_call.empty()) {
        calls = request.wait_call + " → " + calls;
    }
    return calls;
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
    svg::Chart chart = chart_of("request-figure", "request", scenario, variant, kRequestRows,
                                "the request's own duration (at right)");
    chart.legend = request_legend(measured);
    for (const RunRecord *run : runs) {
        const Row &row = run->row;
        svg::Bar &bar = chart.bars.emplace_back();
        bar.label = row.model;
        if (!run->request) {
            bar.missing = row.status == RunStatus::Ok
                              ? "no complete request in the timeline: see the mean per "
                                "message below"
                              : not_run_text(row);
            continue;
        }
        const RequestTimeline &request = *run->request;
        const std::uint64_t total = request.duration_ns();
        bar.group = {
            {"class", "request-timeline"},
            {"data-model", row.model},
            {"data-pid", std::to_string(request.pid)},
            {"data-tid", std::to_string(request.tid)},
            {"data-duration-ns", std::to_string(total)},
            {"data-phase1-ns", std::to_string(request.phase1.dur_ns)},
            {"data-phase2-ns", std::to_string(request.phase2.dur_ns)},
            {"data-wait-call", request.wait_call},
            {"data-input-call", request.input_call},
            {"data-eagain-calls", std::to_string(request.eagain_calls)},
            {"data-ready-ns",
             request.data_ready_ns ? std::to_string(*request.data_ready_ns) : std::string()}};
        // Each bar is scaled to its own request's duration.
        const RequestBar at{svg::bar_top(kRequestRows, chart.bars.size() - 1),
                            total > 0 ? 1.0 / static_cast<double>(total) : 0.0, row.model};
        for (const RequestSegment &segment : request.segments) {
            bar.segments.push_back(
                {.css_class = "req-seg",
                 .share = static_cast<double>(segment.dur_ns) * at.share_per_ns,
                 .from = static_cast<double>(segment.t_ns) * at.share_per_ns,
                 .color = state_color(segment.state, segment.syscall),
                 .data = {{"data-model", row.model},
                          {"data-state", std::string(thread_state_name(segment.state))},
                          {"data-syscall", segment.syscall},
                          {"data-t-ns", std::to_string(segment.t_ns)},
                          {"data-ns", std::to_string(segment.dur_ns)}},
                 .title = fmt::format("{}: {} at +{}", segment_label(segment),
                                      human_duration(static_cast<double>(segment.dur_ns)),
                                      human_duration(static_cast<double>(segment.t_ns)))});
        }
        if (request.data_ready_ns) {
            add_phase_mark(bar, at, kWaitForDataMark, request.wait_for_data, true);
            add_phase_mark(bar, at, kWakeupMark, request.wakeup, false);
            add_data_ready_mark(bar, at, request);
        } else if (request.phase1.dur_ns > 0) {
            add_phase_mark(bar, at, kPhase1Mark, request.phase1, true);
        }
        add_phase_mark(bar, at, kPhase2Mark, request.phase2, true);
        bar.caption = fmt::format("one measured request (thread {}): {}; the median of its last {}",
                                  request.tid, request_calls(request), request.candidates);
        bar.notes = {
            {fmt::format("{} in all", human_duration(static_cast<double>(total))), {}},
            {"phase 1: " + phase1_text(request), {}},
            {"phase 2: " + human_duration(static_cast<double>(request.phase2.dur_ns)), {}}};
    }
    svg::append_chart(out, chart);
}

// A cell of the HTML table: left-aligned where its column is (the stylesheet aligns the rest
// right), marked when its value is wrong.
Element table_cell(std::string_view tag, const Column &column, bool flagged = false) {
    Element cell(tag);
    std::string css = column.left ? "left" : "";
    if (flagged) {
        css += css.empty() ? "mismatch" : " mismatch";
    }
    if (!css.empty()) {
        cell.set("class", css);
    }
    return cell;
}

void append_rows_table(std::string &out, const std::vector<const Row *> &rows) {
    const std::vector<Column> &columns = table_columns();
    Element head("tr");
    for (const Column &column : columns) {
        Element heading = table_cell("th", column);
        if (!column.title.empty()) {
            heading.set("title", column.title);
        }
        head.add(heading.text(column.heading));
    }
    out += "<div class=\"table-wrap\"><table class=\"rows\"><thead>" + head.str() +
           "</thead><tbody>\n";
    for (const Row *row : rows) {
        const bool ran = row->status == RunStatus::Ok;
        Element line("tr");
        if (!ran) {
            line.set("class", row->status == RunStatus::Failed ? "failed" : "na");
        }
        line.set("data-model", row->model).set("data-variant", row->variant);
        if (ran) {
            line.set("data-msgs-per-s", fmt::format("{}", row->load.msgs_per_s));
        }
        // A row that did not run: its name, then why in place of its numbers.
        const std::size_t shown = ran ? columns.size() : kIdentityColumns;
        for (std::size_t i = 0; i < shown; ++i) {
            const Cell cell = columns[i].cell(*row, Table::Html);
            line.add(table_cell("td", columns[i], cell.flagged)
                         .text(cell.text + std::string(columns[i].unit)));
        }
        if (!ran) {
            line.add(Element("td")
                         .set("colspan", columns.size() - kIdentityColumns)
                         .set("class", "left")
                         .text(not_run_text(*row)));
        }
        out += line.str() + "\n";
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
        "<section class=\"scenario\" id=\"scenario-{name}\" data-scenario=\"{name}\">"
        "<h2>{name}</h2><p class=\"meta\">{purpose}</p>\n",
        fmt::arg("name", escape(name)), fmt::arg("purpose", escape(scenario_purpose(scenario))));
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

// One chart of the idle-fanin sweep: a metric of the sweep's runs against their idle count.
struct SweepChart {
    const char *id;      // the element holding it, and its data-chart
    const char *metric;  // the Row field, as the JSON names it: its points' data-metric
    const char *y_title;
    const char *unit;  // in the points' tooltips
    bool log_scale;
    std::optional<double> (*value)(const Row &);
};

constexpr std::array<SweepChart, 3> kSweepCharts = {{
    {"fanin-fds", "fds_scanned_per_ready", "fds scanned per ready fd (log)", "fds per ready fd",
     true, [](const Row &row) { return row.fds_scanned_per_ready; }},
    {"fanin-cpu", "mux_cpu_ns_per_call", "kernel ns per multiplexer call (log)",
     "ns on-CPU in the kernel per multiplexer call", true,
     [](const Row &row) { return row.mux_cpu_ns_per_call; }},
    {"fanin-rate", "msgs_per_s", "messages per second", "msgs/s", false,
     [](const Row &row) { return std::optional<double>(row.load.msgs_per_s); }},
}};

// The models' line colours, by their place in the plan.
constexpr std::array<const char *, 10> kSeriesColors = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2",
                                                        "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
                                                        "#9c755f", "#555555"};

// The sweep's completed runs and their idle counts, in increasing order: the same for every
// chart of the sweep.
struct SweepRuns {
    std::vector<const Row *> rows;
    std::vector<int> idles;
};

SweepRuns sweep_runs(const CompareResult &result) {
    SweepRuns sweep;
    for (const RunRecord &run : result.runs) {
        if (run.row.scenario == Scenario::IdleFanin && run.row.status == RunStatus::Ok) {
            sweep.rows.push_back(&run.row);
            sweep.idles.push_back(run.row.load_settings.idle);
        }
    }
    std::sort(sweep.idles.begin(), sweep.idles.end());
    sweep.idles.erase(std::unique(sweep.idles.begin(), sweep.idles.end()), sweep.idles.end());
    return sweep;
}

svg::LineChart sweep_chart(const CompareResult &result, const SweepRuns &sweep,
                           const SweepChart &spec) {
    const std::vector<const Row *> &rows = sweep.rows;
    const std::vector<int> &idles = sweep.idles;
    svg::LineChart chart{
        .x_title = "idle connections", .y_title = spec.y_title, .log_scale = spec.log_scale};
    chart.svg = {{"class", "line-chart"}, {"data-chart", spec.id}, {"data-metric", spec.metric}};
    for (int idle : idles) {
        chart.categories.push_back(std::to_string(idle));
    }
    const std::vector<std::string> &models = result.plan.models;
    for (std::size_t k = 0; k < models.size(); ++k) {
        svg::Series series{.name = models[k],
                           .color = kSeriesColors[k % kSeriesColors.size()],
                           .group = {{"class", "series"}, {"data-model", models[k]}}};
        for (std::size_t i = 0; i < idles.size(); ++i) {
            const auto row = std::find_if(rows.begin(), rows.end(), [&](const Row *r) {
                return r->model == models[k] && r->load_settings.idle == idles[i];
            });
            const std::optional<double> value =
                row == rows.end() ? std::nullopt : spec.value(**row);
            if (!value) {
                continue;
            }
            const std::string idle = std::to_string(idles[i]);
            series.points.push_back({.category = i,
                                     .value = *value,
                                     .data = {{"data-model", models[k]},
                                              {"data-idle", idle},
                                              {"data-metric", spec.metric}},
                                     .title = fmt::format("{}, {} idle: {} {}", models[k], idle,
                                                          svg::axis_number(*value), spec.unit)});
        }
        chart.series.push_back(std::move(series));
    }
    return chart;
}

void append_fanin_section(std::string &out, const CompareResult &result) {
    out +=
        "<section id=\"fanin\"><h2>idle-fanin sweep</h2><p class=\"meta\">10 active clients "
        "plus N idle connections. select and poll hand the kernel every fd on every call, so "
        "the fds scanned per ready fd (and the kernel time per call) grow with the idle "
        "connections. epoll_wait walks only its ready list, so its fds scanned are the fds "
        "it returned (one per ready fd by construction); the measured check is the second "
        "chart, the kernel's on-CPU time per multiplexer call. Models "
        "without a multiplexer are left out of the first two charts.</p>\n"
        "<div class=\"charts\">";
    const SweepRuns sweep = sweep_runs(result);
    for (const SweepChart &spec : kSweepCharts) {
        out += Element("div").set("id", spec.id).start_tag();
        svg::append_line_chart(out, sweep_chart(result, sweep, spec),
                               "No idle-fanin data in this run.");
        out += "</div>";
    }
    out += "</div></section>\n";
}

}  // namespace

std::string render_html(const CompareResult &result) {
    std::string header = fmt::format(
        "<p class=\"meta\">Started {started} · kernel {kernel} · {cpus} CPUs · iophase {version} · "
        "{runs} of {planned} runs{interrupted}</p>\n"
        "<p class=\"meta\">Command: <code>{command}</code></p>\n",
        fmt::arg("started", escape(result.started_at)), fmt::arg("kernel", escape(result.kernel)),
        fmt::arg("cpus", result.cpus), fmt::arg("version", escape(result.iophase_version)),
        fmt::arg("runs", result.runs.size()), fmt::arg("planned", result.planned_runs),
        fmt::arg("interrupted", result.interrupted ? " (interrupted)" : ""),
        fmt::arg("command", escape(result.command)));
    header += "<nav>";
    for (Scenario scenario : result.plan.scenarios) {
        const std::string name(scenario_name(scenario));
        Element("a").set("href", "#scenario-" + name).text(name).append_to(header);
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
        append_fanin_section(fanin, result);
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
