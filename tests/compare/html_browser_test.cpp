// The HTML report of synthetic data, rendered by headless Chromium: the script-drawn charts
// exist in the DOM and carry the numbers of the data they were drawn from.
#include <gtest/gtest.h>

#include <cmath>

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

// The report of `result` as headless Chromium renders it (after its scripts ran).
std::string rendered_dom(const CompareResult &result) {
    t::TempDir dir;
    const std::string page = dir.path() + "/compare.html";
    t::write_file(page, render_html(result));
    return t::chromium_dump_dom(page);
}

TEST(CompareHtmlInBrowser, ScriptDrawsTheSweepWithTheNumbersOfTheData) {
    if (const std::string why = browser_or_skip_reason(); !why.empty()) {
        if (t::in_ci()) {
            FAIL() << why;
        }
        GTEST_SKIP() << why;
    }
    const CompareResult result = t::synthetic_comparison();
    const std::string dom = rendered_dom(result);

    ASSERT_EQ(t::elements(dom, "body", {{"data-charts-drawn", "yes"}}).size(), 1u)
        << "the report's script did not finish";
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

// The measured request figure, as the browser sees it, carries the numbers of the JSON the
// page embeds: each segment's offset and duration, and the two phases.
TEST(CompareHtmlInBrowser, MeasuredRequestCarriesTheNumbersOfTheJson) {
    if (const std::string why = browser_or_skip_reason(); !why.empty()) {
        if (t::in_ci()) {
            FAIL() << why;
        }
        GTEST_SKIP() << why;
    }
    const CompareResult result = t::synthetic_comparison();
    const std::string dom = rendered_dom(result);
    const nlohmann::json doc = compare_to_json(result, false);
    const auto groups = t::elements(dom, "g", {{"class", "request-timeline"}});
    const auto segments = t::elements(dom, "rect", {{"class", "req-seg"}});
    const auto marks = t::elements(dom, "rect", {{"class", "phase-mark"}});

    std::size_t drawn = 0;
    for (const nlohmann::json &run : doc.at("runs")) {
        const nlohmann::json &request = run.at("request_timeline");
        if (request.is_null()) {
            continue;
        }
        const std::string model = run.at("row").at("model");
        const auto group = t::having(groups, {{"data-model", model}});
        ASSERT_EQ(group.size(), 1u) << model;
        EXPECT_EQ(group[0].at("data-tid"), request.at("tid").dump());
        EXPECT_EQ(group[0].at("data-duration-ns"), request.at("duration_ns").dump());
        const auto drawn_segments = t::having(segments, {{"data-model", model}});
        ASSERT_EQ(drawn_segments.size(), request.at("segments").size()) << model;
        for (std::size_t i = 0; i < drawn_segments.size(); ++i) {
            const nlohmann::json &segment = request.at("segments").at(i);
            EXPECT_EQ(drawn_segments[i].at("data-t-ns"), segment.at("t_ns").dump());
            EXPECT_EQ(drawn_segments[i].at("data-ns"), segment.at("dur_ns").dump());
            EXPECT_EQ(drawn_segments[i].at("data-state"), segment.at("state"));
        }
        for (const char *phase : {"1", "2"}) {
            const nlohmann::json &span = request.at(std::string("phase") + phase);
            const auto mark = t::having(marks, {{"data-model", model}, {"data-phase", phase}});
            ASSERT_EQ(mark.size(), 1u) << model << " phase " << phase;
            EXPECT_EQ(mark[0].at("data-ns"), span.at("dur_ns").dump());
            EXPECT_EQ(mark[0].at("data-t-ns"), span.at("t_ns").dump());
        }
        ++drawn;
    }
    EXPECT_EQ(drawn, 2u);  // the echo runs of poll and epoll-lt
    // The sweep's runs had none: their fallback figure is there and says so.
    EXPECT_FALSE(t::elements(dom, "svg", {{"data-chart", "request-mean"}}).empty());
    EXPECT_NE(dom.find("No complete request was found"), std::string::npos);
}

}  // namespace
}  // namespace iophase::compare
