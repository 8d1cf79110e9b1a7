#include "cli/validators.h"

#include <sys/types.h>

#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <string>

#include <fmt/format.h>

namespace iophase::cli {
namespace {

// The value of `text` if it is a finite number (CLI11's parser also reads "nan" and "inf").
std::optional<double> finite_number(const std::string &text) {
    double value = 0;
    if (!CLI::detail::lexical_cast(text, value) || !std::isfinite(value)) {
        return std::nullopt;
    }
    return value;
}

}  // namespace

CLI::Validator seconds_value() {
    return CLI::Validator(
        [](std::string &text) -> std::string {
            const auto value = finite_number(text);
            if (!value || *value <= 0) {
                return fmt::format("'{}' is not a number of seconds > 0 (e.g. 5 or 0.5)", text);
            }
            if (*value > kMaxSeconds) {
                return fmt::format("{} s is too long: at most {} s (about 31 years)", text,
                                   static_cast<long long>(kMaxSeconds));
            }
            return {};
        },
        "SECONDS");
}

CLI::Validator number_at_least(double low, bool inclusive) {
    const std::string rule = inclusive ? fmt::format(">= {:g}", low) : fmt::format("> {:g}", low);
    return CLI::Validator(
        [low, inclusive, rule](std::string &text) -> std::string {
            const auto value = finite_number(text);
            if (!value || *value < low || (!inclusive && *value == low)) {
                return fmt::format("'{}' is not a number {}", text, rule);
            }
            return {};
        },
        "NUMBER" + rule);
}

CLI::Validator process_id() {
    return CLI::Validator(
        [](std::string &text) -> std::string {
            long long value = 0;
            const char *end = text.data() + text.size();
            const auto [stop, error] = std::from_chars(text.data(), end, value);
            if (error != std::errc() || stop != end || value < 1 ||
                value > std::numeric_limits<pid_t>::max()) {
                return fmt::format("'{}' is not a process id (a whole number from 1, e.g. 1234)",
                                   text);
            }
            return {};
        },
        "PID");
}

CLI::Validator output_path() {
    return CLI::Validator(
        [](std::string &text) -> std::string {
            return text.empty() ? "an empty path: give a file name, or - for stdout"
                                : std::string();
        },
        "FILE");
}

}  // namespace iophase::cli
