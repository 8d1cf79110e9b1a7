#include "load/limits.h"

#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "model/format_numbers.h"

namespace iophase::load {

ConnectionLimits raise_and_read_limits(std::uint64_t fds_wanted) {
    ConnectionLimits limits;
    rlimit fd_limit{};
    if (::getrlimit(RLIMIT_NOFILE, &fd_limit) == 0) {
        if (fd_limit.rlim_cur < fds_wanted) {
            fd_limit.rlim_cur = std::min<rlim_t>(fds_wanted, fd_limit.rlim_max);
            ::setrlimit(RLIMIT_NOFILE, &fd_limit);
            ::getrlimit(RLIMIT_NOFILE, &fd_limit);
        }
        limits.fds = fd_limit.rlim_cur;
        limits.fds_hard = fd_limit.rlim_max;
    }
    std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
    int low = 0;
    int high = 0;
    if (range >> low >> high) {
        limits.port_low = low;
        limits.port_high = high;
    }
    return limits;
}

std::string limit_problem(std::uint64_t connections, std::uint64_t fds_wanted,
                          const ConnectionLimits &limits) {
    if (fds_wanted > limits.fds) {
        return fmt::format(
            "{} connections need about {} file descriptors, but this process may open {} "
            "(ulimit -n; hard limit {}): raise the limit or open fewer connections",
            with_commas(connections), with_commas(fds_wanted), with_commas(limits.fds),
            with_commas(limits.fds_hard));
    }
    if (connections > limits.ports()) {
        return fmt::format(
            "{} connections to one server address need as many local ports, but "
            "net.ipv4.ip_local_port_range ({}-{}) has {}: widen the range or open fewer "
            "connections",
            with_commas(connections), limits.port_low, limits.port_high,
            with_commas(limits.ports()));
    }
    return {};
}

std::string connect_error_reason(int error, const ConnectionLimits &limits) {
    switch (error) {
        case EMFILE:
            return fmt::format("EMFILE: this process's file descriptor limit (ulimit -n {})",
                               with_commas(limits.fds));
        case ENFILE:
            return "ENFILE: the system's limit on open files (fs.file-max)";
        case EADDRNOTAVAIL:
            return fmt::format(
                "EADDRNOTAVAIL: no free local port (net.ipv4.ip_local_port_range {}-{}, {} ports)",
                limits.port_low, limits.port_high, with_commas(limits.ports()));
        case ECONNREFUSED:
            return "ECONNREFUSED: nothing listens there (is the server running?)";
        case ETIMEDOUT:
            return "ETIMEDOUT: the server did not answer (its accept backlog may be full)";
        default:
            return fmt::format("{}: {}", strerrorname_np(error) ? strerrorname_np(error) : "?",
                               std::strerror(error));
    }
}

}  // namespace iophase::load
