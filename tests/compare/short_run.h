// Access to the output of the compare_short_run fixture (run_short_compare.sh).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "test_support.h"

namespace iophase::compare::testing {

inline std::string short_run_file(const std::string &name) {
    return std::string(SHORT_RUN_DIR) + "/" + name;
}

// The short run's JSON. Without root (and CI != true) the fixture skipped: the caller skips
// too, saying why. Otherwise a missing file is a failure.
#define IOPHASE_LOAD_SHORT_RUN(doc)                                                            \
    nlohmann::json doc;                                                                        \
    do {                                                                                       \
        const std::string path_ = ::iophase::compare::testing::short_run_file("compare.json"); \
        if (!std::filesystem::exists(path_)) {                                                 \
            const auto why_ = ::iophase::compare::testing::root_missing_reason();              \
            if (why_ && !::iophase::compare::testing::in_ci()) {                               \
                GTEST_SKIP() << *why_;                                                         \
            }                                                                                  \
            FAIL() << "no " << path_ << ": the compare_short_run fixture did not write it";    \
        }                                                                                      \
        doc = nlohmann::json::parse(::iophase::compare::testing::read_file(path_));            \
    } while (false)

}  // namespace iophase::compare::testing
