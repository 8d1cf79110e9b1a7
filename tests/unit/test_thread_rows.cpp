// A live thread's report row: a call it is still inside at the end of the trace is in flight in
// the row, with the wait its budget charges to that call (the two views must agree).
#include <gtest/gtest.h>

#include <algorithm>

#include "tracer/thread_rows.h"

namespace iophase {
namespace {

TEST(ThreadRow, ACallStillInsideAtTheEndIsInFlightWithItsWait) {
    iop_thread t{};
    t.tgid = 10;
    t.first_ns = 1'000;
    t.last_ns = 5'000;  // asleep in futex since then
    t.state = IOP_ST_BLOCKED;
    t.in_call = 1;
    t.slot = IOP_SLOT_FUTEX;
    t.fd_kind = IOP_FD_NONE;
    t.call_start_ns = 4'000;
    t.call_wait_ns = 1'000;
    t.budget.blocked_ns[IOP_SLOT_FUTEX] = 1'000;
    const ThreadReport row = thread_row(11, t, 105'000);
    EXPECT_EQ(row.budget.blocked_by.at("futex"), 101'000u);  // 1 µs before + 100 µs to the end
    const auto futex = std::find_if(row.syscalls.begin(), row.syscalls.end(),
                                    [](const SyscallStats &s) { return s.name == "futex"; });
    ASSERT_NE(futex, row.syscalls.end());
    EXPECT_EQ(futex->in_flight, 1u);
    EXPECT_EQ(futex->count, 0u);  // it has not returned
    EXPECT_EQ(futex->wait_ns, row.budget.blocked_by.at("futex"));
    EXPECT_EQ(futex->kind.role, SyscallRole::thread_wait);
}

TEST(ThreadRow, AnExitedThreadHasNoCallInFlight) {
    iop_thread t{};
    t.first_ns = 1'000;
    t.last_ns = 2'000;
    t.exit_ns = 2'000;
    t.in_call = 1;  // exited inside a call: counted as unfinished by the process, not in flight
    t.slot = IOP_SLOT_FUTEX;
    const ThreadReport row = thread_row(12, t, 105'000);
    EXPECT_TRUE(std::none_of(row.syscalls.begin(), row.syscalls.end(),
                             [](const SyscallStats &s) { return s.in_flight > 0; }));
}

}  // namespace
}  // namespace iophase
