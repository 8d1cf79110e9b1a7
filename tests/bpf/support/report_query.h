// Finding things in an iophase JSON report (see userspace/model/report.h for the fields).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace bpftest {

using nlohmann::json;

// The process (or thread of a process) with that id, or nullptr.
const json *find_process(const json &report, long long pid);
const json *find_thread(const json &process, long long tid);

// Rows of a syscalls[] array added up: every row whose name is one of `names` and, when
// fd_kind is not empty, whose fd_kind matches.
struct SyscallSum {
    int rows = 0;
    std::uint64_t count = 0;
    std::uint64_t in_flight = 0;
    std::uint64_t errors = 0;
    std::uint64_t eagain = 0;
    std::uint64_t total_ns = 0;
    std::uint64_t wait_ns = 0;
    std::uint64_t runq_ns = 0;
    std::uint64_t copy_ns = 0;
    std::uint64_t kernel_ns = 0;
    std::uint64_t bytes = 0;
    std::uint64_t fds_asked = 0;
    std::uint64_t fds_ready = 0;
    std::uint64_t timeouts = 0;
};
SyscallSum sum_syscalls(const json &syscalls, std::initializer_list<std::string_view> names,
                        std::string_view fd_kind = {});

// "name/fd_kind=count ..." of every row, for failure messages.
std::string describe_syscalls(const json &syscalls);

// A member of an object, or null when absent: iterating null yields nothing, so loops over
// absent arrays need no check (and no temporary, which `value(name, json::array())` would be).
const json &member(const json &object, const char *name);

// A JSON integer field as uint64 (0 when absent), so a missing field fails the comparison
// that uses it rather than throwing.
std::uint64_t field(const json &object, const char *name);

}  // namespace bpftest
