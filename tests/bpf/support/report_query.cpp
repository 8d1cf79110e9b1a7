#include "support/report_query.h"

#include <algorithm>

namespace bpftest {

namespace {

const json *find_by_id(const json &array, const char *id_field, long long id) {
    if (!array.is_array()) {
        return nullptr;
    }
    for (const auto &entry : array) {
        if (entry.contains(id_field) && entry[id_field].get<long long>() == id) {
            return &entry;
        }
    }
    return nullptr;
}

}  // namespace

const json *find_process(const json &report, long long pid) {
    return report.contains("processes") ? find_by_id(report["processes"], "pid", pid) : nullptr;
}

const json *find_thread(const json &process, long long tid) {
    return process.contains("threads") ? find_by_id(process["threads"], "tid", tid) : nullptr;
}

const json &member(const json &object, const char *name) {
    static const json absent;
    return object.is_object() && object.contains(name) ? object[name] : absent;
}

std::uint64_t field(const json &object, const char *name) {
    if (!object.is_object() || !object.contains(name) || !object[name].is_number()) {
        return 0;
    }
    return object[name].get<std::uint64_t>();
}

SyscallSum sum_syscalls(const json &syscalls, std::initializer_list<std::string_view> names,
                        std::string_view fd_kind) {
    SyscallSum sum;
    if (!syscalls.is_array()) {
        return sum;
    }
    for (const auto &row : syscalls) {
        const auto name = row.value("name", std::string());
        if (std::find(names.begin(), names.end(), name) == names.end()) {
            continue;
        }
        if (!fd_kind.empty() && row.value("fd_kind", std::string()) != fd_kind) {
            continue;
        }
        ++sum.rows;
        sum.count += field(row, "count");
        sum.in_flight += field(row, "in_flight");
        sum.errors += field(row, "errors");
        sum.eagain += field(row, "eagain");
        sum.total_ns += field(row, "total_ns");
        sum.wait_ns += field(row, "wait_ns");
        sum.runq_ns += field(row, "runq_ns");
        sum.copy_ns += field(row, "copy_ns");
        sum.kernel_ns += field(row, "kernel_ns");
        sum.bytes += field(row, "bytes");
        sum.fds_asked += field(row, "fds_asked");
        sum.fds_ready += field(row, "fds_ready");
        sum.timeouts += field(row, "timeouts");
    }
    return sum;
}

std::string describe_syscalls(const json &syscalls) {
    std::string text;
    if (!syscalls.is_array()) {
        return "(no syscalls array)";
    }
    for (const auto &row : syscalls) {
        text += row.value("name", std::string("?"));
        const auto kind = row.value("fd_kind", std::string());
        // Appends, not `"/" + kind`: g++ 12 at -O3 warns falsely (-Wrestrict) on a C string
        // plus a temporary std::string.
        if (!kind.empty()) {
            text += '/';
            text += kind;
        }
        text += '=';
        text += std::to_string(field(row, "count"));
        text += ' ';
    }
    return text;
}

}  // namespace bpftest
