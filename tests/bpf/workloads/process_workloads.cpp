// Workloads about processes and threads coming and going, plus one with fixed syscall counts
// to compare against strace.
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <thread>

#include "fds.h"
#include "workloads.h"

namespace workload {

using std::chrono::milliseconds;

int pipe_activity(const Options &options) {
    const auto run_for = milliseconds(options.get_int("run-ms", 300));
    if (options.get_int("wait-for-sigusr1", 0) != 0) {
        // Start the clock only when told (the test says go once the tracer has attached).
        sigset_t go;
        sigemptyset(&go);
        sigaddset(&go, SIGUSR1);
        check(::sigprocmask(SIG_BLOCK, &go, nullptr), "sigprocmask");
        int signal_number = 0;
        if (::sigwait(&go, &signal_number) != 0) {
            die("sigwait");
        }
    }
    const auto pipe = make_pipe();
    const auto until = std::chrono::steady_clock::now() + run_for;
    long round_trips = 0;
    while (std::chrono::steady_clock::now() < until) {
        char byte = 'p';
        check(::write(pipe.second.get(), &byte, 1), "write to pipe");
        check(::read(pipe.first.get(), &byte, 1), "read from pipe");
        ++round_trips;
        std::this_thread::sleep_for(milliseconds(2));
    }
    Facts facts(options);
    facts.add("round_trips", round_trips);
    facts.write();
    return 0;
}

int fork_and_thread(const Options &options) {
    const long writes = options.get_int("writes", 20);
    // Let the tracer see us running before anything new appears.
    std::this_thread::sleep_for(milliseconds(50));

    const auto pipe = make_pipe();
    const pid_t child = static_cast<pid_t>(check(::fork(), "fork"));
    if (child == 0) {
        for (long i = 0; i < writes; ++i) {
            if (::write(pipe.second.get(), "c", 1) != 1) {
                ::_exit(1);
            }
        }
        ::_exit(0);
    }
    pid_t thread_tid = 0;
    std::thread helper([&] {
        thread_tid = static_cast<pid_t>(::syscall(SYS_gettid));
        std::this_thread::sleep_for(milliseconds(20));
    });
    for (long i = 0; i < writes; ++i) {
        char byte;
        check(::read(pipe.first.get(), &byte, 1), "read from child");
    }
    helper.join();
    int status = 0;
    check(::waitpid(child, &status, 0), "waitpid");

    Facts facts(options);
    facts.add("child_pid", child);
    facts.add("child_status", status);
    facts.add("thread_tid", thread_tid);
    facts.add("writes", writes);
    facts.write();
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

int fixed_syscalls(const Options &options) {
    const long writes = options.get_int("writes", 500);
    const long reads = options.get_int("reads", 300);
    const long sleeps = options.get_int("sleeps", 40);
    const long messages = options.get_int("messages", 100);
    const long polls = options.get_int("polls", 50);

    const auto pipe = make_pipe();  // 500 one-byte writes fit in the pipe buffer
    for (long i = 0; i < writes; ++i) {
        check(::write(pipe.second.get(), "w", 1), "write to pipe");
    }
    for (long i = 0; i < reads; ++i) {
        char byte;
        check(::read(pipe.first.get(), &byte, 1), "read from pipe");
    }
    for (long i = 0; i < sleeps; ++i) {
        const timespec one_ms{0, 1'000'000};
        check(::nanosleep(&one_ms, nullptr), "nanosleep");
    }
    const auto sockets = make_unix_pair();
    for (long i = 0; i < messages; ++i) {
        char byte = 'm';
        check(::send(sockets.second.get(), &byte, 1, 0), "send");
        check(::recv(sockets.first.get(), &byte, 1, 0), "recv");
    }
    pollfd readable{pipe.first.get(), POLLIN, 0};
    for (long i = 0; i < polls; ++i) {
        check(::poll(&readable, 1, 0), "poll");
    }

    Facts facts(options);
    facts.add("writes", writes);
    facts.add("reads", reads);
    facts.add("sleeps", sleeps);
    facts.add("messages", messages);
    facts.add("polls", polls);
    facts.write();
    return 0;
}

int touch_file(const Options &options) {
    std::ofstream out(options.get("path", "touched"));
    return out ? 0 : 1;
}

}  // namespace workload
