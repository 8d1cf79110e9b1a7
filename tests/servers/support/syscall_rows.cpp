#include "support/syscall_rows.h"

#include "support/report_query.h"

namespace servertest {

SyscallRows report_rows(const nlohmann::json &report) {
    SyscallRows rows;
    if (!report.contains("processes")) {
        return rows;
    }
    for (const auto &process : report["processes"]) {
        for (const auto &entry : bpftest::member(process, "syscalls")) {
            auto &count =
                rows[{entry.value("name", std::string()), entry.value("fd_kind", std::string())}];
            count.calls += bpftest::field(entry, "count");
            count.errors += bpftest::field(entry, "errors");
        }
    }
    return rows;
}

CallCount row(const SyscallRows &rows, const std::string &name, const char *kind) {
    CallCount sum;
    for (const auto &[key, count] : rows) {
        if (key.first == name && (kind == nullptr || key.second == kind)) {
            sum.calls += count.calls;
            sum.errors += count.errors;
        }
    }
    return sum;
}

std::map<std::string, CallCount> by_name(const SyscallRows &rows) {
    std::map<std::string, CallCount> names;
    for (const auto &[key, count] : rows) {
        names[key.first].calls += count.calls;
        names[key.first].errors += count.errors;
    }
    return names;
}

std::string describe(const SyscallRows &rows) {
    std::string text;
    for (const auto &[key, count] : rows) {
        text += key.first + (key.second.empty() ? "" : "/" + key.second) + "=" +
                std::to_string(count.calls) + "(" + std::to_string(count.errors) + ") ";
    }
    return text;
}

}  // namespace servertest
