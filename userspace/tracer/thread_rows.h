// One traced thread's state (struct iop_thread, from the BPF side) as a report row: its
// budget, brought up to the end of the trace for a live thread, and its use of the calls
// with a role.
#pragma once

#include <sys/types.h>

#include <cstdint>

#include "model/report.h"

extern "C" {
#include "iophase.h"
}

namespace iophase {

// The same charge as the BPF side's charge(): the time from the thread's last transition to
// `end_ns` goes to the bucket of the state it is in.
void charge_until(iop_thread &t, std::uint64_t end_ns);

// The budget buckets of a BPF budget, with `wall_ns` as its wall interval; blocked time is
// named by the slot it was spent in.
Budget budget_of(const iop_budget &b, std::uint64_t wall_ns);

// The row of a thread. A live thread's open interval is charged up to `end_ns`; an exited
// one ends at its exit.
ThreadReport thread_row(pid_t tid, iop_thread t, std::uint64_t end_ns);

// The call a live thread is inside at `end_ns`: its time so far, counted as in flight.
SyscallStats in_flight_call(const iop_thread &t, std::uint64_t end_ns);

}  // namespace iophase
