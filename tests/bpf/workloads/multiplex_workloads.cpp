// Multiplexing workloads over K pipes: T idle rounds that time out (1 ms), then M pipes are
// made readable and R rounds each find exactly M ready. The facts file records what was asked.
#include <poll.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "fds.h"
#include "workloads.h"

namespace workload {

namespace {

struct Plan {
    long fds;          // K: pipes watched
    long ready;        // M: pipes made readable before the busy rounds
    long rounds;       // R: calls that find M ready
    long idle_rounds;  // T: calls that find nothing and time out
};

Plan read_plan(const Options &options) {
    Plan plan{options.get_int("fds", 7), options.get_int("ready", 3), options.get_int("rounds", 50),
              options.get_int("idle-rounds", 5)};
    if (plan.ready > plan.fds) {
        errno = EINVAL;
        die("--ready must not exceed --fds");
    }
    return plan;
}

std::vector<FdPair> make_pipes(long count) {
    std::vector<FdPair> pipes;
    for (long i = 0; i < count; ++i) {
        pipes.push_back(make_pipe());
    }
    return pipes;
}

void make_readable(const std::vector<FdPair> &pipes, long count) {
    for (long i = 0; i < count; ++i) {
        check(::write(pipes[i].second.get(), "r", 1), "write to pipe");
    }
}

void expect_ready(long got, long expected, const char *call) {
    if (got != expected) {
        errno = EPROTO;
        die(call);
    }
}

}  // namespace

int select_fds(const Options &options) {
    const Plan plan = read_plan(options);
    const auto pipes = make_pipes(plan.fds);
    int max_fd = 0;
    for (const auto &pipe : pipes) {
        max_fd = std::max(max_fd, pipe.first.get());
    }
    const int nfds = max_fd + 1;

    auto one_select = [&](long timeout_us) {
        fd_set readable;
        FD_ZERO(&readable);
        for (const auto &pipe : pipes) {
            FD_SET(pipe.first.get(), &readable);
        }
        timeval timeout{0, timeout_us};
        return check(::select(nfds, &readable, nullptr, nullptr, &timeout), "select");
    };
    for (long i = 0; i < plan.idle_rounds; ++i) {
        expect_ready(one_select(1000), 0, "idle select found a ready fd");
    }
    make_readable(pipes, plan.ready);
    for (long i = 0; i < plan.rounds; ++i) {
        expect_ready(one_select(999'999), plan.ready, "select ready count");
    }

    Facts facts(options);
    facts.add("nfds", nfds);
    facts.add("calls", plan.idle_rounds + plan.rounds);
    facts.write();
    return 0;
}

int poll_fds(const Options &options) {
    const Plan plan = read_plan(options);
    const auto pipes = make_pipes(plan.fds);
    std::vector<pollfd> watched;
    for (const auto &pipe : pipes) {
        watched.push_back(pollfd{pipe.first.get(), POLLIN, 0});
    }

    for (long i = 0; i < plan.idle_rounds; ++i) {
        expect_ready(check(::poll(watched.data(), watched.size(), 1), "poll"), 0,
                     "idle poll found a ready fd");
    }
    make_readable(pipes, plan.ready);
    for (long i = 0; i < plan.rounds; ++i) {
        expect_ready(check(::poll(watched.data(), watched.size(), 1000), "poll"), plan.ready,
                     "poll ready count");
    }

    Facts facts(options);
    facts.add("nfds", static_cast<long long>(watched.size()));
    facts.add("calls", plan.idle_rounds + plan.rounds);
    facts.write();
    return 0;
}

int epoll_fds(const Options &options) {
    const Plan plan = read_plan(options);
    // --closed N: after the idle rounds, close the last N pipes without EPOLL_CTL_DEL (the
    // close takes them out of the instance, as nginx relies on).
    const long closed = options.get_int("closed", 0);
    auto pipes = make_pipes(plan.fds);
    UniqueFd epoll(static_cast<int>(check(::epoll_create1(EPOLL_CLOEXEC), "epoll_create1")));
    for (const auto &pipe : pipes) {
        epoll_event interest{};
        interest.events = EPOLLIN | EPOLLET;
        interest.data.fd = pipe.first.get();
        check(::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, pipe.first.get(), &interest), "epoll_ctl");
    }

    constexpr int kMaxEvents = 16;
    epoll_event events[kMaxEvents];
    for (long i = 0; i < plan.idle_rounds; ++i) {
        expect_ready(check(::epoll_wait(epoll.get(), events, kMaxEvents, 1), "epoll_wait"), 0,
                     "idle epoll_wait found a ready fd");
    }
    for (long i = 0; i < closed && i < plan.fds; ++i) {
        pipes[static_cast<std::size_t>(plan.fds - 1 - i)].first = UniqueFd();
    }
    // Edge-triggered: each round makes a fresh edge on M pipes, then drains them.
    for (long i = 0; i < plan.rounds; ++i) {
        make_readable(pipes, plan.ready);
        const long ready = check(::epoll_wait(epoll.get(), events, kMaxEvents, 1000), "epoll_wait");
        expect_ready(ready, plan.ready, "epoll_wait ready count");
        for (long j = 0; j < ready; ++j) {
            char byte;
            check(::read(events[j].data.fd, &byte, 1), "drain pipe");
        }
    }

    Facts facts(options);
    facts.add("registered", plan.fds);
    facts.add("closed", closed);
    facts.add("maxevents", kMaxEvents);
    facts.add("calls", plan.idle_rounds + plan.rounds);
    facts.write();
    return 0;
}

}  // namespace workload
