// The role assertions run against reports written by hand, since no report has roles yet:
// they pass a report that meets the expectation and fail ones that do not, so they are ready
// when the classifier fills `roles` in.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include "support/roles.h"

namespace servertest {
namespace {

using nlohmann::json;

json role(const std::string &name, const std::string &model, const json &tids) {
    return {{"role", name},
            {"threads", tids.size()},
            {"tids", tids},
            {"model", model},
            {"io_call_share", 0.5},
            {"wall_share", 0.5},
            {"evidence", json::array({"made up for the test"})}};
}

// A two-thread process, a reactor and a housekeeping thread, labelled `label`.
json process_with(const std::string &label, const json &roles) {
    return {{"pid", 10},
            {"comm", "server"},
            {"io_model", {{"label", label}, {"evidence", json::array()}}},
            {"structure", "single"},
            {"threads", json::array({{{"tid", 10}}, {{"tid", 11}}})},
            {"roles", roles}};
}

json reactor_and_housekeeping() {
    return json::array({role("reactor", "epoll-et", {10}), role("housekeeping", "idle", {11})});
}

const ProcessExpectation kReactor{
    {"epoll-et"}, {"single"}, {{{"reactor"}, {"epoll-et"}}, {{"housekeeping", "idle"}, {}}}};

TEST(RolesCheckTest, AcceptsAProcessThatMeetsTheExpectation) {
    expect_process(process_with("epoll-et", reactor_and_housekeeping()), kReactor);
}

TEST(RolesCheckTest, RejectsAnotherLabel) {
    EXPECT_NONFATAL_FAILURE(
        expect_process(process_with("poll", reactor_and_housekeeping()), kReactor), "label poll");
}

TEST(RolesCheckTest, RejectsAMissingRole) {
    EXPECT_NONFATAL_FAILURE(
        expect_process(process_with("epoll-et", json::array({role("reactor", "epoll-et", {10}),
                                                             role("reactor", "epoll-et", {11})})),
                       kReactor),
        "no role housekeeping|idle");
}

TEST(RolesCheckTest, RejectsARoleOfTheWrongModel) {
    EXPECT_NONFATAL_FAILURE(
        expect_process(process_with("epoll-et", json::array({role("reactor", "poll", {10}),
                                                             role("idle", "idle", {11})})),
                       kReactor),
        "no role reactor with model epoll-et");
}

TEST(RolesCheckTest, RejectsAThreadInNoRole) {
    EXPECT_NONFATAL_FAILURE(
        expect_process(process_with("epoll-et", json::array({role("reactor", "epoll-et", {10})})),
                       {{"epoll-et"}, {}, {}}),
        "every thread belongs to one role");
}

TEST(RolesCheckTest, RejectsAThreadInTwoRoles) {
    EXPECT_NONFATAL_FAILURE(
        expect_process(process_with("epoll-et", json::array({role("reactor", "epoll-et", {10, 11}),
                                                             role("idle", "idle", {11})})),
                       {{"epoll-et"}, {}, {}}),
        "in two roles");
}

TEST(RolesCheckTest, ReportsWithoutRolesAreTold) {
    EXPECT_FALSE(has_roles(
        json{{"schema_version", 1}, {"processes", json::array({{{"pid", 1}, {"threads", 1}}})}}));
    EXPECT_TRUE(has_roles(json{{"processes", json::array({process_with("idle", json::array())})}}));
}

}  // namespace
}  // namespace servertest
