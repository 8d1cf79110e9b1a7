// process-per-connection — fork per accept (UNP ch. 5).
//
// The parent sleeps in accept() and forks a child for every client; the child serves that
// client with blocking recv()/send() and exits at EOF. SIGCHLD reaps finished children so
// none stays a zombie. Counters live in shared memory, so the parent's final line includes
// what its children did.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "acceptor.h"
#include "connection.h"
#include "lifecycle.h"

using namespace iophase::demo;
using iophase::UniqueFd;

namespace {

constexpr const char *kModel = "process-per-connection";

void reap_children(int) {
    const int saved = errno;
    while (waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    errno = saved;
}

void install_child_reaper() {
    struct sigaction action = {};
    action.sa_handler = reap_children;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_NOCLDSTOP | SA_RESTART;
    sigaction(SIGCHLD, &action, nullptr);
}

void block_child_signal(int how) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigprocmask(how, &set, nullptr);
}

// Our child that has not been reaped yet (so its pid cannot have been reused)?
// Call with SIGCHLD blocked.
bool still_our_child(pid_t pid) {
    return waitpid(pid, nullptr, WNOHANG) == 0;
}

void serve_until_closed(Connection &client) {
    while (client.receive() == IoResult::Progress && client.flush() == IoResult::Progress) {
    }
}

[[noreturn]] void run_child(DemoSetup &server, UniqueFd fd) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);  // never outlive a parent that was killed
    server.listener.reset();
    {
        Connection client(std::move(fd));
        serve_until_closed(client);
    }
    _exit(0);
}

// On stop: ask live children to stop too and wait for them, so the counters are final.
void stop_children(std::vector<pid_t> &children) {
    block_child_signal(SIG_BLOCK);
    std::vector<pid_t> live;
    for (const pid_t pid : children) {
        if (still_our_child(pid)) {
            kill(pid, SIGTERM);
            live.push_back(pid);
        }
    }
    for (const pid_t pid : live) {
        while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
        }
    }
    children.clear();
}

// Forget children already reaped, so the list stays as long as the live ones.
void forget_reaped(std::vector<pid_t> &children) {
    block_child_signal(SIG_BLOCK);
    std::erase_if(children, [](pid_t pid) { return !still_our_child(pid); });
    block_child_signal(SIG_UNBLOCK);
}

}  // namespace

int main(int argc, char **argv) {
    DemoSetup server = start_demo_server(argc, argv, kModel, {.nonblocking = false});
    Acceptor acceptor(server.listener.get());
    install_child_reaper();
    std::vector<pid_t> children;

    while (!stop_requested()) {
        AcceptResult next = acceptor.accept_client(/*nonblocking=*/false);
        if (next.outcome != AcceptOutcome::Accepted) {
            continue;
        }
        const pid_t pid = fork();
        if (pid == 0) {
            run_child(server, std::move(next.fd));
        }
        if (pid < 0) {
            report_errno("fork");
            continue;  // the connection closes with fd
        }
        children.push_back(pid);
        if (children.size() % 64 == 0) {
            forget_reaped(children);
        }
    }
    stop_children(children);
    return finish_demo_server(kModel);
}
