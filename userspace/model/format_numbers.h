// Number formatting shared by the classifier's evidence sentences and the text renderer, so
// the same quantity reads the same everywhere ("4,812", "92%", "1.234 s", "12.5 us").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace iophase {

// 4812 -> "4,812".
std::string with_commas(std::uint64_t value);

// A count with its noun, plural when needed: (1, "call") -> "1 call", (4812, "call") ->
// "4,812 calls", (2, "process") -> "2 processes".
std::string counted(std::uint64_t n, std::string_view noun);

// part / whole as a whole-number percent ("92%"); "0%" when whole is 0. Shares under 1% that
// are not zero read "<1%" so they are not mistaken for nothing.
std::string percent(double part, double whole);

// A duration in the unit that keeps 3-4 significant digits: "850 ns", "12.5 us", "4.56 ms",
// "1.234 s".
std::string human_duration(double ns);

}  // namespace iophase
