#include "tracer/optional_programs.h"

#include <fmt/format.h>

namespace iophase {

namespace {

constexpr OptionalProgram kOptionalPrograms[] = {
    {"on_skb_copy", "copy phase of socket input (copy_ns, kernel_copy_ns)"},
    {"on_uring_submit", "io_uring operation lifetimes"},
    {"on_uring_complete", "io_uring operation lifetimes"},
    {"on_uring_poll_arm", "io_uring readiness wait"},
    {"on_uring_task_add", "io_uring readiness wait"},
    {"on_uring_async", "io_uring io-wq hand-offs"},
    {"on_signal_generate", "signal-driven I/O signals"},
    {"on_signal_deliver", "signal-driven I/O signals taken by handlers"},
};

}  // namespace

std::span<const OptionalProgram> optional_programs() {
    return kOptionalPrograms;
}

const OptionalProgram *missing_optional_program(const std::string &libbpf_log) {
    for (const auto &optional : kOptionalPrograms) {
        const std::string needle =
            fmt::format("prog '{}': failed to find kernel BTF type ID", optional.program);
        if (libbpf_log.find(needle) != std::string::npos) {
            return &optional;
        }
    }
    return nullptr;
}

}  // namespace iophase
