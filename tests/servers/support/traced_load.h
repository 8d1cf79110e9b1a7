// One traced load: iophase attached to every process of a running server (and, when asked, strace
// too, attached before iophase and detached after it), a client run while both watch, then
// iophase stopped with Ctrl-C.
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "support/server.h"
#include "support/strace_log.h"
#include "support/tracer_run.h"

namespace servertest {

struct TracedLoad {
    bpftest::TraceResult trace;
    // The moments (seconds since the epoch) that bound when iophase's BPF programs were
    // attached: surely from `attached` to `interrupted`, at most from `started` to `exited`.
    double started = 0;
    double attached = 0;
    double interrupted = 0;
    double exited = 0;
    std::vector<StraceCall> strace;  // empty without strace
};

enum class WithStrace { kNo, kYes };

// Traces `server` by pid (with --follow, so workers it forks are traced) while `load` runs.
TracedLoad trace_load(const bpftest::TempDir &dir, const Server &server,
                      const std::function<void()> &load, WithStrace with_strace = WithStrace::kNo);

}  // namespace servertest
