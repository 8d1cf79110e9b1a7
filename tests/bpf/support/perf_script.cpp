#include "support/perf_script.h"

#include <sstream>

namespace bpftest {

namespace {

bool is_interrupt_entry(const std::string &symbol) {
    return symbol.starts_with("asm_sysvec_") || symbol == "asm_common_interrupt";
}

}  // namespace

PerfSampleCount count_perf_samples(const std::string &script, const std::string &function) {
    PerfSampleCount count;
    std::istringstream lines(script);
    std::string line;
    bool in_sample = false;
    bool interrupted = false;  // an interrupt entry seen above the frames read so far
    bool counted = false;
    while (std::getline(lines, line)) {
        std::istringstream words(line);
        std::string address;
        std::string symbol;
        if (!(words >> address >> symbol)) {
            in_sample = false;  // a blank line ends the sample
            continue;
        }
        if (!in_sample) {
            in_sample = true;
            interrupted = false;
            counted = false;
            ++count.samples;
        }
        if (is_interrupt_entry(symbol)) {
            interrupted = true;
        } else if (symbol == function && !interrupted && !counted) {
            counted = true;
            ++count.in_function;
        }
    }
    return count;
}

}  // namespace bpftest
