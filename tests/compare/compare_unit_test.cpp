// The compare experiment's arithmetic and renderers on synthetic data: no kernel, no root.
#include <gtest/gtest.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "compare/compare_json.h"
#include "compare/html_report.h"
#include "compare/row.h"
#include "compare/scenario.h"
#include "compare/table.h"
#include "synthetic.h"
#include "test_support.h"

namespace iophase::compare {
namespace {

using testing::synthetic_comparison;
using testing::synthetic_report;

TEST(CompareRow, DerivesRatiosFromTheReport) {
    Row row;
    row.load.messages = 1000;
    derive_server_numbers(row, synthetic_report("poll", "poll", 12'000, 4'000), 100);
    EXPECT_EQ(row.label, "poll");
    EXPECT_EQ(row.threads, 1);
    EXPECT_EQ(row.processes, 1);
    EXPECT_EQ(row.accepts, 10u);  // 12 calls, 2 errors
    ASSERT_TRUE(row.syscalls_per_msg);
    EXPECT_DOUBLE_EQ(*row.syscalls_per_msg, (1000 + 2000 + 12) / 1000.0);
    ASSERT_TRUE(row.eagain_per_msg);
    EXPECT_DOUBLE_EQ(*row.eagain_per_msg, 0.4);
    ASSERT_TRUE(row.fds_scanned_per_ready);
    EXPECT_DOUBLE_EQ(*row.fds_scanned_per_ready, 3.0);  // poll scans every fd it is given
    EXPECT_DOUBLE_EQ(*row.fds_watched_per_ready, 3.0);
    EXPECT_DOUBLE_EQ(*row.mux_cpu_ns_per_call, 2000.0);  // 2 ms over 1000 calls
    EXPECT_DOUBLE_EQ(row.cpu_user_pct, 10.0);
    EXPECT_DOUBLE_EQ(row.cpu_copy_pct, 5.0);
    EXPECT_DOUBLE_EQ(row.cpu_kernel_other_pct, 25.0);
    EXPECT_DOUBLE_EQ(row.blocked_share, 0.55);
    EXPECT_DOUBLE_EQ(row.per_message.wait_ns, 550'000.0);
    EXPECT_DOUBLE_EQ(row.per_message.copy_ns, 50'000.0);
}

TEST(CompareRow, EpollScansOnlyItsReadyList) {
    Row row;
    row.load.messages = 1000;
    derive_server_numbers(row, synthetic_report("epoll-lt", "epoll_wait", 310'000, 3'000), 100);
    EXPECT_DOUBLE_EQ(*row.fds_scanned_per_ready, 1.0);
    EXPECT_NEAR(*row.fds_watched_per_ready, 103.33, 0.01);
}

TEST(CompareRow, NoMessagesMeansNoPerMessageRatios) {
    Row row;
    derive_server_numbers(row, synthetic_report("poll", "poll", 10, 0), 100);
    EXPECT_FALSE(row.syscalls_per_msg);
    EXPECT_FALSE(row.eagain_per_msg);
    EXPECT_FALSE(row.fds_scanned_per_ready);
    EXPECT_EQ(row.per_message.wait_ns, 0);
}

TEST(ComparePlan, SelectIsNotApplicablePastFdSetSize) {
    PlanOptions options = default_plan_options({"select", "poll"});
    options.scenarios = {Scenario::IdleFanin};
    options.idle_sweep = {0, 100, 1000, 5000};
    const std::vector<RunSpec> plan = build_plan(options);
    ASSERT_EQ(plan.size(), 8u);
    for (const RunSpec &spec : plan) {
        const bool too_many = spec.model == "select" && spec.load.idle == 5000;
        EXPECT_EQ(!spec.not_applicable.empty(), too_many) << spec.model << " " << spec.variant;
        EXPECT_EQ(spec.load.connections, 10);
    }
}

TEST(ComparePlan, EveryScenarioAppliesTheSameLoadToEveryModel) {
    PlanOptions options = default_plan_options({"blocking", "epoll-et"});
    options.scenarios = all_scenarios();
    options.idle_sweep = {0, 100};
    const std::vector<RunSpec> plan = build_plan(options);
    // echo 1 + idle 2 + bulk 2 + slow 1 variants, 2 models each.
    ASSERT_EQ(plan.size(), 12u);
    for (std::size_t i = 0; i + 1 < plan.size(); i += 2) {
        EXPECT_EQ(plan[i].variant, plan[i + 1].variant);
        EXPECT_EQ(plan[i].load.connections, plan[i + 1].load.connections);
        EXPECT_EQ(plan[i].load.traffic, plan[i + 1].load.traffic);
        EXPECT_EQ(plan[i].model, "blocking");
        EXPECT_EQ(plan[i + 1].model, "epoll-et");
    }
    EXPECT_TRUE(parse_scenario("slow-clients"));
    EXPECT_FALSE(parse_scenario("fast-clients"));
}

TEST(CompareTable, ShowsMismatchesAndFailures) {
    const std::string text = render_tables(synthetic_comparison());
    EXPECT_NE(text.find("== echo"), std::string::npos);
    EXPECT_NE(text.find("== idle-fanin"), std::string::npos);
    EXPECT_NE(text.find("mixed MISMATCH (expected epoll-lt)"), std::string::npos) << text;
    EXPECT_NE(text.find("FAILED: demo crashed"), std::string::npos) << text;
    EXPECT_NE(text.find("20,000"), std::string::npos) << text;
}

TEST(CompareJson, IsVersionedAndCarriesRowsLoadAndTrace) {
    const nlohmann::json doc = compare_to_json(synthetic_comparison());
    EXPECT_EQ(doc.at("compare_schema_version"), kCompareSchemaVersion);
    ASSERT_EQ(doc.at("runs").size(), 7u);
    const nlohmann::json &mismatch = doc["runs"][1];
    EXPECT_EQ(mismatch["row"]["label"], "mixed");
    EXPECT_EQ(mismatch["row"]["label_matches"], false);
    EXPECT_TRUE(mismatch.contains("trace"));
    EXPECT_TRUE(mismatch.contains("load"));
    EXPECT_EQ(doc["runs"][2]["row"]["status"], "failed");
    EXPECT_TRUE(doc["runs"][2]["row"]["fds_scanned_per_ready"].is_null());
    EXPECT_FALSE(compare_to_json(synthetic_comparison(), false)["runs"][0].contains("trace"));
    // A measured request for the echo runs, null where none was found.
    EXPECT_EQ(doc["runs"][0]["request_timeline"]["wait_call"], "poll");
    EXPECT_GT(doc["runs"][0]["request_timeline"]["phase1"]["dur_ns"], 0u);
    EXPECT_TRUE(doc["runs"][3]["request_timeline"].is_null());
}

TEST(CompareHtml, IsSelfContainedAndCarriesTheNumbers) {
    const CompareResult result = synthetic_comparison();
    const std::string html = render_html(result);
    EXPECT_EQ(html.find("<link"), std::string::npos);
    EXPECT_EQ(html.find(" src="), std::string::npos);
    EXPECT_EQ(html.find("https://"), std::string::npos);
    EXPECT_EQ(html.find("@import"), std::string::npos);
    // The command contains "</script><script>": it must come out escaped.
    EXPECT_NE(html.find("--synthetic &lt;/script&gt;&lt;script&gt;"), std::string::npos);

    const auto bars = testing::elements(
        html, "rect", {{"class", "seg"}, {"data-model", "poll"}, {"data-segment", "user"}});
    ASSERT_EQ(bars.size(), 3u);  // echo, idle=0, idle=300
    EXPECT_EQ(bars[0].at("data-ns"), "100000000");
    const auto phases = testing::elements(
        html, "rect", {{"class", "phase"}, {"data-model", "epoll-lt"}, {"data-phase", "wait"}});
    // Only the sweep's runs have no measured request: they fall back to the mean.
    ASSERT_EQ(phases.size(), 2u);
    EXPECT_NEAR(std::stod(phases[0].at("data-ns")), 550'000'000.0 / 30'000, 0.1);
    EXPECT_NE(html.find("not one traced request"), std::string::npos);
    // The echo runs draw their measured request, with its phases.
    const RequestTimeline &request = *result.runs[1].request;
    const auto measured =
        testing::elements(html, "g", {{"class", "request-timeline"}, {"data-model", "epoll-lt"}});
    ASSERT_EQ(measured.size(), 1u);
    EXPECT_EQ(measured[0].at("data-tid"), std::to_string(request.tid));
    EXPECT_EQ(measured[0].at("data-phase1-ns"), std::to_string(request.phase1.dur_ns));
    EXPECT_EQ(measured[0].at("data-phase2-ns"), std::to_string(request.phase2.dur_ns));
    EXPECT_EQ(measured[0].at("data-wait-call"), "epoll_wait");
    EXPECT_EQ(
        testing::elements(html, "rect", {{"class", "req-seg"}, {"data-model", "epoll-lt"}}).size(),
        request.segments.size());
    EXPECT_NE(html.find("one measured request (thread 100)"), std::string::npos);
    EXPECT_NE(html.find("≠ expected epoll-lt"), std::string::npos);

    // The embedded data is the rows of the JSON document, intact.
    const std::string open = "<script type=\"application/json\" id=\"iophase-data\">";
    const auto begin = html.find(open);
    ASSERT_NE(begin, std::string::npos);
    const auto end = html.find("</script>", begin);
    const nlohmann::json embedded =
        nlohmann::json::parse(html.substr(begin + open.size(), end - begin - open.size()));
    EXPECT_EQ(embedded, compare_to_json(result, false));
}

TEST(CompareHtml, SaysWhenTheBudgetDoesNotAddUp) {
    CompareResult result = testing::synthetic_comparison();
    EXPECT_EQ(render_html(result).find(", buckets "), std::string::npos);
    result.runs[0].row.budget.runq_ns += 50'000'000;  // 5% more than the wall time
    EXPECT_NE(render_html(result).find("buckets 105.0% of wall"), std::string::npos);
}

}  // namespace
}  // namespace iophase::compare
