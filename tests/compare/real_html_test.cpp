// The HTML report of the short compare run (root), rendered by headless Chromium: every chart
// is there and carries the numbers of the JSON written by the same run.
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>

#include "short_run.h"

namespace iophase::compare {
namespace {

namespace t = testing;

TEST(CompareRealHtml, ChartsCarryTheNumbersOfTheJson) {
    IOPHASE_LOAD_SHORT_RUN(doc);
    if (!t::chromium_path()) {
        if (t::in_ci()) {
            FAIL() << "chromium is not installed (apt-get install -y chromium)";
        }
        GTEST_SKIP() << "chromium is not installed (apt-get install -y chromium)";
    }
    const std::string page = t::short_run_file("compare.html");
    const std::string dom = t::chromium_dump_dom(page);
    const auto rects = t::elements(dom, "rect");
    const auto circles = t::elements(dom, "circle");
    const auto groups = t::elements(dom, "g", {{"class", "request-timeline"}});
    const auto lines = t::elements(dom, "line");
    std::size_t measured = 0;
    std::size_t with_ready = 0;

    std::size_t sweep_points = 0;
    for (const nlohmann::json &run : doc.at("runs")) {
        const nlohmann::json &row = run.at("row");
        if (row.at("status") != "ok") {
            continue;
        }
        const std::string model = row.at("model");
        const std::string variant = row.at("variant");
        // The time budget bar: the user segment holds the row's user time.
        const auto user =
            t::having(rects, {{"class", "seg"}, {"data-model", model}, {"data-segment", "user"}});
        bool found = false;
        for (const auto &segment : user) {
            found =
                found || segment.at("data-ns") ==
                             std::to_string(row.at("budget").at("user_ns").get<std::uint64_t>());
        }
        EXPECT_TRUE(found) << model << " " << variant << ": no budget bar with its user time";
        // One measured request with its phases, or else the mean request with its wait.
        const nlohmann::json &request = run.at("request_timeline");
        if (request.is_null()) {
            EXPECT_FALSE(
                t::having(rects,
                          {{"class", "phase"}, {"data-model", model}, {"data-phase", "wait"}})
                    .empty())
                << model;
        } else {
            EXPECT_EQ(
                t::having(groups, {{"data-model", model},
                                   {"data-tid", request.at("tid").dump()},
                                   {"data-duration-ns", request.at("duration_ns").dump()},
                                   {"data-phase1-ns", request.at("phase1").at("dur_ns").dump()},
                                   {"data-phase2-ns", request.at("phase2").at("dur_ns").dump()}})
                    .size(),
                1u)
                << model << " " << variant << ": no figure of its measured request";
            EXPECT_GT(request.at("phase2").at("dur_ns").get<std::uint64_t>(), 0u) << model;
            if (!request.at("data_ready_ns").is_null()) {
                EXPECT_EQ(t::having(lines, {{"class", "data-ready"},
                                            {"data-model", model},
                                            {"data-t-ns", request.at("data_ready_ns").dump()}})
                              .size(),
                          1u)
                    << model << " " << variant << ": its data-ready moment is not drawn";
                ++with_ready;
            }
            ++measured;
        }
        if (row.at("scenario") != "idle-fanin") {
            continue;
        }
        const std::string idle = std::to_string(row.at("load_settings").at("idle").get<int>());
        for (const char *metric : {"fds_scanned_per_ready", "msgs_per_s"}) {
            if (row.at(metric).is_null()) {
                continue;
            }
            const auto points = t::having(
                circles, {{"data-model", model}, {"data-idle", idle}, {"data-metric", metric}});
            ASSERT_EQ(points.size(), 1u) << model << " " << idle << " " << metric;
            const double expected = row.at(metric).get<double>();
            EXPECT_NEAR(std::stod(points[0].at("data-value")), expected, std::abs(expected) * 1e-9);
            ++sweep_points;
        }
    }
    // 6 models x 2 idle counts on the rate chart, plus the 3 multiplexers' fds chart.
    EXPECT_GE(sweep_points, 12u + 6u);
    // Every model in the short run has requests that copy data: each had one measured.
    std::size_t ok_runs = 0;
    for (const nlohmann::json &run : doc.at("runs")) {
        ok_runs += run.at("row").at("status") == "ok" ? 1 : 0;
    }
    EXPECT_EQ(measured, ok_runs);
    EXPECT_GT(with_ready, 0u) << "no measured request has its data-ready moment";
}

// The blocking server sleeps in recvfrom for every echo message: its request has the
// data-ready moment, which splits the sleep into waiting for data and the wakeup.
TEST(CompareRealHtml, BlockingEchoRequestIsSplitAtDataReady) {
    IOPHASE_LOAD_SHORT_RUN(doc);
    for (const nlohmann::json &run : doc.at("runs")) {
        const nlohmann::json &row = run.at("row");
        if (row.at("scenario") != "echo" || row.at("model") != "blocking") {
            continue;
        }
        const nlohmann::json &request = run.at("request_timeline");
        ASSERT_FALSE(request.is_null());
        ASSERT_FALSE(request.at("data_ready_ns").is_null()) << request.dump();
        const auto ready = request.at("data_ready_ns").get<std::uint64_t>();
        const auto wait = request.at("wait_for_data");
        const auto wakeup = request.at("wakeup");
        const auto phase2 = request.at("phase2");
        std::cout << "[request] blocking echo: wait for data "
                  << wait.at("dur_ns").get<std::uint64_t>() << " ns, wakeup "
                  << wakeup.at("dur_ns").get<std::uint64_t>() << " ns, copy "
                  << phase2.at("dur_ns").get<std::uint64_t>() << " ns\n";
        EXPECT_EQ(request.at("ready_call"), "recvfrom");
        EXPECT_EQ(wait.at("t_ns").get<std::uint64_t>() + wait.at("dur_ns").get<std::uint64_t>(),
                  ready);
        EXPECT_EQ(wakeup.at("t_ns").get<std::uint64_t>(), ready);
        // In order: the data is ready, the thread is back on a CPU, then it copies.
        EXPECT_LE(ready + wakeup.at("dur_ns").get<std::uint64_t>(),
                  phase2.at("t_ns").get<std::uint64_t>());
        return;
    }
    FAIL() << "no blocking echo run in the short run";
}

}  // namespace
}  // namespace iophase::compare
