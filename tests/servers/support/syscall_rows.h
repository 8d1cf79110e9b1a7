// Syscall counts by (name, fd_kind), the shape both an iophase report and an strace log can be
// reduced to, so the same checks read either.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

namespace servertest {

struct CallCount {
    std::uint64_t calls = 0;
    std::uint64_t errors = 0;  // returned < 0 (EAGAIN included)
};

// Key: syscall name and fd kind ("socket", "pipe", "file", "other", or "" when the call has no
// fd or its kind was not looked up).
using SyscallRows = std::map<std::pair<std::string, std::string>, CallCount>;

// The report's syscalls[] rows (completed calls: `count`, `errors`) summed over every process.
SyscallRows report_rows(const nlohmann::json &report);

// One (name, kind) row, or the sum over every kind of a name when kind is nullptr.
CallCount row(const SyscallRows &rows, const std::string &name, const char *kind = nullptr);

// The rows summed by name.
std::map<std::string, CallCount> by_name(const SyscallRows &rows);

// "name/kind=calls(errors) ..." for failure messages.
std::string describe(const SyscallRows &rows);

}  // namespace servertest
