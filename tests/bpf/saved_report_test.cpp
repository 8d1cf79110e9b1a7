// `iophase report FILE` prints what `iophase trace` printed: the table rendered from the JSON
// file read back equals the table rendered from the trace's own data. A file that is no report
// gets exit 2 and one line.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "support/tracer_run.h"

namespace bpftest {
namespace {

class SavedReportTest : public BpfTest {};

TEST_F(SavedReportTest, TheTableOfASavedReportIsTheTraceTable) {
    const auto traced = run_trace(
        dir_, {"--threads"}, workload("thread-churn", {"--per-second", "100", "--seconds", "1"}));
    ASSERT_TRACE_OK(traced);
    ASSERT_FALSE(traced.stdout_text.empty());
    const auto shown = run_iophase(dir_, {"report", "--threads", dir_.file("report.json")});
    EXPECT_EQ(shown.exit_code, 0) << shown.stderr_text;
    EXPECT_EQ(shown.stdout_text, traced.stdout_text);
}

TEST_F(SavedReportTest, AFileThatIsNoReportExits2WithOneLine) {
    const std::string path = dir_.file("not-a-report.json");
    std::ofstream(path) << R"({"schema_version": 1})";
    for (const std::string &file : {path, dir_.file("missing.json")}) {
        const auto shown = run_iophase(dir_, {"report", file});
        EXPECT_EQ(shown.exit_code, 2) << file;
        EXPECT_NE(shown.stderr_text.find(file), std::string::npos) << shown.stderr_text;
        EXPECT_EQ(std::count(shown.stderr_text.begin(), shown.stderr_text.end(), '\n'), 1)
            << shown.stderr_text;
        EXPECT_TRUE(shown.stdout_text.empty());
    }
}

}  // namespace
}  // namespace bpftest
