// Parsing of /proc/PID/task/TID/syscall for seeding threads that are already in a call,
// finding processes by name, a process's parent, and the flags of fds registered with epoll.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include "common/unique_fd.h"
#include "tracer/procfs.h"

namespace iophase::procfs {
namespace {

// The kernel's own answer (getppid) is the reference; a name with spaces and parentheses
// must not shift the fields.
TEST(Parent, ReadFromProcMatchesGetppid) {
    EXPECT_EQ(read_ppid(::getpid()), ::getppid());
    EXPECT_EQ(parent_of("4242 (a) b (c) S 17 4242 4242 0 -1"), 17);
    EXPECT_EQ(parent_of("garbage"), 0);
}

// An epoll instance made here with one fd registered EPOLLET and two without: the kernel's
// fdinfo, read back, tells them apart.
TEST(EpollInstances, TellEdgeTriggeredRegistrationsFromFdinfo) {
    const UniqueFd ep(::epoll_create1(EPOLL_CLOEXEC));
    ASSERT_TRUE(ep);
    const PipeFds pipe_fds = open_pipe(0);
    ASSERT_TRUE(pipe_fds.read);
    const UniqueFd extra(::dup(pipe_fds.read.get()));
    epoll_event edge{};
    edge.events = EPOLLIN | EPOLLET;
    epoll_event level{};
    level.events = EPOLLIN;
    ASSERT_EQ(::epoll_ctl(ep.get(), EPOLL_CTL_ADD, pipe_fds.read.get(), &edge), 0);
    ASSERT_EQ(::epoll_ctl(ep.get(), EPOLL_CTL_ADD, pipe_fds.write.get(), &level), 0);
    ASSERT_EQ(::epoll_ctl(ep.get(), EPOLL_CTL_ADD, extra.get(), &level), 0);
    bool found = false;
    for (const EpollInstance &instance : epoll_instances(::getpid())) {
        if (instance.epfd == ep.get()) {
            found = true;
            EXPECT_EQ(instance.registered, 3);
            EXPECT_EQ(instance.edge_triggered, 1);
        }
    }
    EXPECT_TRUE(found);
    EXPECT_EQ(registered_events("tfd:        5 events: 80000019 data:                5  pos:0"),
              0x80000019u);
}

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
    const PipeFds ready = open_pipe(0);
    ASSERT_TRUE(ready.read);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::prctl(PR_SET_NAME, "averyveryverylongname", 0, 0, 0);
        (void)!::write(ready.write.get(), "x", 1);
        ::pause();
        ::_exit(0);
    }
    char byte;
    ASSERT_EQ(::read(ready.read.get(), &byte, 1), 1);
    const std::vector<pid_t> found = pids_with_comm("averyveryverylongname");
    const std::vector<pid_t> cut = pids_with_comm("averyveryverylo");
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    EXPECT_EQ(read_comm(child, child), "");  // gone now; it was "averyveryverylo"
    EXPECT_NE(std::find(found.begin(), found.end(), child), found.end());
    EXPECT_NE(std::find(cut.begin(), cut.end(), child), cut.end());
}

}  // namespace
}  // namespace iophase::procfs
