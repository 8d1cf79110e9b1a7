#include "support/traced_load.h"

#include <chrono>
#include <stdexcept>
#include <thread>

namespace servertest {

namespace {

double now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string join(const std::vector<pid_t> &pids) {
    std::string text;
    for (const pid_t pid : pids) {
        // Appended piece by piece: g++ 12 at -O3 misreads `"," + std::string&&` (-Wrestrict).
        if (!text.empty()) {
            text += ',';
        }
        text += std::to_string(pid);
    }
    return text;
}

}  // namespace

TracedLoad trace_load(const bpftest::TempDir &dir, const Server &server,
                      const std::function<void()> &load, WithStrace with_strace) {
    const auto pids = server.processes();
    std::optional<StraceRun> strace;
    if (with_strace == WithStrace::kYes) {
        strace.emplace(dir, pids);
    }
    TracedLoad result;
    result.started = now();
    bpftest::TraceRun trace(dir, {"-p", join(pids), "--follow"});
    bpftest::wait_until_attached(dir);
    result.attached = now();
    if (bpftest::read_text(dir.file("trace.stderr")).find("attached") == std::string::npos) {
        result.trace = trace.finish(std::chrono::seconds(1));
        return result;  // the caller's ASSERT_TRACE_OK shows why
    }
    load();
    // A server may still be finishing the last request when its client is done (nginx closes the
    // socket after the client has read the reply): let it, before the trace stops.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    result.interrupted = now();
    trace.interrupt();
    result.trace = trace.finish();
    result.exited = now();
    if (strace) {
        result.strace = strace->stop();
    }
    return result;
}

}  // namespace servertest
