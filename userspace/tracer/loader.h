// Opens, configures, loads and attaches the BPF object (the generated skeleton). Programs the
// running kernel cannot have are switched off before load (tracer/programs.h); an optional
// program the verifier rejects is switched off the same way and the load retried; a core
// program it rejects fails the load with the verifier's reason.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "iophase.skel.h"

namespace iophase {

// What the BPF programs are told before load (read-only globals).
struct LoadConfig {
    bool follow_children = false;
    std::string comm;                     // match processes that exec this comm ("" none)
    std::uint64_t cgroup_id = 0;          // match processes that exec in this cgroup (0 none)
    std::uint32_t held_tgid = 0;          // its time starts at its exec
    std::size_t timeline_ring_bytes = 0;  // > 0: record the timeline in a ring of this size
};

class BpfObject {
  public:
    // Throws TraceError (tracer/tracer.h) with a one-line reason.
    explicit BpfObject(const LoadConfig &config);
    ~BpfObject();
    BpfObject(const BpfObject &) = delete;
    BpfObject &operator=(const BpfObject &) = delete;

    iophase_bpf *skel() const { return skel_; }
    // The link of the task iterator that dumps the live threads (collector.h); it stays
    // attached after detach() so the final report can read them.
    int thread_iter_fd() const;
    // What this kernel does not let iophase measure, one line each, for the report.
    const std::vector<std::string> &unavailable() const { return unavailable_; }
    void attach();  // throws TraceError
    void detach();
    // Runs of the loaded programs the kernel skipped because another BPF program was running
    // on the same CPU (bpf_prog_info.recursion_misses).
    std::uint64_t missed_runs() const;

  private:
    iophase_bpf *skel_ = nullptr;
    bpf_link *thread_iter_ = nullptr;
    std::vector<std::string> unavailable_;
};

// With IOPHASE_LIBBPF_LOG=1 in the environment (or after this is called), libbpf's whole log,
// debug lines included, goes to stderr; otherwise only the reason of a failure is shown.
void pass_libbpf_log_through();

}  // namespace iophase
