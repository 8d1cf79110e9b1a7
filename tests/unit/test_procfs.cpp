// Parsing of /proc/PID/task/TID/syscall for seeding threads that are already in a call.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace iophase::procfs
