// The HTML report of synthetic data, rendered by headless Chromium: the script-drawn charts
// exist in the DOM and carry the numbers of the data they were drawn from.
#include <gtest/gtest.h>

#include <cmath>

#include "compare/html_report.h"
#include "synthetic.h"
#include "test_support.h"

namespace iophase::compare {
namespace {

namespace t = testing;

std::string browser_or_skip_reason() {
    return t::chromium_path() ? "" : "chromium is not installed (apt-get install -y chromium)";
}

TEST(CompareHtmlInBrowser, ScriptDrawsTheSweepWithTheNumbersOfTheData) {
    if (const std::string why = browser_or_skip_reason(); !why.empty()) {
        if (t::in_ci()) {
            FAIL() << why;
        }
        GTEST_SKIP() << why;
    }
    const CompareResult result = t::synthetic_comparison();
    t::TempDir dir;
    const std::string page = dir.path() + "/compare.html";
    t::write_file(page, render_html(result));
    const std::string dom = t::chromium_dump_dom(page);

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

}  // namespace
}  // namespace iophase::compare
