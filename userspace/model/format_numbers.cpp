#include "model/format_numbers.h"

#include <fmt/format.h>

#include <cmath>

namespace iophase {

std::string with_commas(std::uint64_t value) {
    std::string digits = std::to_string(value);
    std::string out;
    out.reserve(digits.size() + digits.size() / 3);
    const std::size_t lead = digits.size() % 3;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i != 0 && (i + 3 - lead) % 3 == 0) {
            out.push_back(',');
        }
        out.push_back(digits[i]);
    }
    return out;
}

std::string counted(std::uint64_t n, std::string_view noun) {
    std::string out = with_commas(n) + " " + std::string(noun);
    if (n != 1) {
        out += noun.ends_with('s') ? "es" : "s";
    }
    return out;
}

std::string percent(double part, double whole) {
    if (whole <= 0 || part <= 0) {
        return "0%";
    }
    const double pct = 100.0 * part / whole;
    if (pct < 1.0) {
        return "<1%";
    }
    return fmt::format("{:.0f}%", std::floor(pct + 0.5));
}

std::string human_duration(double ns) {
    if (ns < 1e3) {
        return fmt::format("{:.0f} ns", ns);
    }
    if (ns < 1e6) {
        return fmt::format("{:.1f} us", ns / 1e3);
    }
    if (ns < 1e9) {
        return fmt::format("{:.2f} ms", ns / 1e6);
    }
    return fmt::format("{:.3f} s", ns / 1e9);
}

}  // namespace iophase
