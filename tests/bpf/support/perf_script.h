// Reading the stacks `perf script -F ip,sym` prints for a `perf record -g` profile: how many
// samples were the task's own work inside a given kernel function.
#pragma once

#include <cstdint>
#include <string>

namespace bpftest {

struct PerfSampleCount {
    std::uint64_t samples = 0;      // every sample of the profile
    std::uint64_t in_function = 0;  // those inside `function`, not in an interrupt on top of it
};

// A sample is a block of "ADDRESS SYMBOL" lines, the sampled instruction first, blocks apart
// by blank lines. It is in `function` when the function is on its stack and no interrupt
// entry (asm_sysvec_*, asm_common_interrupt) lies between it and the sampled instruction.
PerfSampleCount count_perf_samples(const std::string &script, const std::string &function);

}  // namespace bpftest
