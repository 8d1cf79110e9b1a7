#include "support/roles.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include "support/report_query.h"

namespace servertest {

using nlohmann::json;

std::string label_of(const json &process) {
    const auto &model = bpftest::member(process, "io_model");
    return model.is_object() ? model.value("label", std::string()) : std::string();
}

bool has_roles(const json &report) {
    for (const auto &process : bpftest::member(report, "processes")) {
        if (process.contains("roles")) {
            return true;
        }
    }
    return false;
}

namespace {

bool one_of(const std::vector<std::string> &accepted, const std::string &value) {
    return accepted.empty() || std::find(accepted.begin(), accepted.end(), value) != accepted.end();
}

std::string list(const std::vector<std::string> &values) {
    std::string text;
    for (const auto &value : values) {
        text += (text.empty() ? "" : "|") + value;
    }
    return text;
}

std::string describe_roles(const json &roles) {
    std::string text;
    for (const auto &role : roles) {
        text += role.value("role", std::string("?")) + "(" +
                std::to_string(role.value("threads", 0)) + " threads, model " +
                role.value("model", std::string("?")) + ") ";
    }
    return text;
}

bool matches(const json &role, const RoleExpectation &expected) {
    return one_of(expected.role, role.value("role", std::string())) &&
           one_of(expected.model, role.value("model", std::string())) &&
           role.value("threads", 0) >= expected.min_threads;
}

void expect_well_formed(const json &process, const json &roles) {
    std::set<long long> threads;
    for (const auto &thread : bpftest::member(process, "threads")) {
        threads.insert(thread.value("tid", 0LL));
    }
    std::set<long long> placed;
    double wall_share = 0;
    for (const auto &role : roles) {
        for (const char *name :
             {"role", "threads", "tids", "model", "io_call_share", "wall_share", "evidence"}) {
            EXPECT_TRUE(role.contains(name)) << "a role without `" << name << "`: " << role.dump();
        }
        const auto tids = bpftest::member(role, "tids");
        EXPECT_EQ(role.value("threads", -1), static_cast<int>(tids.size())) << role.dump();
        for (const char *share : {"io_call_share", "wall_share"}) {
            const double value = role.value(share, -1.0);
            EXPECT_TRUE(value >= 0 && value <= 1) << share << " " << value;
        }
        wall_share += role.value("wall_share", 0.0);
        for (const auto &tid : tids) {
            EXPECT_TRUE(threads.count(tid.get<long long>())) << tid << " is no thread of it";
            EXPECT_TRUE(placed.insert(tid.get<long long>()).second) << tid << " in two roles";
        }
    }
    EXPECT_LE(wall_share, 1.001);
    EXPECT_EQ(placed.size(), threads.size()) << "every thread belongs to one role";
}

}  // namespace

void expect_process(const json &process, const ProcessExpectation &expected) {
    const std::string who =
        "pid " + std::to_string(process.value("pid", 0LL)) + " " + process.value("comm", "");
    const auto &model = bpftest::member(process, "io_model");
    const std::string label = label_of(process);
    EXPECT_TRUE(one_of(expected.label, label))
        << who << ": label " << label << ", expected " << list(expected.label) << "\n"
        << bpftest::member(model, "evidence").dump(2);
    const std::string structure = process.value("structure", std::string());
    EXPECT_TRUE(one_of(expected.structure, structure))
        << who << ": structure " << structure << ", expected " << list(expected.structure);
    const auto roles = bpftest::member(process, "roles");
    expect_well_formed(process, roles);
    // Each expected role needs a role of its own: two expectations never share one.
    std::vector<bool> used(roles.size(), false);
    for (const auto &wanted : expected.roles) {
        bool found = false;
        for (std::size_t i = 0; i < roles.size() && !found; ++i) {
            if (!used[i] && matches(roles[i], wanted)) {
                used[i] = found = true;
            }
        }
        EXPECT_TRUE(found) << who << ": no role " << list(wanted.role) << " with model "
                           << list(wanted.model) << " and at least " << wanted.min_threads
                           << " threads; roles: " << describe_roles(roles);
    }
}

}  // namespace servertest
