// Assertions on the thread roles, process structure and I/O-model labels of a report (schema
// version 3): what a person who knows each server expects of it.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace servertest {

// The process's io_model.label ("" if it has none).
std::string label_of(const nlohmann::json &process);

// True if any process of the report has a `roles` array.
bool has_roles(const nlohmann::json &report);

// A report without roles fails the test (it never skips).
#define ASSERT_HAS_ROLES(report)                                                               \
    ASSERT_TRUE(::servertest::has_roles(report))                                               \
        << "the report (schema_version " << (report).value("schema_version", 0) << ") has no " \
        << "`roles`"

// What a person who knows the server expects of one of its processes. Empty lists accept
// anything.
struct RoleExpectation {
    std::vector<std::string> role;   // one of these role names
    std::vector<std::string> model;  // whose model is one of these
    int min_threads = 1;
};
struct ProcessExpectation {
    std::vector<std::string> label;      // io_model.label is one of these
    std::vector<std::string> structure;  // `structure` is one of these
    std::vector<RoleExpectation> roles;  // each matched by a distinct role of the process
};

// EXPECTs the process to meet `expected`, and its roles to be well formed: every field of the
// schema present, `threads` == tids.size(), shares within [0, 1] and adding up to at most 1,
// and every thread of the process in exactly one role.
void expect_process(const nlohmann::json &process, const ProcessExpectation &expected);

}  // namespace servertest
