// Reading the table `strace -c -o FILE` writes: syscall name -> calls.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace bpftest {

std::map<std::string, std::uint64_t> parse_strace_counts(const std::string &summary);

}  // namespace bpftest
