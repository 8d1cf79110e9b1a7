// The HTML report of synthetic data, rendered by headless Chromium: the charts exist in the
// DOM, carry the numbers of the data they were drawn from, and are drawn to their scales.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <tuple>

#include "compare/compare_json.h"
#include "compare/html_report.h"
#include "synthetic.h"
#include "test_support.h"

namespace iophase::compare {
namespace {

namespace t = testing;

std::string browser_or_skip_reason() {
    return t::chromium_path() ? "" : "chromium is not installed (apt-get install -y chromium)";
}

// Without chromium the test skips, saying why; with CI=true it fails instead.
#define IOPHASE_REQUIRE_BROWSER()                                               \
    do {                                                                        \
        if (const std::string why_ = browser_or_skip_reason(); !why_.empty()) { \
            if (t::in_ci()) {                                                   \
                FAIL() << why_;                                                 \
            }                                                                   \
            GTEST_SKIP() << why_;                                               \
        }                                                                       \
    } while (false)

// The report of `result` as headless Chromium renders it (after its scripts ran).
std::string rendered_dom(const CompareResult &result) {
    t::TempDir dir;
    const std::string page = dir.path() + "/compare.html";
    t::write_file(page, render_html(result));
    return t::chromium_dump_dom(page);
}

TEST(CompareHtmlInBrowser, SweepPointsCarryTheNumbersOfTheData) {
    IOPHASE_REQUIRE_BROWSER();
    const CompareResult result = t::synthetic_comparison();
    const std::string dom = rendered_dom(result);

    std::size_t checked = 0;
    for (const RunRecord &run : result.runs) {
        const Row &row = run.row;
        if (row.scenario != Scenario::IdleFanin || row.status != RunStatus::Ok) {
            continue;
        }
        const std::vector<std::pair<std::string, double>> metrics = {
            {"fds_scanned_per_ready", *row.fds_scanned_per_ready},
            {"mux_cpu_ns_per_call", *row.mux_cpu_ns_per_call},
            {"msgs_per_s", row.load.msgs_per_s}};
        for (const auto &[metric, value] : metrics) {
            const auto points = t::elements(dom, "circle",
                                            {{"data-model", row.model},
                                             {"data-idle", std::to_string(row.load_settings.idle)},
                                             {"data-metric", metric}});
            ASSERT_EQ(points.size(), 1u) << row.model << " " << row.variant << " " << metric;
            EXPECT_NEAR(std::stod(points[0].at("data-value")), value, std::abs(value) * 1e-9);
            ++checked;
        }
    }
    EXPECT_EQ(checked, 12u);  // poll and epoll-lt, 2 idle counts, 3 charts
    EXPECT_EQ(t::elements(dom, "polyline").size(), 6u);
    // The static charts survive rendering too.
    EXPECT_FALSE(t::elements(dom, "rect", {{"class", "seg"}, {"data-model", "epoll-lt"}}).empty());
    EXPECT_FALSE(t::elements(dom, "svg", {{"data-chart", "request"}}).empty());
}

// Writes where each drawn rect, line and circle ended up on the screen (getBoundingClientRect,
// CSS px) into data-box-x, -w, -y and -h, and its chart (kind:scenario:variant) into
// data-in-chart, for the DOM dump.
constexpr const char *kMeasureScript = R"JS(<script>
document.querySelectorAll('rect, line, circle').forEach(function (e) {
  var box = e.getBoundingClientRect();
  e.setAttribute('data-box-x', box.left.toFixed(3));
  e.setAttribute('data-box-w', box.width.toFixed(3));
  e.setAttribute('data-box-y', box.top.toFixed(3));
  e.setAttribute('data-box-h', box.height.toFixed(3));
  var svg = e.closest('svg');
  e.setAttribute('data-in-chart', [svg.getAttribute('data-chart'), svg.getAttribute('data-scenario'),
                                   svg.getAttribute('data-variant')].join(':'));
});
</script>)JS";

std::string rendered_dom_with_boxes(const CompareResult &result) {
    std::string page = render_html(result);
    const std::size_t end = page.rfind("</body>");
    page.insert(end, kMeasureScript);
    t::TempDir dir;
    const std::string path = dir.path() + "/compare.html";
    t::write_file(path, page);
    return t::chromium_dump_dom(path);
}

// The synthetic comparison's page as drawn, and its JSON.
std::pair<std::string, nlohmann::json> drawn_synthetic_comparison() {
    const CompareResult result = t::synthetic_comparison();
    return {rendered_dom_with_boxes(result), compare_to_json(result, false)};
}

double box(const t::Attributes &element, const char *what) {
    return std::stod(element.at(std::string("data-box-") + what));
}

// The measured request figure as drawn: each segment's on-screen offset and width, the phase
// marks and the data-ready line are where the JSON's numbers put them on the bar (one pixel
// of tolerance: the page rounds to hundredths of a px, the browser to its own grid).
TEST(CompareHtmlInBrowser, MeasuredRequestIsDrawnToTheScaleOfTheJson) {
    IOPHASE_REQUIRE_BROWSER();
    const auto [dom, doc] = drawn_synthetic_comparison();
    const auto segments = t::elements(dom, "rect", {{"class", "req-seg"}});
    const auto marks = t::elements(dom, "rect", {{"class", "phase-mark"}});
    const auto lines = t::elements(dom, "line", {{"class", "data-ready"}});
    constexpr double kPx = 1.0;

    std::size_t drawn = 0;
    for (const nlohmann::json &run : doc.at("runs")) {
        const nlohmann::json &request = run.at("request_timeline");
        if (request.is_null()) {
            continue;
        }
        const std::string model = run.at("row").at("model");
        const auto bar = t::having(segments, {{"data-model", model}});
        ASSERT_EQ(bar.size(), request.at("segments").size()) << model;
        // The bar's extent on screen, from its first and last segments.
        const double left = box(bar.front(), "x");
        const double width = box(bar.back(), "x") + box(bar.back(), "w") - left;
        ASSERT_GT(width, 100.0) << model;
        const double total = request.at("duration_ns").get<double>();
        const auto x_of = [&](const nlohmann::json &ns) {
            return left + ns.get<double>() / total * width;
        };
        for (std::size_t i = 0; i < bar.size(); ++i) {
            const nlohmann::json &segment = request.at("segments").at(i);
            EXPECT_NEAR(box(bar[i], "x"), x_of(segment.at("t_ns")), kPx) << model << " " << i;
            EXPECT_NEAR(box(bar[i], "w"), segment.at("dur_ns").get<double>() / total * width, kPx)
                << model << " segment " << i;
        }
        ASSERT_FALSE(request.at("data_ready_ns").is_null()) << model;
        for (const auto &[phase, key] : std::vector<std::pair<std::string, std::string>>{
                 {"wait-for-data", "wait_for_data"}, {"wakeup", "wakeup"}, {"2", "phase2"}}) {
            const nlohmann::json &span = request.at(key);
            const auto mark = t::having(marks, {{"data-model", model}, {"data-phase", phase}});
            ASSERT_EQ(mark.size(), 1u) << model << " phase " << phase;
            EXPECT_NEAR(box(mark[0], "x"), x_of(span.at("t_ns")), kPx) << model << " " << phase;
            // A mark is at least 3 px wide, so that a short copy still shows.
            EXPECT_NEAR(box(mark[0], "w"),
                        std::max(3.0, span.at("dur_ns").get<double>() / total * width), kPx)
                << model << " " << phase;
        }
        const auto line = t::having(lines, {{"data-model", model}});
        ASSERT_EQ(line.size(), 1u) << model;
        // The line's box is centred on it (its stroke is 1.5 px wide).
        EXPECT_NEAR(box(line[0], "x") + box(line[0], "w") / 2, x_of(request.at("data_ready_ns")),
                    kPx)
            << model;
        ++drawn;
    }
    EXPECT_EQ(drawn, 2u);  // the echo runs of poll and epoll-lt
    // The sweep's runs had none: their fallback figure is there and says so.
    EXPECT_FALSE(t::elements(dom, "svg", {{"data-chart", "request-mean"}}).empty());
    EXPECT_NE(dom.find("No complete request was found"), std::string::npos);
}

// The time budget bars as drawn: every segment's on-screen width is its share of the wall
// time the JSON gives, on one scale for every model of a variant.
TEST(CompareHtmlInBrowser, BudgetBarsAreDrawnToTheScaleOfTheJson) {
    IOPHASE_REQUIRE_BROWSER();
    const auto [dom, doc] = drawn_synthetic_comparison();
    const auto segments =
        t::elements(dom, "rect", {{"class", "seg"}, {"data-in-chart", "budget:echo:"}});
    std::size_t checked = 0;
    for (const nlohmann::json &run : doc.at("runs")) {
        const nlohmann::json &row = run.at("row");
        if (row.at("status") != "ok" || row.at("scenario") != "echo") {
            continue;  // the echo scenario has one budget chart: one bar per model
        }
        const std::string model = row.at("model");
        const auto bar = t::having(segments, {{"data-model", model}});
        ASSERT_FALSE(bar.empty()) << model;
        double drawn_width = 0;
        for (const auto &segment : bar) {
            drawn_width += box(segment, "w");
        }
        const nlohmann::json &budget = row.at("budget");
        const double wall = budget.at("wall_ns").get<double>();
        const double accounted =
            budget.at("user_ns").get<double>() + budget.at("kernel_copy_ns").get<double>() +
            budget.at("kernel_other_ns").get<double>() + budget.at("blocked_ns").get<double>() +
            budget.at("runq_ns").get<double>();
        // The whole bar is 600 px for the wall time (it is drawn to scale, not rescaled).
        EXPECT_NEAR(drawn_width, 600.0 * accounted / wall, 1.0) << model;
        const auto user = t::having(bar, {{"data-segment", "user"}});
        ASSERT_EQ(user.size(), 1u) << model;
        EXPECT_NEAR(box(user[0], "w"), 600.0 * budget.at("user_ns").get<double>() / wall, 0.5)
            << model;
        const auto copy = t::having(bar, {{"data-segment", "copy"}});
        ASSERT_EQ(copy.size(), 1u) << model;
        EXPECT_NEAR(box(copy[0], "x"), box(user[0], "x") + box(user[0], "w"), 0.5) << model;
        EXPECT_NEAR(box(copy[0], "w"), 600.0 * budget.at("kernel_copy_ns").get<double>() / wall,
                    0.5)
            << model;
        ++checked;
    }
    EXPECT_GE(checked, 2u);
}

// The vertical centre of a drawn element on the screen.
double screen_y(const t::Attributes &element) {
    return box(element, "y") + box(element, "h") / 2;
}

// The idle-fanin sweep as drawn: in each chart, every grid line sits where its value belongs
// between the lowest and the highest one (evenly spaced decades on the log charts, even steps on
// the rate chart), every point of the JSON sits at its value on that scale, and more idle
// connections are further right.
TEST(CompareHtmlInBrowser, SweepPointsAreDrawnToTheScaleOfTheirAxis) {
    IOPHASE_REQUIRE_BROWSER();
    const auto [dom, doc] = drawn_synthetic_comparison();
    constexpr double kPx = 1.0;
    std::size_t checked = 0;
    for (const auto &spec : std::vector<std::tuple<std::string, std::string, bool>>{
             {"fanin-fds", "fds_scanned_per_ready", true},
             {"fanin-cpu", "mux_cpu_ns_per_call", true},
             {"fanin-rate", "msgs_per_s", false}}) {
        const auto &[chart, metric, log_scale_] = spec;
        const bool log_scale = log_scale_;
        const std::string in_chart = chart + "::";
        const auto ticks =
            t::elements(dom, "line", {{"class", "grid"}, {"data-in-chart", in_chart}});
        ASSERT_GE(ticks.size(), 2u) << chart;
        const auto scale = [&](double v) { return log_scale ? std::log10(v) : v; };
        const double lo = scale(std::stod(ticks.front().at("data-tick")));
        const double hi = scale(std::stod(ticks.back().at("data-tick")));
        const double y_lo = screen_y(ticks.front());
        const double y_hi = screen_y(ticks.back());
        ASSERT_LT(y_hi, y_lo - 100) << chart << ": the axis is not drawn upwards";
        const auto y_of = [&](double v) {
            return y_lo + (scale(v) - lo) / (hi - lo) * (y_hi - y_lo);
        };
        for (const auto &tick : ticks) {
            EXPECT_NEAR(screen_y(tick), y_of(std::stod(tick.at("data-tick"))), kPx) << chart;
        }
        const auto points = t::elements(dom, "circle", {{"data-metric", metric}});
        for (const nlohmann::json &run : doc.at("runs")) {
            const nlohmann::json &row = run.at("row");
            if (row.at("scenario") != "idle-fanin" || row.at("status") != "ok") {
                continue;
            }
            const std::string model = row.at("model");
            const double value = row.at(metric).get<double>();
            const auto at = [&](int idle) {
                return t::having(points,
                                 {{"data-model", model}, {"data-idle", std::to_string(idle)}});
            };
            const auto point = at(row.at("load_settings").at("idle").get<int>());
            ASSERT_EQ(point.size(), 1u) << chart << " " << model;
            EXPECT_NEAR(screen_y(point[0]), y_of(value), kPx) << chart << " " << model;
            const auto none = at(0);
            const auto many = at(300);
            ASSERT_EQ(none.size() + many.size(), 2u) << chart << " " << model;
            EXPECT_LT(box(none[0], "x") + 100, box(many[0], "x")) << chart << " " << model;
            ++checked;
        }
    }
    EXPECT_EQ(checked, 12u);  // poll and epoll-lt, 2 idle counts, 3 charts
}

}  // namespace
}  // namespace iophase::compare
