// The in-process tracing API: attach the BPF programs to a set of targets, let them run,
// and turn the kernel-side aggregates into a Report. Used by `iophase trace` and by
// `iophase compare`.
#pragma once

#include <sys/types.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/report.h"
#include "model/timeline.h"

namespace iophase {

// A failure to set up tracing, with a one-line message that says how to fix it.
// usage_error() is true when the cause is the user's input (unknown pid, bad cgroup).
class TraceError : public std::runtime_error {
  public:
    TraceError(const std::string &what, bool usage_error = false)
        : std::runtime_error(what), usage_error_(usage_error) {}
    bool usage_error() const { return usage_error_; }

  private:
    bool usage_error_;
};

struct TraceOptions {
    std::vector<pid_t> pids;    // processes to trace (their threads included)
    std::string comm;           // also every process with this comm, including later ones
    std::string cgroup;         // also every process in this cgroup v2 directory
    bool follow = false;        // also trace children forked after attach
    pid_t held_until_exec = 0;  // a target (in pids) held before its exec by the caller:
                                // its time starts at the exec, not before
    bool timeline = false;      // also record every transition (see take_timeline)
    // With timeline: where the drained events go while tracing runs (they are not kept). Without
    // a sink they are kept for take_timeline(), at most timeline_max_events (beyond: lost).
    TimelineSink *timeline_sink = nullptr;
    std::size_t timeline_max_events = 2'000'000;
};

class Tracer {
  public:
    // Loads and attaches the BPF programs and registers the targets. Throws TraceError.
    static std::unique_ptr<Tracer> start(const TraceOptions &options);
    virtual ~Tracer() = default;

    // Things the user should know about what is traced ("pid 12 is a thread of 10: ...").
    virtual const std::vector<std::string> &notices() const = 0;
    // Adds a process (e.g. one started after start()).
    virtual void add_target(pid_t pid) = 0;
    // Notes what /proc says of every live target (so names survive a short life) and returns
    // true while at least one target process is alive. Cheap: call it a few times a second.
    virtual bool refresh_targets() = 0;
    // The report so far; tracing goes on.
    virtual Report snapshot() = 0;
    // Detaches every BPF program and returns the final report. Call once.
    virtual Report stop() = 0;
    // After stop(): the timeline, if TraceOptions::timeline was set without a sink (else
    // empty); its `lost` counts what the ring buffer and the event cap dropped.
    virtual Timeline take_timeline() = 0;
};

}  // namespace iophase
