// What bounds the connections one load-generator process can open, apart from the server: its
// file descriptor limit (RLIMIT_NOFILE) and the local ports for one server address
// (net.ipv4.ip_local_port_range). Used to refuse a run that cannot be made, and to say which
// limit a failed connect hit instead of blaming the server.
#pragma once

#include <cstdint>
#include <string>

namespace iophase::load {

struct ConnectionLimits {
    std::uint64_t fds = 0;       // soft RLIMIT_NOFILE (after raising it to the hard limit)
    std::uint64_t fds_hard = 0;  // hard RLIMIT_NOFILE
    int port_low = 32768;        // net.ipv4.ip_local_port_range
    int port_high = 60999;
    std::uint64_t ports() const {
        return port_high >= port_low ? static_cast<std::uint64_t>(port_high - port_low + 1) : 0;
    }
};

// Raises the soft fd limit towards `fds_wanted` (at most to the hard limit), then reads both
// limits.
ConnectionLimits raise_and_read_limits(std::uint64_t fds_wanted);

// One line saying which limit keeps `connections` connections (needing `fds_wanted` fds in
// all) from being opened, or "" if none does.
std::string limit_problem(std::uint64_t connections, std::uint64_t fds_wanted,
                          const ConnectionLimits &limits);

// Why a connect failed with errno `error`, naming the limit when it was one of this process's
// or this machine's rather than the server.
std::string connect_error_reason(int error, const ConnectionLimits &limits);

}  // namespace iophase::load
