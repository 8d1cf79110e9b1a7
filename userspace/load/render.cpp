#include <string.h>

#include <fmt/format.h>

#include <string>

#include "load/load.h"
#include "model/format_numbers.h"

namespace iophase::load {

namespace {

std::string format_bytes(std::uint64_t bytes) {
    const auto value = static_cast<double>(bytes);
    if (bytes < 10'000) {
        return fmt::format("{} B", bytes);
    }
    if (bytes < 10'000'000) {
        return fmt::format("{:.1f} kB", value / 1e3);
    }
    if (bytes < 10'000'000'000) {
        return fmt::format("{:.1f} MB", value / 1e6);
    }
    return fmt::format("{:.2f} GB", value / 1e9);
}

std::string describe_load(const Options &options) {
    std::string text =
        fmt::format("{} connection{}", options.connections, options.connections == 1 ? "" : "s");
    if (options.idle > 0) {
        text += fmt::format(" (+{} idle)", options.idle);
    }
    if (options.mode == Mode::Echo) {
        text += fmt::format(", {}-byte echo messages", options.size);
    } else {
        text += fmt::format(", {} of {} per round", mode_name(options.mode),
                            format_bytes(options.transfer_bytes));
    }
    if (options.rate > 0) {
        text += fmt::format(", open loop at {:g} msgs/s", options.rate);
    } else {
        text += ", closed loop";
        if (options.think_ms > 0) {
            text += fmt::format(" with {:g} ms think time", options.think_ms);
        }
    }
    if (options.threads > 1) {
        text += fmt::format(", {} threads", options.threads);
    }
    return text;
}

}  // namespace

std::string describe_connect_failures(const Result &result) {
    std::string text;
    for (const auto &[error, count] : result.connect_errors) {
        text += fmt::format("{}{} {}", text.empty() ? "" : "; ", with_commas(count),
                            connect_error_reason(error, result.limits));
    }
    return text;
}

nlohmann::json to_json(const Result &result) {
    nlohmann::json connect_errors = nlohmann::json::object();
    for (const auto &[error, count] : result.connect_errors) {
        const char *name = strerrorname_np(error);
        connect_errors[name != nullptr ? name : std::to_string(error)] = count;
    }
    const Options &o = result.options;
    const Histogram &h = result.latency;
    return {
        {"target", fmt::format("{}:{}", o.host, o.port)},
        {"mode", mode_name(o.mode)},
        {"connections", o.connections},
        {"idle", o.idle},
        {"threads", o.threads},
        {"size", o.size},
        {"transfer_bytes", o.transfer_bytes},
        {"think_ms", o.think_ms},
        {"rate", o.rate},
        {"messages", result.messages},
        {"errors", result.errors},
        {"bad_replies", result.bad_replies},
        {"connection_errors", result.connection_errors},
        {"connect_failures", result.connect_failures},
        {"connect_errors", std::move(connect_errors)},
        {"connections_established", result.connections_established},
        {"bytes_sent", result.bytes_sent},
        {"bytes_received", result.bytes_received},
        {"elapsed_ns", result.elapsed_ns},
        {"msgs_per_s", result.msgs_per_s},
        {"mb_per_s", result.mb_per_s},
        {"latency_ns",
         {{"count", h.count()},
          {"mean", h.mean()},
          {"min", h.min()},
          {"p50", h.percentile(50)},
          {"p90", h.percentile(90)},
          {"p99", h.percentile(99)},
          {"p999", h.percentile(99.9)},
          {"max", h.max()}}},
    };
}

std::string render_text(const Result &result) {
    const Options &o = result.options;
    const Histogram &h = result.latency;
    std::string text = fmt::format("load {}:{}: {}\n", o.host, o.port, describe_load(o));
    text += fmt::format("  elapsed      {:.2f} s\n", static_cast<double>(result.elapsed_ns) / 1e9);
    text += fmt::format("  messages     {} ({:.1f} msgs/s)\n", result.messages, result.msgs_per_s);
    text += fmt::format("  throughput   {:.2f} MB/s (sent {}, received {})\n", result.mb_per_s,
                        format_bytes(result.bytes_sent), format_bytes(result.bytes_received));
    if (h.count() > 0) {
        text += fmt::format("  latency      p50 {}  p90 {}  p99 {}  p99.9 {}  max {}  (mean {})\n",
                            human_duration(static_cast<double>(h.percentile(50))),
                            human_duration(static_cast<double>(h.percentile(90))),
                            human_duration(static_cast<double>(h.percentile(99))),
                            human_duration(static_cast<double>(h.percentile(99.9))),
                            human_duration(static_cast<double>(h.max())), human_duration(h.mean()));
    } else {
        text += "  latency      no replies\n";
    }
    text += fmt::format("  connections  {} established", result.connections_established);
    text += fmt::format("\n  errors       {}", result.errors);
    if (result.errors > 0) {
        text += fmt::format(" (bad replies {}, closed or reset {}, connect failures {})",
                            result.bad_replies, result.connection_errors, result.connect_failures);
    }
    text += "\n";
    if (!result.connect_errors.empty()) {
        text += fmt::format("  connects     failed: {}\n", describe_connect_failures(result));
    }
    return text;
}

}  // namespace iophase::load
