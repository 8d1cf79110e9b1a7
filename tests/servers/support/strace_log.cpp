#include "support/strace_log.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace servertest {

namespace {

const char *kStrace = "/usr/bin/strace";

// The kind of fd the first argument names, from -y's "7<socket:[123]>" (iophase's kinds:
// sockets, pipes, regular files, and everything else).
std::string fd_kind_of_first_argument(const std::string &arguments) {
    const auto digits = arguments.find_first_not_of("0123456789");
    if (digits == 0 || digits == std::string::npos || arguments[digits] != '<') {
        return "";
    }
    const std::string target = arguments.substr(digits + 1);
    if (target.rfind("socket:", 0) == 0) {
        return "socket";
    }
    if (target.rfind("pipe:", 0) == 0) {
        return "pipe";
    }
    if (target.rfind("/", 0) == 0 && target.rfind("/dev/", 0) != 0) {
        return "file";
    }
    return "other";
}

// The calls iophase gives an fd kind: read/write-like ones by looking the fd up, the
// socket-only ones always "socket" (an annotation gives the same).
bool has_fd_kind(const std::string &name) {
    for (const char *known : {"read", "readv", "write", "writev", "accept", "accept4", "connect",
                              "recvfrom", "recvmsg", "recvmmsg", "sendto", "sendmsg", "sendmmsg"}) {
        if (name == known) {
            return true;
        }
    }
    return false;
}

// "... ) = RESULT <DURATION>": whether it returned, whether it failed, and how long it took.
// "= ?" alone is a call that never returned (exit, a thread killed inside it); "= ? ERESTART..."
// returned to the kernel's restart logic, which the sys_exit tracepoint sees as an error.
struct Outcome {
    bool returned = false;
    bool error = false;
    double duration = 0;
};

// Where the result starts: after the last " = " that follows the closing parenthesis of the
// arguments (strace pads short calls with spaces: "gettid()        = 42").
std::string::size_type result_start(const std::string &line) {
    for (auto at = line.rfind(" = "); at != std::string::npos && at > 0;
         at = line.rfind(" = ", at - 1)) {
        const auto before = line.find_last_not_of(' ', at);
        if (before != std::string::npos && line[before] == ')') {
            return at + 3;
        }
    }
    return std::string::npos;
}

Outcome outcome_of(const std::string &line) {
    Outcome outcome;
    const auto start = result_start(line);
    if (start == std::string::npos) {
        return outcome;
    }
    const std::string result = line.substr(start);
    if (result.rfind("?", 0) == 0) {
        outcome.returned = result.find("ERESTART") != std::string::npos;
        outcome.error = outcome.returned;
    } else {
        outcome.returned = true;
        outcome.error = result.rfind("-", 0) == 0;
    }
    const auto open = line.rfind('<');
    if (open != std::string::npos && line.back() == '>') {
        outcome.duration = std::atof(line.c_str() + open + 1);
    }
    return outcome;
}

}  // namespace

std::vector<StraceCall> parse_strace_log(const std::string &text) {
    std::vector<StraceCall> calls;
    std::map<long, StraceCall> unfinished;  // by tid: a call whose return comes on a later line
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream words(line);
        long tid = 0;
        double time = 0;
        if (!(words >> tid >> time)) {
            continue;
        }
        std::string rest;
        std::getline(words, rest);
        rest.erase(0, rest.find_first_not_of(' '));
        if (rest.rfind("+++", 0) == 0 || rest.rfind("---", 0) == 0) {
            continue;  // exits and signals
        }
        StraceCall call;
        Outcome outcome;
        if (rest.rfind("<... ", 0) == 0) {  // "<... read resumed>...) = 0 <0.1>": returns now
            const auto found = unfinished.find(tid);
            if (found == unfinished.end()) {
                continue;
            }
            call = found->second;
            unfinished.erase(found);
            outcome = outcome_of(rest);
            call.exit_time = time;
        } else {
            const auto paren = rest.find('(');
            if (paren == std::string::npos) {
                continue;
            }
            call.name = rest.substr(0, paren);
            call.fd_kind = fd_kind_of_first_argument(rest.substr(paren + 1));
            if (rest.find("<unfinished ...>") != std::string::npos) {
                unfinished[tid] = call;
                continue;
            }
            outcome = outcome_of(rest);
            call.exit_time = time + outcome.duration;
        }
        if (outcome.returned) {
            call.error = outcome.error;
            calls.push_back(call);
        }
    }
    return calls;
}

SyscallRows strace_rows(const std::vector<StraceCall> &calls, double from, double to) {
    SyscallRows rows;
    for (const auto &call : calls) {
        if (call.exit_time < from || call.exit_time > to) {
            continue;
        }
        auto &count = rows[{call.name, has_fd_kind(call.name) ? call.fd_kind : ""}];
        ++count.calls;
        count.errors += call.error ? 1 : 0;
    }
    return rows;
}

StraceRun::StraceRun(const bpftest::TempDir &dir, const std::vector<pid_t> &pids) : dir_(dir) {
    std::vector<std::string> argv{kStrace, "-f", "-ttt", "-T", "-y", "-o", dir.file("strace.log")};
    for (const pid_t pid : pids) {
        argv.insert(argv.end(), {"-p", std::to_string(pid)});
    }
    process_ =
        std::make_unique<bpftest::Subprocess>(argv, dir.file("strace.out"), dir.file("strace.err"));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (const pid_t pid : pids) {
        const std::string attached = "Process " + std::to_string(pid) + " attached";
        while (bpftest::read_text(dir.file("strace.err")).find(attached) == std::string::npos) {
            if (std::chrono::steady_clock::now() >= deadline) {
                throw std::runtime_error("strace did not attach to " + std::to_string(pid) + ":\n" +
                                         bpftest::read_text(dir.file("strace.err")));
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }
}

std::vector<StraceCall> StraceRun::stop() {
    process_->signal(SIGINT);
    if (!process_->wait_for(std::chrono::seconds(10))) {
        process_->kill();
    }
    return parse_strace_log(bpftest::read_text(dir_.file("strace.log")));
}

bool have_strace() {
    return ::access(kStrace, X_OK) == 0;
}

}  // namespace servertest
