// libFuzzer target: arbitrary bytes as a process's comm and cmdline and a thread's comm, through
// the text report, the JSON report and the Chrome-trace writer. None may throw or crash; the
// JSON must be strict UTF-8 (nlohmann's strict dump is the independent check) and the text
// free of bytes that drive a terminal. Run by tools/fuzz.sh, from tools/test.sh.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "report/chrome_trace.h"
#include "report/json_report.h"
#include "report/name_escape.h"
#include "report/text_report.h"

namespace {

using iophase::Report;

Report report_named(FuzzedDataProvider &input) {
    Report report;
    iophase::ProcessReport p;
    p.pid = 4242;
    p.comm = input.ConsumeRandomLengthString(64);
    p.cmdline = input.ConsumeRandomLengthString(4096);
    iophase::ThreadReport thread;
    thread.tid = 4243;
    thread.comm = input.ConsumeRandomLengthString(64);
    p.threads.push_back(thread);
    p.budget.wall_ns = p.threads[0].budget.wall_ns = 1'000'000;
    p.budget.user_ns = p.threads[0].budget.user_ns = 1'000'000;
    report.processes.push_back(p);
    return report;
}

// A byte a terminal would act on: C0 controls but the line breaks we write, DEL.
bool drives_terminal(unsigned char c) {
    return (c < 0x20 && c != '\n') || c == 0x7f;
}

void check(bool ok) {
    if (!ok) {
        __builtin_trap();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    FuzzedDataProvider input(data, size);
    const Report report = report_named(input);

    iophase::TextOptions options;
    options.threads = true;
    const std::string text = iophase::render_text(report, options);
    for (const char c : text) {
        check(!drives_terminal(static_cast<unsigned char>(c)));
    }
    (void)nlohmann::json(text).dump();  // throws (and so fails) if the text is not UTF-8

    const nlohmann::json json = iophase::report_to_json(report);
    const nlohmann::json back = nlohmann::json::parse(json.dump());
    check(back["processes"][0]["comm"] == iophase::utf8_escaped(report.processes[0].comm));
    check(iophase::report_to_json(iophase::report_from_json(back)) == json);

    std::string trace;
    iophase::ChromeTraceWriter writer([&trace](std::string_view chunk) { trace += chunk; });
    writer.push(iophase::TimelineEvent{1000, 4242, 4243, iophase::ThreadState::User, ""});
    writer.push(iophase::TimelineEvent{2000, 4242, 4243, iophase::ThreadState::Blocked,
                                       input.ConsumeRandomLengthString(32)});
    writer.push(iophase::TimelineEvent{3000, 4242, 4243, iophase::ThreadState::Exited, ""});
    writer.finish(report);
    (void)nlohmann::json::parse(trace);
    return 0;
}
