// Which BPF programs to load on the running kernel. Every program names the tracepoint it
// attaches to and the form of that tracepoint it was written for (its number of arguments);
// the kernel's BTF says which tracepoints exist and in which form (btf_trace_<name>), so a
// program is switched off before load when its tracepoint is missing or has another form —
// not after a failed load. A program the verifier rejects anyway is switched off the same
// way, if it is optional (tracer/loader.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace iophase {

struct ProgramSpec {
    const char *program;     // its name in the BPF object
    const char *tracepoint;  // tp_btf attach point; nullptr for the task iterator
    int args;                // arguments of the tracepoint's form it is written for; 0: any
    const char *measures;    // what goes unmeasured without it; nullptr: a core program
    const char *needs;       // a program it is useless without, or nullptr
};

// Every program of the BPF object.
std::span<const ProgramSpec> program_specs();

// What the kernel offers: the number of arguments of a tracepoint (not counting the
// context), or nothing if the kernel has no such tracepoint; and where KVM's steal clock is
// (the per-CPU steal_time of a KVM guest kernel, which the budget's stolen time reads),
// relative to the per-CPU run queue (runqueues), or 0 if the kernel has none.
class TracepointCatalog {
  public:
    virtual ~TracepointCatalog() = default;
    virtual std::optional<int> arg_count(const std::string &tracepoint) const = 0;
    virtual std::int64_t steal_clock_from_rq() const = 0;
};

// The running kernel's tracepoints, read from its BTF (/sys/kernel/btf/vmlinux) once.
std::unique_ptr<TracepointCatalog> kernel_tracepoints();

struct ProgramChoice {
    const ProgramSpec *spec = nullptr;
    bool load = true;
    std::string why_not;    // when !load: "this kernel has no tracepoint sk_data_ready"
    bool knock_on = false;  // off only because the program it needs is off
};

// One choice per program of program_specs(), in that order. A core program is always
// loaded (a missing core tracepoint then fails the load with libbpf's reason). The optional
// programs named in `switched_off` are off too, to measure what each measurement costs
// (IOPHASE_SKIP_PROGRAMS); naming a core or unknown program throws std::invalid_argument.
std::vector<ProgramChoice> choose_programs(const TracepointCatalog &kernel,
                                           const std::vector<std::string> &switched_off = {});

// "copy phase of socket input: this kernel has no tracepoint ..." for every measurement that
// the switched-off programs leave out (one line per measurement, for the report's health).
// The kernel's lack of a steal clock adds a line too.
std::vector<std::string> unavailable_measurements(const std::vector<ProgramChoice> &choices,
                                                  const TracepointCatalog &kernel);

}  // namespace iophase
