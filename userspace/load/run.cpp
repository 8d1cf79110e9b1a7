#include <netdb.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "load/load.h"
#include "load/progress.h"
#include "load/worker.h"

namespace iophase::load {

namespace {

void validate(const Options &options) {
    auto require = [](bool ok, const char *what) {
        if (!ok) {
            throw std::invalid_argument(what);
        }
    };
    require(options.connections >= 1, "connections must be at least 1");
    require(options.idle >= 0, "idle connections must not be negative");
    require(options.threads >= 1, "threads must be at least 1");
    require(options.size <= proto::kMaxPayload, "message size exceeds the protocol maximum");
    require(options.transfer_bytes <= proto::kMaxPayload,
            "transfer size exceeds the protocol maximum");
    require(options.think_ms >= 0, "think time must not be negative");
    require(options.duration_s >= 0, "duration must not be negative");
    require(options.rate >= 0, "rate must not be negative");
}

void resolve(SharedRun &shared, const Options &options) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo *found = nullptr;
    const std::string port = std::to_string(options.port);
    const int rc = ::getaddrinfo(options.host.c_str(), port.c_str(), &hints, &found);
    if (rc != 0 || found == nullptr) {
        throw std::runtime_error(
            fmt::format("cannot resolve host '{}': {}", options.host, ::gai_strerror(rc)));
    }
    const std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owner(found, &::freeaddrinfo);
    std::memcpy(&shared.address, found->ai_addr, found->ai_addrlen);
    shared.address_length = found->ai_addrlen;
}

int share(int total, int parts, int part) {
    return total / parts + (part < total % parts ? 1 : 0);
}

}  // namespace

const char *mode_name(Mode mode) {
    switch (mode) {
        case Mode::Echo:
            return "echo";
        case Mode::Upload:
            return "upload";
        case Mode::Download:
            return "download";
    }
    return "?";
}

Result run(const Options &options, const std::atomic<bool> *stop) {
    validate(options);
    SharedRun shared{options};
    resolve(shared, options);
    const int threads = std::min(options.threads, options.connections + options.idle);
    // Many connections need more descriptors than the usual soft limit of 1024.
    const auto connections = static_cast<std::uint64_t>(options.connections + options.idle);
    const std::uint64_t fds_wanted = connections + static_cast<std::uint64_t>(threads) * 2 + 64;
    const ConnectionLimits limits = raise_and_read_limits(fds_wanted);
    if (const std::string problem = limit_problem(connections, fds_wanted, limits);
        !problem.empty() && !options.allow_partial) {
        throw std::invalid_argument(problem + " (--allow-partial runs anyway)");
    }

    shared.stop = stop;
    shared.active_total = options.connections;
    if (options.mode == Mode::Upload) {
        proto::append_header(shared.upload_request, proto::Op::Upload,
                             static_cast<std::uint32_t>(options.transfer_bytes));
        shared.upload_request.resize(proto::kHeaderSize + options.transfer_bytes, 'u');
    }

    const auto live = std::make_unique<LiveCounters[]>(static_cast<std::size_t>(threads));
    std::vector<std::unique_ptr<Worker>> workers;
    int first_active = 0;
    for (int t = 0; t < threads; ++t) {
        const int active = share(options.connections, threads, t);
        workers.push_back(std::make_unique<Worker>(shared, live[static_cast<std::size_t>(t)],
                                                   active, share(options.idle, threads, t),
                                                   first_active));
        first_active += active;
    }

    shared.workers_busy = threads;
    shared.start_ns = now_ns();
    const double duration_s = options.duration_s > 0  ? options.duration_s
                              : options.messages == 0 ? kDefaultDurationS
                                                      : 0.0;
    if (duration_s > 0) {
        shared.deadline_ns = shared.start_ns + static_cast<std::int64_t>(duration_s * 1e9);
    }

    std::atomic<int> running{threads};
    std::mutex error_mutex;
    std::exception_ptr error;
    {
        std::vector<std::jthread> pool;
        for (auto &worker : workers) {
            pool.emplace_back([&, w = worker.get()] {
                try {
                    w->run();
                } catch (...) {
                    const std::lock_guard lock(error_mutex);
                    error = std::current_exception();
                    shared.finished = true;
                }
                --running;
            });
        }
        if (options.progress && ::isatty(STDOUT_FILENO)) {
            while (running > 0) {
                std::this_thread::sleep_for(std::chrono::milliseconds(250));
                ProgressSnapshot snapshot;
                snapshot.elapsed_s = static_cast<double>(now_ns() - shared.start_ns) / 1e9;
                for (int t = 0; t < threads; ++t) {
                    const auto &counters = live[static_cast<std::size_t>(t)];
                    snapshot.messages += counters.messages.load(std::memory_order_relaxed);
                    snapshot.bytes_sent += counters.bytes_sent.load(std::memory_order_relaxed);
                    snapshot.bytes_received +=
                        counters.bytes_received.load(std::memory_order_relaxed);
                }
                fmt::print("\r{}\033[K", render_progress_line(options, snapshot));
                std::fflush(stdout);
            }
            fmt::print("\r\033[K");
            std::fflush(stdout);
        }
    }
    if (error) {
        std::rethrow_exception(error);
    }

    Result result;
    result.options = options;
    result.limits = limits;
    std::int64_t end_ns = shared.start_ns;
    for (const auto &worker : workers) {
        const Result &part = worker->result();
        result.messages += part.messages;
        result.bad_replies += part.bad_replies;
        result.connection_errors += part.connection_errors;
        result.connect_failures += part.connect_failures;
        for (const auto &[errno_value, count] : part.connect_errors) {
            result.connect_errors[errno_value] += count;
        }
        result.connections_established += part.connections_established;
        result.bytes_sent += part.bytes_sent;
        result.bytes_received += part.bytes_received;
        result.latency.merge(part.latency);
        end_ns = std::max(end_ns, worker->work_end_ns());
    }
    result.errors = result.bad_replies + result.connection_errors + result.connect_failures;
    result.elapsed_ns = static_cast<std::uint64_t>(end_ns - shared.start_ns);
    if (result.elapsed_ns > 0) {
        const double seconds = static_cast<double>(result.elapsed_ns) / 1e9;
        result.msgs_per_s = static_cast<double>(result.messages) / seconds;
        result.mb_per_s =
            static_cast<double>(result.bytes_sent + result.bytes_received) / 1e6 / seconds;
    }
    return result;
}

}  // namespace iophase::load
