// Parsing of /proc/PID/task/TID/syscall for seeding threads that are already in a call, and
// finding processes by name.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include "tracer/procfs.h"

namespace iophase::procfs {
namespace {

TEST(SyscallInProgress, ReadsTheNumberOfACallInProgress) {
    EXPECT_EQ(syscall_in_progress("232 0x4 0x7ffd5c0 0x40 0xffffffff 0x0 0x8 0x7ffd5b8 0x7f8e\n"),
              232);
    EXPECT_EQ(syscall_in_progress("0 0x3 0x7ffd000 0x1000 0x0 0x0 0x0 0x7ffc100 0x7f8e\n"), 0);
}

TEST(SyscallInProgress, NoCallOutsideASyscallOrWhileRunning) {
    EXPECT_EQ(syscall_in_progress("-1 0x7ffc2783a4d0 0x55d0c0\n"), -1);
    EXPECT_EQ(syscall_in_progress("running\n"), -1);
    EXPECT_EQ(syscall_in_progress(""), -1);
}

TEST(SyscallInProgress, AKernelThreadIsNotInRead) {
    // Kernel threads report syscall 0 (read) with a zero user stack and pc.
    EXPECT_EQ(syscall_in_progress("0 0x0 0x0 0x0 0x0 0x0 0x0 0x0 0x0\n"), -1);
}

// A process named with more than the kernel's 15 bytes is found by its full name: the kernel
// kept only the first 15, and the match is on those.
TEST(PidsWithComm, ALongerNameMatchesTheKernelsCut) {
    int ready[2];
    ASSERT_EQ(::pipe(ready), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::prctl(PR_SET_NAME, "averyveryverylongname", 0, 0, 0);
        (void)!::write(ready[1], "x", 1);
        ::pause();
        ::_exit(0);
    }
    char byte;
    ASSERT_EQ(::read(ready[0], &byte, 1), 1);
    const std::vector<pid_t> found = pids_with_comm("averyveryverylongname");
    const std::vector<pid_t> cut = pids_with_comm("averyveryverylo");
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    ::close(ready[0]);
    ::close(ready[1]);
    EXPECT_EQ(read_comm(child, child), "");  // gone now; it was "averyveryverylo"
    EXPECT_NE(std::find(found.begin(), found.end(), child), found.end());
    EXPECT_NE(std::find(cut.begin(), cut.end(), child), cut.end());
}

}  // namespace
}  // namespace iophase::procfs
