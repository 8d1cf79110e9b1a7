// The human-readable report printed at the end of `iophase trace` (and every --interval):
// per process the I/O model with its evidence, the time budget with bars, the top syscalls
// and their phases, optionally per-thread budgets; then the health of the measurement.
// Fits 100 columns.
#pragma once

#include <string>

#include "model/report.h"

namespace iophase {

struct TextOptions {
    bool threads = false;    // per-thread budget rows
    int top_syscalls = 10;   // rows in the syscall table (<= 0: all)
    bool color = false;      // ANSI colors for bars and labels
    int max_processes = 10;  // processes shown in full (roots first, then by time; <= 0: all)
};

std::string render_text(const Report &report, const TextOptions &options);

}  // namespace iophase
