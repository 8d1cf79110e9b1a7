// Budget and syscall-statistics arithmetic, and the log2 histogram slot rule.
#include <gtest/gtest.h>

#include <limits>
#include <random>

#include "model/report.h"

namespace iophase {
namespace {

Budget make_budget(std::uint64_t scale) {
    Budget b;
    b.user_ns = 1 * scale;
    b.kernel_copy_ns = 2 * scale;
    b.kernel_other_ns = 3 * scale;
    b.blocked_by = {{"epoll_wait", 4 * scale}, {"none", 5 * scale}};
    b.blocked_ns = 9 * scale;
    b.runq_ns = 6 * scale;
    b.wall_ns = b.accounted_ns();
    return b;
}

TEST(Budget, AddSumsEveryBucketAndMergesBlockedReasons) {
    Budget a = make_budget(10);
    Budget b = make_budget(1000);
    b.blocked_by["recvfrom"] = 7;
    b.blocked_ns += 7;
    b.wall_ns += 7;
    a += b;
    EXPECT_EQ(a.user_ns, 1010u);
    EXPECT_EQ(a.kernel_copy_ns, 2020u);
    EXPECT_EQ(a.kernel_other_ns, 3030u);
    EXPECT_EQ(a.blocked_ns, 9097u);
    EXPECT_EQ(a.runq_ns, 6060u);
    EXPECT_EQ(a.blocked_by.at("epoll_wait"), 4040u);
    EXPECT_EQ(a.blocked_by.at("none"), 5050u);
    EXPECT_EQ(a.blocked_by.at("recvfrom"), 7u);
    EXPECT_EQ(a.blocked_by.size(), 3u);
    // Sums of budgets that hold the invariant hold it too.
    EXPECT_EQ(a.wall_ns, a.accounted_ns());
    std::uint64_t reasons = 0;
    for (const auto &[reason, ns] : a.blocked_by) {
        reasons += ns;
    }
    EXPECT_EQ(reasons, a.blocked_ns);
}

TEST(Budget, OnCpuAndAccounted) {
    const Budget b = make_budget(1);
    EXPECT_EQ(b.on_cpu_ns(), 6u);
    EXPECT_EQ(b.accounted_ns(), 21u);
}

TEST(Budget, AddingToItselfDoubles) {
    Budget b = make_budget(3);
    const Budget copy = b;
    b += copy;
    EXPECT_EQ(b.wall_ns, 2 * copy.wall_ns);
    EXPECT_EQ(b.blocked_by.at("epoll_wait"), 2 * copy.blocked_by.at("epoll_wait"));
}

SyscallStats make_stats(const std::string &name, std::uint64_t scale) {
    SyscallStats s;
    s.name = name;
    s.fd_kind = "socket";
    s.count = 1 * scale;
    s.in_flight = 2 * scale;
    s.errors = 3 * scale;
    s.eagain = 4 * scale;
    s.wait_ns = 5 * scale;
    s.runq_ns = 6 * scale;
    s.copy_ns = 7 * scale;
    s.kernel_ns = 8 * scale;
    s.total_ns = s.wait_ns + s.runq_ns + s.copy_ns + s.kernel_ns;
    s.bytes = 9 * scale;
    s.hist_log2_ns[3] = scale;
    s.hist_log2_ns[kHistSlots - 1] = 2 * scale;
    s.fds_asked = 10 * scale;
    s.fds_ready = 11 * scale;
    s.timeouts = 12 * scale;
    return s;
}

TEST(SyscallStats, AddSumsEveryCounterAndHistogramSlot) {
    SyscallStats a = make_stats("recvfrom", 1);
    a += make_stats("recvfrom", 100);
    EXPECT_EQ(a.name, "recvfrom");
    EXPECT_EQ(a.count, 101u);
    EXPECT_EQ(a.in_flight, 202u);
    EXPECT_EQ(a.errors, 303u);
    EXPECT_EQ(a.eagain, 404u);
    EXPECT_EQ(a.wait_ns, 505u);
    EXPECT_EQ(a.runq_ns, 606u);
    EXPECT_EQ(a.copy_ns, 707u);
    EXPECT_EQ(a.kernel_ns, 808u);
    EXPECT_EQ(a.total_ns, 505u + 606 + 707 + 808);
    EXPECT_EQ(a.bytes, 909u);
    EXPECT_EQ(a.hist_log2_ns[3], 101u);
    EXPECT_EQ(a.hist_log2_ns[kHistSlots - 1], 202u);
    EXPECT_EQ(a.hist_log2_ns[0], 0u);
    EXPECT_EQ(a.fds_asked, 1010u);
    EXPECT_EQ(a.fds_ready, 1111u);
    EXPECT_EQ(a.timeouts, 1212u);
}

TEST(SyscallStats, MultiplexerFlagIsOred) {
    SyscallStats plain = make_stats("read", 1);
    SyscallStats muxed = make_stats("poll", 1);
    muxed.multiplexer = true;
    SyscallStats sum = plain;
    sum += muxed;
    EXPECT_TRUE(sum.multiplexer);
    muxed += plain;
    EXPECT_TRUE(muxed.multiplexer);
    plain += make_stats("read", 2);
    EXPECT_FALSE(plain.multiplexer);
}

TEST(SyscallStats, EmptyLeftSideTakesTheNameAndKind) {
    SyscallStats sum;
    sum += make_stats("sendto", 1);
    EXPECT_EQ(sum.name, "sendto");
    EXPECT_EQ(sum.fd_kind, "socket");
    EXPECT_EQ(sum.count, 1u);
}

}  // namespace
}  // namespace iophase
