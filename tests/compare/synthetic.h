// A comparison built from synthetic numbers, for the tests that need no kernel.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "compare/result.h"
#include "model/timeline.h"

namespace iophase::compare::testing {

// Writes one thread's timeline step by step: each piece is a state held for a duration.
class ThreadScript {
  public:
    ThreadScript(pid_t pid, pid_t tid) : pid_(pid), tid_(tid) {}
    void user(std::uint64_t dur_ns);
    void call(const std::string &syscall,
              std::initializer_list<std::pair<ThreadState, std::uint64_t>> pieces);
    // A data-ready mark for the call `syscall`, `ago_ns` before the current time.
    void data_ready(const std::string &syscall, std::uint64_t ago_ns);
    // The events so far, ended by one in user space at the current time.
    Timeline timeline() const;

  private:
    void push(ThreadState state, const std::string &syscall, std::uint64_t dur_ns);
    pid_t pid_;
    pid_t tid_;
    std::uint64_t now_ns_ = 1'000'000;
    std::vector<TimelineEvent> events_;
};

// A measured request of a poll or epoll server: it waited `wait_ns` in `multiplexer`, its data
// ready `wait_ns / 4` before the wakeup.
RequestTimeline synthetic_request(const std::string &multiplexer, std::uint64_t wait_ns);

// A report of one server process (pid 100) with one thread, a multiplexer call and a recv.
Report synthetic_report(const std::string &label, const std::string &multiplexer,
                        std::uint64_t fds_asked, std::uint64_t fds_ready);

// echo + idle-fanin (0 and 300 idle) for poll and epoll-lt, one failed run and one run whose
// label does not match.
CompareResult synthetic_comparison();

}  // namespace iophase::compare::testing
