#include "report/text_report.h"

#include <string.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <string_view>

#include "model/format_numbers.h"
#include "report/name_escape.h"

namespace iophase {
namespace {

constexpr int kBarWidth = 40;  // cells for 100%

// ANSI colors, only used with options.color.
constexpr std::string_view kReset = "\033[0m";
constexpr std::string_view kBold = "\033[1m";
constexpr std::string_view kGreen = "\033[32m";
constexpr std::string_view kCyan = "\033[36m";
constexpr std::string_view kYellow = "\033[33m";
constexpr std::string_view kBlue = "\033[34m";
constexpr std::string_view kRed = "\033[31m";
constexpr std::string_view kNoColor = "";

double pct(std::uint64_t part, std::uint64_t whole) {
    return whole > 0 ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0;
}

// Full blocks plus one eighth-block for the remainder, so small shares still show.
std::string bar(double percent_value) {
    static constexpr std::array<std::string_view, 8> kEighths = {"",  "▏", "▎", "▍",
                                                                 "▌", "▋", "▊", "▉"};
    const double cells = std::clamp(percent_value, 0.0, 100.0) / 100.0 * kBarWidth;
    const int full = static_cast<int>(std::floor(cells));
    const int eighths = static_cast<int>(std::lround((cells - full) * 8));
    std::string out;
    for (int i = 0; i < full; ++i) {
        out += "█";
    }
    if (eighths == 8) {
        out += "█";
    } else {
        out += kEighths[static_cast<std::size_t>(eighths)];
    }
    return out;
}

std::string human_bytes(std::uint64_t bytes) {
    if (bytes < 1024) {
        return fmt::format("{} B", bytes);
    }
    const double b = static_cast<double>(bytes);
    if (bytes < 1024 * 1024) {
        return fmt::format("{:.1f} KiB", b / 1024);
    }
    if (bytes < 1024ULL * 1024 * 1024) {
        return fmt::format("{:.1f} MiB", b / (1024 * 1024));
    }
    return fmt::format("{:.2f} GiB", b / (1024.0 * 1024 * 1024));
}

// The mean of `n` durations summing to `ns`, or "-" when there were none.
std::string average(std::uint64_t ns, std::uint64_t n) {
    return n > 0 ? human_duration(static_cast<double>(ns) / static_cast<double>(n))
                 : std::string("-");
}

std::string seconds(std::uint64_t ns) {
    return fmt::format("{:.3f} s", static_cast<double>(ns) / 1e9);
}

constexpr std::size_t kWidth = 100;  // columns the report must fit

// Display columns of UTF-8 text: continuation bytes take none.
std::size_t columns(std::string_view text) {
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
}

// `text` cut to `width` columns, with "…" when cut (cuts at a character boundary).
std::string fit(const std::string &text, std::size_t width) {
    if (columns(text) <= width) {
        return text;
    }
    std::string out;
    std::size_t used = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const bool starts_char = (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
        if (starts_char && ++used > width - 1) {
            break;
        }
        out.push_back(text[i]);
    }
    return out + "…";
}

// Words of `text` filled into lines of `kWidth` columns: the first starts with `first`,
// the others with `rest` (a hanging indent).
std::vector<std::string> wrap(const std::string &text, const std::string &first,
                              const std::string &rest) {
    std::vector<std::string> lines{first};
    bool line_empty = true;
    std::size_t at = 0;
    while (at < text.size()) {
        const std::size_t end = std::min(text.find(' ', at), text.size());
        const std::string word = text.substr(at, end - at);
        at = end + 1;
        if (word.empty()) {
            continue;
        }
        if (!line_empty && columns(lines.back()) + 1 + columns(word) > kWidth) {
            lines.push_back(rest);
            line_empty = true;
        }
        lines.back() += (line_empty ? "" : " ") + word;
        line_empty = false;
    }
    return lines;
}

// "SIGKILL", or "signal 64" for one without a name.
std::string signal_name(int signal) {
    const char *abbrev = sigabbrev_np(signal);
    return abbrev != nullptr ? fmt::format("SIG{}", abbrev) : fmt::format("signal {}", signal);
}

std::string describe_command(const CommandExit &command) {
    if (command.stopped_by_iophase) {
        return fmt::format("command pid {}: still running when the trace ended, stopped by {}",
                           command.pid, command.signal ? signal_name(*command.signal) : "iophase");
    }
    if (command.signal) {
        return fmt::format("command pid {}: killed by {}", command.pid,
                           signal_name(*command.signal));
    }
    return fmt::format("command pid {}: exited with status {}", command.pid,
                       command.exit_code.value_or(-1));
}

class TextWriter {
  public:
    explicit TextWriter(const TextOptions &options) : options_(options) {}

    std::string render(const Report &report) {
        line("iophase {} · kernel {} · started {} · traced {}", or_dash(report.iophase_version),
             or_dash(report.kernel), or_dash(report.started_at), seconds(report.duration_ns));
        if (report.command) {
            line("{}", describe_command(*report.command));
        }
        if (report.processes.empty()) {
            line("");
            line("no processes were traced");
        }
        // Roots first, then the processes that used the most time; a server that forks a
        // process per connection would otherwise print a page per connection.
        std::vector<const ProcessReport *> order;
        for (const ProcessReport &p : report.processes) {
            order.push_back(&p);
        }
        std::stable_sort(order.begin(), order.end(),
                         [](const ProcessReport *a, const ProcessReport *b) {
                             if ((a->parent_pid == 0) != (b->parent_pid == 0)) {
                                 return a->parent_pid == 0;
                             }
                             return a->budget.wall_ns > b->budget.wall_ns;
                         });
        const std::size_t shown =
            options_.max_processes > 0
                ? std::min(order.size(), static_cast<std::size_t>(options_.max_processes))
                : order.size();
        for (std::size_t i = 0; i < shown; ++i) {
            line("");
            process(*order[i]);
        }
        if (shown < order.size()) {
            std::uint64_t wall = 0;
            std::size_t exited = 0;
            for (std::size_t i = shown; i < order.size(); ++i) {
                wall += order[i]->budget.wall_ns;
                exited += order[i]->exited ? 1 : 0;
            }
            line("");
            const std::size_t hidden = order.size() - shown;
            line(
                "… and {} more {} ({} exited, {} of thread time in all): the JSON report "
                "has them all",
                with_commas(hidden), hidden == 1 ? "process" : "processes", exited, seconds(wall));
        }
        line("");
        health(report);
        return std::move(out_);
    }

  private:
    template <typename... Args>
    void line(fmt::format_string<Args...> format, Args &&...args) {
        out_ += fmt::format(format, std::forward<Args>(args)...);
        out_ += '\n';
    }

    void wrapped(const std::string &text, const std::string &first, const std::string &rest) {
        for (const std::string &l : wrap(text, first, rest)) {
            line("{}", l);
        }
    }

    static std::string or_dash(const std::string &s) { return s.empty() ? "-" : s; }

    std::string_view color(std::string_view code) const { return options_.color ? code : kNoColor; }

    void process(const ProcessReport &p) {
        const std::string head =
            fmt::format("━━ pid {}  {}", p.pid, or_dash(terminal_escaped(p.comm)));
        const std::string tail = p.exited ? "  (exited)" : "";
        const std::size_t room = kWidth - std::min(kWidth, columns(head) + columns(tail) + 2);
        line("{}{}{}{}{}", color(kBold), head,
             p.cmdline.empty() || room < 8 ? "" : "  " + fit(terminal_escaped(p.cmdline), room),
             tail, color(kReset));
        if (p.parent_pid != 0) {
            line("   forked by pid {} during the trace", p.parent_pid);
        }
        io_model(p.io_model);
        roles_section(p);
        line("");
        budget_section(p);
        line("");
        syscalls_section(p.syscalls);
        io_uring_section(p.io_uring);
        signals_section(p.signals);
        if (options_.threads) {
            line("");
            threads_section(p);
        }
    }

    void io_model(const IoModel &m) {
        line("I/O model: {}{}{}", color(kBold), m.label.empty() ? "unclassified" : m.label,
             color(kReset));
        for (const std::string &sentence : m.evidence) {
            wrapped(sentence, "  · ", "    ");
        }
    }

    // The thread roles, when there is more than one thread or a structure to name.
    void roles_section(const ProcessReport &p) {
        if (p.roles.empty() ||
            (p.roles.size() == 1 && p.roles[0].tids.size() == 1 && p.structure == "single")) {
            return;
        }
        line("Structure: {}{}", p.structure.empty() ? "serves no connection" : p.structure,
             p.ppid != 0 ? fmt::format("  (parent pid {})", p.ppid) : "");
        line("  {:<18} {:>7}  {:<16} {:>9} {:>7}", "role", "threads", "model", "I/O calls", "wall");
        for (const ThreadRole &r : p.roles) {
            line("  {:<18} {:>7}  {:<16} {:>8.1f}% {:>6.1f}%", r.role, with_commas(r.tids.size()),
                 r.model.empty() ? "-" : r.model, 100 * r.io_call_share, 100 * r.wall_share);
            for (const std::string &sentence : r.evidence) {
                wrapped(sentence, "      ", "        ");
            }
        }
    }

    void budget_row(std::string_view name, std::uint64_t ns, std::uint64_t wall,
                    std::string_view bar_color) {
        const double share = pct(ns, wall);
        line("  {:<22} {:>11} {:>6.1f}%  {}{}{}", name, seconds(ns), share, color(bar_color),
             bar(share), color(kReset));
    }

    void budget_section(const ProcessReport &p) {
        const Budget &b = p.budget;
        line("Time budget (wall {}, {} thread{})", seconds(b.wall_ns), p.threads.size(),
             p.threads.size() == 1 ? "" : "s");
        budget_row("user CPU", b.user_ns, b.wall_ns, kGreen);
        budget_row("kernel copy", b.kernel_copy_ns, b.wall_ns, kCyan);
        budget_row("kernel other", b.kernel_other_ns, b.wall_ns, kYellow);
        if (b.irq_ns() > 0) {
            budget_row("interrupts: net rx", b.irq_net_rx_ns, b.wall_ns, kYellow);
            budget_row("interrupts: other", b.irq_other_ns, b.wall_ns, kYellow);
        }
        if (b.stolen_ns > 0) {
            budget_row("stolen (hypervisor)", b.stolen_ns, b.wall_ns, kRed);
        }
        budget_row("blocked", b.blocked_ns, b.wall_ns, kBlue);
        std::vector<std::pair<std::string, std::uint64_t>> reasons(b.blocked_by.begin(),
                                                                   b.blocked_by.end());
        std::stable_sort(reasons.begin(), reasons.end(),
                         [](const auto &a, const auto &c) { return a.second > c.second; });
        for (const auto &[reason, ns] : reasons) {
            budget_row(fmt::format("  in {}", reason.substr(0, 17)), ns, b.wall_ns, kBlue);
        }
        budget_row("run queue", b.runq_ns, b.wall_ns, kRed);
    }

    void syscalls_section(const std::vector<SyscallStats> &syscalls) {
        if (syscalls.empty()) {
            line("Syscalls: none seen");
            return;
        }
        std::vector<const SyscallStats *> order;
        for (const SyscallStats &s : syscalls) {
            order.push_back(&s);
        }
        std::stable_sort(order.begin(), order.end(), [](const auto *a, const auto *c) {
            return a->total_ns != c->total_ns ? a->total_ns > c->total_ns : a->count > c->count;
        });
        const std::size_t shown =
            options_.top_syscalls > 0
                ? std::min(order.size(), static_cast<std::size_t>(options_.top_syscalls))
                : order.size();
        line("{:<36}{:>9}  {}", "Top syscalls by time", "per call",
             "───── share of time in the call ─────");
        line("  {:<15} {:<6} {:>9} {:>10} {:>6} {:>6} {:>6} {:>6} {:>10} {:>8}", "syscall", "fd",
             "calls", "avg", "wait", "runq", "copy", "kernel", "bytes", "eagain");
        for (std::size_t i = 0; i < shown; ++i) {
            syscall_row(*order[i]);
        }
        if (shown < order.size()) {
            std::uint64_t calls = 0;
            for (std::size_t i = shown; i < order.size(); ++i) {
                calls += order[i]->count;
            }
            line("  … and {} more syscalls ({} calls)", order.size() - shown, with_commas(calls));
        }
    }

    // Time inside a call that its wait/runq/copy/kernel shares leave out, when it is 1% or more.
    void outside_share_line(std::uint64_t ns, std::uint64_t total_ns, std::string_view what) {
        if (ns > 0 && pct(ns, total_ns) >= 1.0) {
            line("      {:.1f}% of the time in the call {} (not in the shares above)",
                 pct(ns, total_ns), what);
        }
    }

    void syscall_row(const SyscallStats &s) {
        const std::uint64_t calls = s.count + s.in_flight;
        const std::string avg = average(s.total_ns, calls);
        auto share = [&](std::uint64_t ns) { return fmt::format("{:.1f}%", pct(ns, s.total_ns)); };
        line("  {:<15} {:<6} {:>9} {:>10} {:>6} {:>6} {:>6} {:>6} {:>10} {:>8}",
             s.name.substr(0, 15), s.fd_kind.substr(0, 6), with_commas(s.count), avg,
             share(s.wait_ns), share(s.runq_ns), share(s.copy_ns), share(s.kernel_ns),
             human_bytes(s.bytes), with_commas(s.eagain));
        if (s.in_flight > 0) {
            line("      {} still in flight at the end (time so far included)",
                 counted(s.in_flight, "call"));
        }
        if (s.ready_samples > 0) {
            line(
                "      data ready after {} of waiting, back on CPU {} later, returned {} after "
                "ready (avg of {}; {} timed at the socket, the rest at the wakeup)",
                average(s.wait_for_data_ns, s.ready_samples), average(s.wakeup_ns, s.ready_samples),
                average(s.ready_to_exit_ns, s.ready_samples), counted(s.ready_samples, "call"),
                with_commas(s.ready_from_socket));
        }
        outside_share_line(s.irq_ns, s.total_ns, "was interrupt work");
        outside_share_line(s.stolen_ns, s.total_ns, "was stolen by the hypervisor");
        if (s.unfinished > 0) {
            line("      {} never returned: the thread exited inside (time included)",
                 counted(s.unfinished, "call"));
        }
        if (s.errors > s.eagain) {
            line("      {} other than EAGAIN", counted(s.errors - s.eagain, "error"));
        }
        if (s.multiplexer && s.count > 0 && s.fds_asked == 0 && s.fds_ready > 0) {
            // epoll counts registered fds from the epoll_ctl calls seen: none before attach.
            line("      fds ready {:.1f}/call (fds registered before attach: unknown), {} timeouts",
                 static_cast<double>(s.fds_ready) / static_cast<double>(s.count),
                 with_commas(s.timeouts));
        } else if (s.multiplexer && s.count > 0) {
            const double n = static_cast<double>(s.count);
            line("      fds asked {:.1f}/call, ready {:.1f}/call ({} asked per ready), {} timeouts",
                 static_cast<double>(s.fds_asked) / n, static_cast<double>(s.fds_ready) / n,
                 s.fds_ready > 0 ? fmt::format("{:.1f}", static_cast<double>(s.fds_asked) /
                                                             static_cast<double>(s.fds_ready))
                                 : std::string("-"),
                 with_commas(s.timeouts));
        }
    }

    void io_uring_section(const std::vector<IoUringOpStats> &ops) {
        if (ops.empty()) {
            return;
        }
        line("");
        line("{:<36}{:>10} {:^21}", "io_uring operations", "lifetime", "─ readiness wait ─");
        line("  {:<12} {:>9} {:>10} {:>10} {:>10} {:>10} {:>10} {:>8}", "opcode", "submitted",
             "completed", "avg", "count", "avg", "bytes", "errors");
        for (const IoUringOpStats &op : ops) {
            line("  {:<12} {:>9} {:>10} {:>10} {:>10} {:>10} {:>10} {:>8}", op.opcode.substr(0, 12),
                 with_commas(op.submitted), with_commas(op.completions),
                 average(op.lifetime_ns, op.completions), with_commas(op.ready_waits),
                 average(op.ready_wait_ns, op.ready_waits), human_bytes(op.bytes),
                 with_commas(op.errors));
            line(
                "      completed inline {}, task work {}, io-wq {}, elsewhere {}; {} punted to "
                "io-wq, {} cancelled",
                with_commas(op.completed_inline), with_commas(op.completed_task_work),
                with_commas(op.completed_iowq), with_commas(op.completed_elsewhere),
                with_commas(op.async_punts), with_commas(op.cancelled));
        }
    }

    void signals_section(const SignalStats &sig) {
        if (sig.generated == 0 && sig.taken == 0) {
            return;
        }
        line("");
        line("Readiness signals: {} generated ({} coalesced, {} lost to queue overflow), {} taken",
             with_commas(sig.generated), with_commas(sig.coalesced), with_commas(sig.overflow),
             with_commas(sig.taken));
        line("  generated -> taken {} avg ({} samples), taken -> next read {} avg ({} samples)",
             average(sig.delay_ns, sig.delay_samples), with_commas(sig.delay_samples),
             average(sig.to_read_ns, sig.to_read_samples), with_commas(sig.to_read_samples));
    }

    void threads_section(const ProcessReport &p) {
        line(
            "Threads                     wall    user  k.copy k.other blocked   runq  waits most "
            "in");
        std::vector<const ThreadReport *> order;
        for (const ThreadReport &t : p.threads) {
            order.push_back(&t);
        }
        std::stable_sort(order.begin(), order.end(),
                         [](const auto *a, const auto *c) { return a->tid < c->tid; });
        for (const ThreadReport *t : order) {
            const Budget &b = t->budget;
            std::string main_wait = "-";
            std::uint64_t most = 0;
            for (const auto &[reason, ns] : b.blocked_by) {
                if (ns > most) {
                    most = ns;
                    main_wait = reason;
                }
            }
            const std::string who = t->folded_threads > 0 ? fmt::format("×{}", t->folded_threads)
                                                          : std::to_string(t->tid);
            line("  {:<8} {:<12}{} {:>8.3f}s {:>6.1f}% {:>6.1f}% {:>6.1f}% {:>6.1f}% {:>5.1f}%  {}",
                 who, fit(terminal_escaped(t->comm), 12), t->exited ? "✝" : " ",
                 static_cast<double>(b.wall_ns) / 1e9, pct(b.user_ns, b.wall_ns),
                 pct(b.kernel_copy_ns, b.wall_ns), pct(b.kernel_other_ns, b.wall_ns),
                 pct(b.blocked_ns, b.wall_ns), pct(b.runq_ns, b.wall_ns), main_wait);
        }
        if (std::any_of(order.begin(), order.end(), [](const auto *t) { return t->exited; })) {
            line("  (✝ exited during the trace)");
        }
    }

    void health(const Report &report) {
        line("Measurement health");
        if (report.health.unavailable.empty()) {
            line("  every measurement available");
        }
        for (const std::string &missing : report.health.unavailable) {
            wrapped(missing, "  unavailable: ", "    ");
        }
        const TraceHealth &h = report.health;
        line("  map-full drops: {}   ring-buffer drops: {}   events missed: {}",
             with_commas(h.map_full_drops), with_commas(h.ringbuf_drops),
             with_commas(h.events_missed));
        if (h.thread_rows_folded > 0 || h.thread_rows_lost > 0) {
            line(
                "  exited threads: {} folded into one row per process, {} rows lost (their time "
                "is in the process budget)",
                with_commas(h.thread_rows_folded), with_commas(h.thread_rows_lost));
        }
        if (h.timeline_userspace_drops > 0) {
            line("  timeline events dropped by iophase: {} (not in the --timeline file)",
                 with_commas(h.timeline_userspace_drops));
        }
        for (const ProcessReport &p : report.processes) {
            // The budget invariant is what makes the numbers trustworthy; flag a miss > 1%.
            const std::uint64_t wall = p.budget.wall_ns;
            const std::uint64_t accounted = p.budget.accounted_ns();
            const std::uint64_t diff = wall > accounted ? wall - accounted : accounted - wall;
            if (wall > 0 && diff * 100 > wall) {
                line("  pid {}: budget buckets add up to {:.1f}% of wall (expected 100%)", p.pid,
                     pct(accounted, wall));
            }
        }
    }

    const TextOptions &options_;
    std::string out_;
};

}  // namespace

std::string render_text(const Report &report, const TextOptions &options) {
    return TextWriter(options).render(report);
}

}  // namespace iophase
