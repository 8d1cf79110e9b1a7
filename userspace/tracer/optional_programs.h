// BPF programs whose tracepoint a kernel may lack. If loading fails because one of them has
// no kernel BTF type, the tracer turns it off and retries, so the rest still works and the
// report names what is missing; the common case pays nothing.
#pragma once

#include <span>
#include <string>

namespace iophase {

struct OptionalProgram {
    const char *program;   // the program's name in bpf/
    const char *measures;  // what is lost without it, for the report
};

// Every optional program.
std::span<const OptionalProgram> optional_programs();

// The optional program a failed load's libbpf log complains about ("prog 'NAME': failed to
// find kernel BTF type ID of 'TRACEPOINT'"), or nullptr if the failure is another one.
const OptionalProgram *missing_optional_program(const std::string &libbpf_log);

}  // namespace iophase
