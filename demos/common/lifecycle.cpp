#include "lifecycle.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

namespace iophase::demo {
namespace {

volatile sig_atomic_t g_stop = 0;
std::string g_model;

void on_stop_signal(int) {
    g_stop = 1;
}

void install_signal_handlers() {
    struct sigaction action = {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;  // no SA_RESTART: blocking calls return EINTR so loops see the flag
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    // A peer that resets while we write must cost one connection, never the process.
    signal(SIGPIPE, SIG_IGN);
}

void apply_fd_limit(const DemoOptions &options) {
    rlimit limit = {};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
        report_errno("getrlimit(RLIMIT_NOFILE)");
        return;
    }
    limit.rlim_cur = options.max_fds ? static_cast<rlim_t>(*options.max_fds) : limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
        report_errno("setrlimit(RLIMIT_NOFILE)");
    }
}

UniqueFd open_listener(const DemoOptions &options, bool nonblocking) {
    sockaddr_in address = {};
    address.sin_family = AF_INET;
    address.sin_port = htons(options.port);
    if (inet_pton(AF_INET, options.host.c_str(), &address.sin_addr) != 1) {
        std::fprintf(stderr, "iophase-demo-%s: --host '%s' is not an IPv4 address\n",
                     g_model.c_str(), options.host.c_str());
        std::exit(2);
    }
    const int type = SOCK_STREAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0);
    UniqueFd fd(socket(AF_INET, type, 0));
    const int one = 1;
    if (!fd || setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd.get(), reinterpret_cast<sockaddr *>(&address), sizeof address) != 0 ||
        listen(fd.get(), SOMAXCONN) != 0) {
        report_errno("listen on " + options.host + ":" + std::to_string(options.port));
        std::exit(1);
    }
    return fd;
}

std::uint16_t bound_port(int fd) {
    sockaddr_in address = {};
    socklen_t length = sizeof address;
    getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length);
    return ntohs(address.sin_port);
}

}  // namespace

Counters &counters() {
    static Counters *const shared = [] {
        void *memory = mmap(nullptr, sizeof(Counters), PROT_READ | PROT_WRITE,
                            MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (memory == MAP_FAILED) {
            report_errno("mmap(counters)");
            std::exit(1);
        }
        static_assert(std::atomic<std::uint64_t>::is_always_lock_free,
                      "counters shared across fork need lock-free atomics");
        return new (memory) Counters();  // placement into the shared page, never freed
    }();
    return *shared;
}

DemoSetup start_demo_server(int argc, char **argv, std::string_view model, ListenerMode mode) {
    g_model = std::string(model);
    DemoSetup setup;
    setup.options = parse_options(argc, argv, model, mode.has_sleep_us);
    apply_fd_limit(setup.options);
    install_signal_handlers();
    counters();  // map the shared page before any fork
    setup.listener = open_listener(setup.options, mode.nonblocking);
    std::printf("iophase-demo model=%s port=%u pid=%d\n", g_model.c_str(),
                static_cast<unsigned>(bound_port(setup.listener.get())),
                static_cast<int>(getpid()));
    std::fflush(stdout);
    return setup;
}

bool stop_requested() {
    return g_stop != 0;
}

void request_stop() {
    g_stop = 1;
}

int finish_demo_server(std::string_view model) {
    const Counters &totals = counters();
    std::printf("stopped model=%.*s connections=%llu messages=%llu bytes_in=%llu bytes_out=%llu\n",
                static_cast<int>(model.size()), model.data(),
                static_cast<unsigned long long>(totals.connections.load()),
                static_cast<unsigned long long>(totals.messages.load()),
                static_cast<unsigned long long>(totals.bytes_in.load()),
                static_cast<unsigned long long>(totals.bytes_out.load()));
    std::fflush(stdout);
    return 0;
}

void report_errno(std::string_view what) {
    const int saved = errno;
    std::fprintf(stderr, "iophase-demo-%s: %.*s: %s\n", g_model.c_str(),
                 static_cast<int>(what.size()), what.data(), std::strerror(saved));
    errno = saved;
}

}  // namespace iophase::demo
