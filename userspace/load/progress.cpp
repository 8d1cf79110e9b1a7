#include "load/progress.h"

#include <fmt/format.h>

#include <algorithm>

namespace iophase::load {

namespace {

constexpr int kBarWidth = 30;

std::string bar(double fraction) {
    const int filled = static_cast<int>(std::clamp(fraction, 0.0, 1.0) * kBarWidth);
    return fmt::format("[{}{}]", std::string(static_cast<std::size_t>(filled), '#'),
                       std::string(static_cast<std::size_t>(kBarWidth - filled), '.'));
}

}  // namespace

std::string render_progress_line(const Options &options, const ProgressSnapshot &snapshot) {
    const double duration_s = options.duration_s > 0  ? options.duration_s
                              : options.messages == 0 ? kDefaultDurationS
                                                      : 0.0;
    const double elapsed_s = std::max(snapshot.elapsed_s, 1e-9);
    if (options.mode == Mode::Echo) {
        const double fraction = duration_s > 0 ? snapshot.elapsed_s / duration_s
                                               : static_cast<double>(snapshot.messages) /
                                                     static_cast<double>(options.messages);
        return fmt::format("{} {:5.1f} s  {} msgs  {:.0f} msgs/s", bar(fraction),
                           snapshot.elapsed_s, snapshot.messages,
                           static_cast<double>(snapshot.messages) / elapsed_s);
    }
    const std::uint64_t moved =
        options.mode == Mode::Upload ? snapshot.bytes_sent : snapshot.bytes_received;
    const double fraction =
        duration_s > 0
            ? snapshot.elapsed_s / duration_s
            : static_cast<double>(moved) /
                  (static_cast<double>(options.messages) *
                   static_cast<double>(std::max<std::size_t>(options.transfer_bytes, 1)));
    return fmt::format("{} {:.1f} MB {}  {:.1f} MB/s  {:.1f} s", bar(fraction),
                       static_cast<double>(moved) / 1e6,
                       options.mode == Mode::Upload ? "sent" : "received",
                       static_cast<double>(moved) / 1e6 / elapsed_s, snapshot.elapsed_s);
}

}  // namespace iophase::load
