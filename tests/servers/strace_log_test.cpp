// The strace log reader and the count comparison, on inputs written by hand: every form of
// line strace -f -ttt -T -y writes, and reports that agree or not with it.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include "support/count_checks.h"
#include "support/strace_log.h"

namespace servertest {
namespace {

// Lines as strace 6.1 writes them (shortened arguments).
const char *const kLog =
    "100 1000.000000 accept4(3<socket:[1]>,  <unfinished ...>\n"
    "101 1000.100000 gettid()                          = 101 <0.000010>\n"
    "100 1000.200000 <... accept4 resumed>{sa_family=AF_INET}, [16], SOCK_CLOEXEC) = "
    "7<socket:[2]> <0.200000>\n"
    "100 1000.300000 read(7<socket:[2]>, \"GET / HTTP/1.0\\r\\n\", 8000) = 17 <0.000020>\n"
    "100 1000.400000 read(4<pipe:[3]>, 0x7ff, 1) = -1 EAGAIN (Resource temporarily "
    "unavailable) <0.000005>\n"
    "100 1000.500000 write(2</tmp/x/error.log>, \"x\", 1) = 1 <0.000004>\n"
    "100 1000.600000 fcntl(7<socket:[2]>, F_GETFL) = 0x2 (flags O_RDWR) <0.000003>\n"
    "101 1000.700000 --- SIGCHLD {si_signo=SIGCHLD} ---\n"
    "101 1000.800000 epoll_wait(5<anon_inode:[eventpoll]>, [], 10, 100) = ? ERESTARTSYS (To be "
    "restarted if SA_RESTART is set) <0.050000>\n"
    "101 1000.900000 exit(0)                           = ?\n"
    "101 1000.900001 +++ exited with 0 +++\n";

TEST(StraceLogTest, ReadsEveryFormOfLine) {
    const auto calls = parse_strace_log(kLog);
    const auto rows = strace_rows(calls, 0, 2000);
    EXPECT_EQ(describe(rows),
              "accept4/socket=1(0) epoll_wait=1(1) fcntl=1(0) gettid=1(0) read/pipe=1(1) "
              "read/socket=1(0) write/file=1(0) ");
}

TEST(StraceLogTest, CountsACallWhenItReturns) {
    const auto calls = parse_strace_log(kLog);
    // accept4 entered at 1000.0 and returned at 1000.2; gettid returned at 1000.10001.
    EXPECT_EQ(describe(strace_rows(calls, 1000.15, 1000.25)), "accept4/socket=1(0) ");
    EXPECT_EQ(describe(strace_rows(calls, 1000.0, 1000.1)), "");
    EXPECT_EQ(describe(strace_rows(calls, 1000.0, 1000.2)), "accept4/socket=1(0) gettid=1(0) ");
}

SyscallRows rows_of(std::initializer_list<std::pair<const char *, std::uint64_t>> counts) {
    SyscallRows rows;
    for (const auto &[name, calls] : counts) {
        rows[{name, ""}].calls = calls;
    }
    return rows;
}

TEST(StraceAgreementTest, AcceptsCountsBetweenTheBounds) {
    expect_between(rows_of({{"poll", 11}, {"other", 5}}),
                   rows_of({{"poll", 10}, {"openat", 3}, {"lseek", 2}}),
                   rows_of({{"poll", 12}, {"openat", 3}, {"lseek", 2}}));
}

TEST(StraceAgreementTest, RejectsMissedCalls) {
    EXPECT_NONFATAL_FAILURE(
        expect_between(rows_of({{"poll", 9}}), rows_of({{"poll", 10}}), rows_of({{"poll", 10}})),
        "fewer calls");
}

TEST(StraceAgreementTest, RejectsAnOtherRowThatDoesNotAddUp) {
    EXPECT_NONFATAL_FAILURE(expect_between(rows_of({{"poll", 10}, {"other", 6}}),
                                           rows_of({{"poll", 10}, {"openat", 5}}),
                                           rows_of({{"poll", 10}, {"openat", 5}})),
                            "more calls");
}

TEST(StraceAgreementTest, RejectsANameMissingFromAReportWithoutOther) {
    // Once iophase names every syscall, a name it lacks is calls it lost.
    EXPECT_NONFATAL_FAILURE(
        expect_between(rows_of({{"poll", 10}}), rows_of({{"poll", 10}, {"openat", 5}}),
                       rows_of({{"poll", 10}, {"openat", 5}})),
        "fewer calls");
}

}  // namespace
}  // namespace servertest
