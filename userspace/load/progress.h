// The one-line progress display redrawn while a load runs on a terminal.
#pragma once

#include <cstdint>
#include <string>

#include "load/load.h"

namespace iophase::load {

struct ProgressSnapshot {
    double elapsed_s = 0;
    std::uint64_t messages = 0;
    std::uint64_t bytes_sent = 0;
    std::uint64_t bytes_received = 0;
};

// Echo: messages and elapsed time; upload/download: bytes transferred and their rate.
// The bar fills by time (duration) or by messages/bytes (message count).
std::string render_progress_line(const Options &options, const ProgressSnapshot &snapshot);

}  // namespace iophase::load
