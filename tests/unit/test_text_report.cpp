// The text report: what a reader must find in it (label, evidence, numbers, percentages,
// bars, the syscall table, thread rows, health) and that it fits 100 columns.
#include <gtest/gtest.h>

#include <sstream>

#include "model/classify.h"
#include "model/format_numbers.h"
#include "report/text_report.h"
#include "sample/sample_report.h"

namespace iophase {
namespace {

using sample::call;
using sample::kSecond;
using sample::mux;

Report classified_sample() {
    Report r = sample::make_sample_report();
    classify_all(r);
    return r;
}

bool contains(const std::string &text, const std::string &part) {
    return text.find(part) != std::string::npos;
}

// The line of `text` that contains `part` (empty if none).
std::string line_with(const std::string &text, const std::string &part) {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (contains(line, part)) {
            return line;
        }
    }
    return {};
}

// The line of `text` that starts with `prefix` (empty if none).
std::string line_starting(const std::string &text, const std::string &prefix) {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (line.rfind(prefix, 0) == 0) {
            return line;
        }
    }
    return {};
}

// Display width: UTF-8 continuation bytes take no column.
std::size_t columns(const std::string &line) {
    std::size_t n = 0;
    for (unsigned char c : line) {
        n += (c & 0xC0) != 0x80;
    }
    return n;
}

std::size_t count_of(const std::string &text, const std::string &part) {
    std::size_t n = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) {
        ++n;
    }
    return n;
}

TEST(TextReport, NumberFormatting) {
    EXPECT_EQ(with_commas(0), "0");
    EXPECT_EQ(with_commas(999), "999");
    EXPECT_EQ(with_commas(4812), "4,812");
    EXPECT_EQ(with_commas(1'234'567), "1,234,567");
    EXPECT_EQ(counted(1, "call"), "1 call");
    EXPECT_EQ(counted(4812, "call"), "4,812 calls");
    EXPECT_EQ(counted(2, "process"), "2 processes");
    EXPECT_EQ(percent(92, 100), "92%");
    EXPECT_EQ(percent(0.5, 100), "<1%");
    EXPECT_EQ(percent(1, 0), "0%");
    EXPECT_EQ(human_duration(850), "850 ns");
    EXPECT_EQ(human_duration(12'500), "12.5 us");
    EXPECT_EQ(human_duration(4'560'000), "4.56 ms");
    EXPECT_EQ(human_duration(1'234'000'000), "1.234 s");
}

TEST(TextReport, HeaderLabelAndEvidence) {
    const Report r = classified_sample();
    const std::string text = render_text(r, {});
    EXPECT_TRUE(contains(text, "kernel 6.18.0-test")) << text;
    EXPECT_TRUE(contains(text, "traced 10.000 s")) << text;
    EXPECT_TRUE(contains(text, "pid 100  demo-epoll-et  ./demo-epoll-et --port 9000")) << text;
    EXPECT_TRUE(contains(line_with(text, "pid 301"), "(exited)")) << text;
    EXPECT_FALSE(contains(line_with(text, "pid 100"), "(exited)")) << text;
    EXPECT_TRUE(contains(text, "forked by pid 300")) << text;
    EXPECT_TRUE(contains(text, "I/O model: epoll-et")) << text;
    EXPECT_TRUE(contains(text, "I/O model: thread-per-connection")) << text;
    for (const ProcessReport &p : r.processes) {
        for (const std::string &sentence : p.io_model.evidence) {
            EXPECT_TRUE(contains(text, "· " + sentence)) << sentence;
        }
    }
    EXPECT_TRUE(contains(text, "epoll_ctl: 51 with EPOLLET, 0 without")) << text;
}

TEST(TextReport, BudgetRowsShowSecondsPercentAndBars) {
    Report r;
    r.duration_ns = 10 * kSecond;
    ProcessReport p;
    p.pid = 7;
    p.comm = "srv";
    Budget &b = p.budget;
    b.user_ns = 2 * kSecond;
    b.kernel_copy_ns = kSecond / 2;
    b.kernel_other_ns = kSecond / 2;
    b.blocked_by = {{"epoll_wait", 6 * kSecond}, {"futex", kSecond / 2}};
    b.blocked_ns = 6 * kSecond + kSecond / 2;
    b.runq_ns = kSecond / 2;
    b.wall_ns = b.accounted_ns();
    r.processes.push_back(p);
    const std::string text = render_text(r, {});

    const std::string user = line_with(text, "user CPU");
    EXPECT_TRUE(contains(user, "2.000 s")) << user;
    EXPECT_TRUE(contains(user, "20.0%")) << user;
    EXPECT_EQ(count_of(user, "█"), 8u) << user;  // 20% of a 40-cell bar
    const std::string blocked = line_with(text, "  blocked ");
    EXPECT_TRUE(contains(blocked, "6.500 s")) << blocked;
    EXPECT_TRUE(contains(blocked, "65.0%")) << blocked;
    EXPECT_EQ(count_of(blocked, "█"), 26u) << blocked;
    const std::string epoll = line_with(text, "in epoll_wait");
    EXPECT_TRUE(contains(epoll, "60.0%")) << epoll;
    EXPECT_EQ(count_of(epoll, "█"), 24u) << epoll;
    // Reasons are sorted by time: epoll_wait comes before futex.
    EXPECT_LT(text.find("in epoll_wait"), text.find("in futex"));
    const std::string copy = line_with(text, "kernel copy");
    EXPECT_TRUE(contains(copy, "5.0%")) << copy;
    EXPECT_EQ(count_of(copy, "█"), 2u) << copy;
    EXPECT_TRUE(contains(line_with(text, "run queue"), "5.0%")) << text;
    // The invariant holds: no warning in the health section.
    EXPECT_FALSE(contains(text, "add up to")) << text;
}

TEST(TextReport, BudgetThatDoesNotAddUpIsFlagged) {
    Report r;
    ProcessReport p;
    p.pid = 8;
    p.budget.wall_ns = 10 * kSecond;
    p.budget.user_ns = 9 * kSecond;
    r.processes.push_back(p);
    const std::string text = render_text(r, {});
    EXPECT_TRUE(contains(text, "pid 8: budget buckets add up to 90.0% of wall")) << text;
}

TEST(TextReport, SyscallTableWithPhasesAndMultiplexerColumns) {
    Report r;
    r.duration_ns = 10 * kSecond;
    std::vector<SyscallStats> calls = {
        mux("epoll_wait", 4812, 9'200'000'000ULL, 4812 * 51, 4812 * 3, 12),
        sample::with_bytes(
            sample::with_eagain(call("recvfrom", "socket", 19'248, 0, 40'000'000), 4812),
            3 * 1024 * 1024, 10'000'000)};
    r.processes.push_back(sample::process(9, "ep", {sample::thread(9, "ep", calls)}));
    const std::string text = render_text(r, {});

    const std::string epoll = line_starting(text, "  epoll_wait ");
    EXPECT_TRUE(contains(epoll, "4,812")) << text;
    // 9.2 s wait + 4812 * 1.5 us kernel over 4812 calls.
    EXPECT_TRUE(contains(epoll, "1.91 ms")) << epoll;
    EXPECT_TRUE(contains(epoll, "99.9%")) << epoll;
    EXPECT_TRUE(contains(text,
                         "fds asked 51.0/call, ready 3.0/call (17.0 asked per ready), 12 "
                         "timeouts"))
        << text;
    const std::string recv = line_starting(text, "  recvfrom ");
    EXPECT_TRUE(contains(recv, "socket")) << recv;
    EXPECT_TRUE(contains(recv, "19,248")) << recv;
    EXPECT_TRUE(contains(recv, "3.0 MiB")) << recv;
    EXPECT_TRUE(contains(recv, "4,812")) << recv;  // eagain
    EXPECT_TRUE(contains(recv, "20.0%")) << recv;  // copy share: 10 ms of 50 ms
    EXPECT_TRUE(contains(recv, "80.0%")) << recv;  // kernel share
    // Sorted by time: epoll_wait first.
    EXPECT_LT(text.find("\n  epoll_wait "), text.find("\n  recvfrom "));
}

TEST(TextReport, TopSyscallsLimitsTheRows) {
    Report r;
    std::vector<SyscallStats> calls;
    for (int i = 0; i < 6; ++i) {
        calls.push_back(call("call" + std::to_string(i), "", 10, 0, (i + 1) * 1000));
    }
    r.processes.push_back(sample::process(9, "p", {sample::thread(9, "p", calls)}));
    TextOptions options;
    options.top_syscalls = 2;
    const std::string text = render_text(r, options);
    EXPECT_TRUE(contains(text, "call5 ")) << text;
    EXPECT_TRUE(contains(text, "call4 ")) << text;
    EXPECT_FALSE(contains(text, "call3 ")) << text;
    EXPECT_TRUE(contains(text, "and 4 more syscalls (40 calls)")) << text;
}

TEST(TextReport, IoUringOperationsAndSignals) {
    const std::string text = render_text(classified_sample(), {});
    const std::string recv = line_starting(text, "  recv ");
    EXPECT_TRUE(contains(recv, "3,000")) << text;
    EXPECT_TRUE(contains(recv, "2.00 ms")) << recv;  // lifetime
    EXPECT_TRUE(contains(recv, "1.90 ms")) << recv;  // readiness wait
    EXPECT_TRUE(contains(recv, "187.5 KiB")) << recv;
    EXPECT_TRUE(contains(text, "completed inline 10, task work 2,990, io-wq 0")) << text;
    EXPECT_TRUE(contains(text,
                         "Readiness signals: 750 generated (50 coalesced, 0 lost to queue "
                         "overflow), 700 taken"))
        << text;
    EXPECT_TRUE(contains(text, "generated -> taken 12.0 us avg (650 samples)")) << text;
    // Processes without io_uring or signals get no such section.
    Report plain = classified_sample();
    plain.processes.resize(1);
    const std::string plain_text = render_text(plain, {});
    EXPECT_FALSE(contains(plain_text, "io_uring operations")) << plain_text;
    EXPECT_FALSE(contains(plain_text, "Readiness signals")) << plain_text;
}

TEST(TextReport, ThreadRowsOnlyWhenAsked) {
    const Report r = classified_sample();
    EXPECT_FALSE(contains(render_text(r, {}), "Threads "));
    TextOptions options;
    options.threads = true;
    const std::string text = render_text(r, options);
    const std::string helper = line_with(text, "  101 ");
    EXPECT_TRUE(contains(helper, "stats")) << text;
    EXPECT_TRUE(contains(helper, "futex")) << helper;
    EXPECT_TRUE(contains(helper, "95.0%")) << helper;  // 9.5 s of 10 s blocked
    EXPECT_TRUE(contains(line_with(text, "  203 "), "✝")) << text;
    EXPECT_TRUE(contains(text, "exited during the trace")) << text;
}

TEST(TextReport, HealthSection) {
    const std::string text = render_text(classified_sample(), {});
    EXPECT_TRUE(contains(text, "Measurement health")) << text;
    EXPECT_TRUE(contains(text, "unavailable: io_uring operation lifetimes")) << text;
    EXPECT_TRUE(contains(text, "map-full drops: 2")) << text;
    EXPECT_TRUE(contains(render_text(Report{}, {}), "every measurement available"));
    EXPECT_TRUE(contains(render_text(Report{}, {}), "no processes were traced"));
}

TEST(TextReport, TimelineDropsInIophaseAreShown) {
    Report r = classified_sample();
    r.health.timeline_userspace_drops = 1234;
    EXPECT_TRUE(contains(render_text(r, {}), "timeline events dropped by iophase: 1,234"));
    r.health.timeline_userspace_drops = 0;
    EXPECT_FALSE(contains(render_text(r, {}), "dropped by iophase"));
}

// A name with a newline or an ESC would split the header or drive the terminal.
TEST(TextReport, ControlBytesAndBrokenUtf8InNamesAreEscaped) {
    Report r;
    ProcessReport p;
    p.pid = 77;
    p.comm = "evil\n\x1b[2Jx";
    p.cmdline = std::string("./evil --title \x1b]0;pwned\x07 ") + '\xff';
    ThreadReport thread;
    thread.tid = 78;
    thread.comm = "t\rab";
    p.threads.push_back(thread);
    r.processes.push_back(p);
    TextOptions options;
    options.threads = true;
    const std::string text = render_text(r, options);
    EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
    EXPECT_EQ(text.find('\r'), std::string::npos) << text;
    EXPECT_EQ(text.find('\x07'), std::string::npos) << text;
    EXPECT_EQ(text.find('\xff'), std::string::npos) << text;
    const std::string head = line_with(text, "pid 77");
    EXPECT_TRUE(contains(head, "evil\\n\\x1b[2Jx")) << text;
    EXPECT_TRUE(contains(head, "\\x1b]0;pwned\\x07 \\xff")) << text;
    EXPECT_TRUE(contains(line_with(text, "  78 "), "t\\rab")) << text;
}

TEST(TextReport, HowTheCommandEnded) {
    Report r;
    r.command = CommandExit{42, 3, std::nullopt, false};
    EXPECT_TRUE(contains(render_text(r, {}), "command pid 42: exited with status 3"));
    r.command = CommandExit{42, std::nullopt, 11, false};
    EXPECT_TRUE(contains(render_text(r, {}), "command pid 42: killed by SIGSEGV"));
    r.command = CommandExit{42, std::nullopt, 15, true};
    EXPECT_TRUE(
        contains(render_text(r, {}), "still running when the trace ended, stopped by SIGTERM"));
    EXPECT_FALSE(contains(render_text(Report{}, {}), "command pid"));
}

TEST(TextReport, LongEvidenceCmdlineAndHealthAreWrappedOrCut) {
    Report r = classified_sample();
    r.processes[0].cmdline = "/a/very/long/path/to/the/server " + std::string(120, 'x');
    r.processes[0].io_model.evidence.push_back(
        "EPOLLET inferred (no epoll_ctl seen: fds registered before attach): recv hit EAGAIN "
        "5,963 times for 5,956 ready fds, the drain-until-EAGAIN of edge-triggered servers");
    r.health.unavailable.push_back(
        "copy phase of output (send/write): no tracepoint marks it, so it is part of kernel_ns "
        "/ kernel_other_ns");
    const std::string text = render_text(r, {});
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        EXPECT_LE(columns(line), 100u) << line;
    }
    EXPECT_TRUE(contains(line_with(text, "pid 100"), "/a/very/long/path")) << text;
    EXPECT_TRUE(contains(line_with(text, "pid 100"), "…")) << text;
    // Wrapped, not lost: the words of the long sentence are all there, in order.
    EXPECT_TRUE(contains(text, "the drain-until-EAGAIN of")) << text;
    EXPECT_TRUE(contains(text, "\n    ")) << text;  // a continuation line
    EXPECT_TRUE(contains(text, "kernel_other_ns")) << text;
}

TEST(TextReport, EpollWithUnknownRegisteredFds) {
    Report r;
    r.processes.push_back(sample::process(
        9, "ep", {sample::thread(9, "ep", {mux("epoll_wait", 884, 64'000'000, 0, 5956)})}));
    const std::string text = render_text(r, {});
    EXPECT_TRUE(contains(text, "fds ready 6.7/call (fds registered before attach: unknown)"))
        << text;
    EXPECT_FALSE(contains(text, "fds asked 0.0")) << text;
}

TEST(TextReport, FitsOneHundredColumnsAndColorIsOptional) {
    TextOptions options;
    options.threads = true;
    const std::string text = render_text(classified_sample(), options);
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        EXPECT_LE(columns(line), 100u) << line;
    }
    EXPECT_FALSE(contains(text, "\033[")) << "no escape codes without color";
    options.color = true;
    const std::string colored = render_text(classified_sample(), options);
    EXPECT_TRUE(contains(colored, "\033[1m")) << colored;
    EXPECT_TRUE(contains(colored, "\033[0m")) << colored;
}

}  // namespace
}  // namespace iophase

namespace iophase {
namespace {

TEST(TextReport, ManyProcessesAreFoldedAfterTheRootsAndTheBusiest) {
    Report r;
    for (pid_t pid = 100; pid < 115; ++pid) {
        ProcessReport p;
        p.pid = pid;
        p.parent_pid = pid == 100 ? 0 : 100;  // one root, fourteen children
        p.comm = "srv";
        p.budget.wall_ns = static_cast<std::uint64_t>(pid) * 1'000'000;
        p.budget.user_ns = p.budget.wall_ns;
        p.exited = pid % 2 == 0;
        r.processes.push_back(p);
    }
    TextOptions options;
    options.max_processes = 4;
    const std::string text = render_text(r, options);
    EXPECT_TRUE(text.find("pid 100 ") != std::string::npos);  // the root, though least busy
    EXPECT_TRUE(text.find("pid 114 ") != std::string::npos);  // the busiest children
    EXPECT_TRUE(text.find("pid 112 ") != std::string::npos);
    EXPECT_TRUE(text.find("pid 111 ") == std::string::npos);  // folded
    EXPECT_TRUE(text.find("… and 11 more processes (") != std::string::npos) << text;

    options.max_processes = 0;
    EXPECT_TRUE(render_text(r, options).find("more (") == std::string::npos);
}

}  // namespace
}  // namespace iophase
