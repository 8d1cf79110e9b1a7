#include "tracer/programs.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string_view>

#include <fmt/format.h>

namespace iophase {
namespace {

constexpr const char *kInputCopy = "copy phase of socket input (kernel_copy_ns, copy_ns)";
constexpr const char *kOutputCopy =
    "copy phase of TCP output (kernel_copy_ns, copy_ns of send calls): it stays in "
    "kernel_other_ns";
constexpr const char *kDataReady =
    "exact data-ready time (sk_data_ready): ready is taken from the wakeup instead";
constexpr const char *kIrq = "interrupt buckets (irq_net_rx_ns, irq_other_ns)";
constexpr const char *kUring = "io_uring operation lifetimes";

// The programs of bpf/*.bpf.c. Two forms of one tracepoint are two programs; the one whose
// form the kernel has is loaded.
constexpr ProgramSpec kPrograms[] = {
    // syscalls.bpf.c, sched.bpf.c, iter.bpf.c: the core
    {"on_sys_enter", "sys_enter", 2, nullptr, nullptr},
    {"on_sys_exit", "sys_exit", 2, nullptr, nullptr},
    {"on_sched_switch", "sched_switch", 4, nullptr, nullptr},
    {"on_sched_waking", "sched_waking", 1, nullptr, nullptr},
    {"on_sched_wakeup_new", "sched_wakeup_new", 1, nullptr, nullptr},
    {"on_process_fork", "sched_process_fork", 2, nullptr, nullptr},
    {"on_process_exec", "sched_process_exec", 3, nullptr, nullptr},
    {"on_process_exit", "sched_process_exit", 0, nullptr, nullptr},
    {"dump_threads", nullptr, 0, nullptr, nullptr},
    // copy.bpf.c
    {"on_copy_in_start", "skb_copy_datagram_iovec", 2, kInputCopy, nullptr},
    {"on_copy_in_end_tcp", "tcp_rcv_space_adjust", 1,
     "end of a TCP receive chunk's copy (the bracket ends at the protocol's or the call's end)",
     "on_copy_in_start"},
    {"on_copy_out_start", "tcp_sendmsg_locked", 4, kOutputCopy, nullptr},
    {"on_copy_out_end_xmit", "net_dev_queue", 1, kOutputCopy, "on_copy_out_start"},
    {"on_data_ready", "sk_data_ready", 1, kDataReady, "on_copy_in_start"},
    // irq.bpf.c
    {"on_softirq_entry", "softirq_entry", 1, kIrq, nullptr},
    {"on_softirq_exit", "softirq_exit", 1, kIrq, "on_softirq_entry"},
    {"on_hardirq_entry", "irq_handler_entry", 2, kIrq, nullptr},
    {"on_hardirq_exit", "irq_handler_exit", 3, kIrq, "on_hardirq_entry"},
    // io_uring.bpf.c
    {"on_uring_submit", "io_uring_submit_req", 1, kUring, nullptr},
    {"on_uring_submit_sqe", "io_uring_submit_sqe", 2, kUring, nullptr},
    {"on_uring_complete", "io_uring_complete", 7, kUring, nullptr},
    {"on_uring_complete_cqe", "io_uring_complete", 3, kUring, nullptr},
    {"on_uring_poll_arm", "io_uring_poll_arm", 3, "io_uring readiness wait", nullptr},
    {"on_uring_task_add", "io_uring_task_add", 2, "io_uring readiness wait", nullptr},
    {"on_uring_async", "io_uring_queue_async_work", 2, "io_uring io-wq hand-offs", nullptr},
    // signals.bpf.c
    {"on_signal_generate", "signal_generate", 5, "signal-driven I/O signals", nullptr},
    {"on_signal_deliver", "signal_deliver", 3, "signal-driven I/O signals taken by handlers",
     nullptr},
};

class KernelTracepoints final : public TracepointCatalog {
  public:
    KernelTracepoints() {
        struct btf *btf = btf__load_vmlinux_btf();
        if (btf == nullptr) {
            return;  // no BTF: every optional program is switched off; core ones fail to load
        }
        for (const ProgramSpec &spec : kPrograms) {
            if (spec.tracepoint != nullptr) {
                if (auto n = count_args(btf, spec.tracepoint)) {
                    args_[spec.tracepoint] = *n;
                }
            }
        }
        steal_clock_from_rq_ = percpu_distance(btf, "runqueues", "steal_time");
        btf__free(btf);  // before libbpf loads its own copy: the two never coexist
    }

    std::optional<int> arg_count(const std::string &tracepoint) const override {
        auto it = args_.find(tracepoint);
        return it == args_.end() ? std::nullopt : std::optional<int>(it->second);
    }

    std::int64_t steal_clock_from_rq() const override { return steal_clock_from_rq_; }

  private:
    // btf_trace_<name> is a typedef of a pointer to the probe's prototype, whose first
    // argument is the context (void *).
    static std::optional<int> count_args(const struct btf *btf, const char *tracepoint) {
        const std::string name = fmt::format("btf_trace_{}", tracepoint);
        const int id = btf__find_by_name_kind(btf, name.c_str(), BTF_KIND_TYPEDEF);
        if (id < 0) {
            return std::nullopt;
        }
        const struct btf_type *t = btf__type_by_id(btf, btf__type_by_id(btf, id)->type);
        if (t == nullptr || !btf_is_ptr(t)) {
            return std::nullopt;
        }
        t = btf__type_by_id(btf, t->type);
        if (t == nullptr || !btf_is_func_proto(t)) {
            return std::nullopt;
        }
        return btf_vlen(t) - 1;
    }

    // The address of per-CPU variable `to` minus that of `from`, from their offsets in the
    // per-CPU data section; 0 if either is missing.
    static std::int64_t percpu_distance(const struct btf *btf, const char *from, const char *to) {
        const int id = btf__find_by_name_kind(btf, ".data..percpu", BTF_KIND_DATASEC);
        if (id < 0) {
            return 0;
        }
        const struct btf_type *section = btf__type_by_id(btf, id);
        std::optional<std::int64_t> from_offset;
        std::optional<std::int64_t> to_offset;
        const struct btf_var_secinfo *vars = btf_var_secinfos(section);
        for (int i = 0; i < btf_vlen(section); ++i) {
            const char *name =
                btf__name_by_offset(btf, btf__type_by_id(btf, vars[i].type)->name_off);
            if (name != nullptr && std::strcmp(name, from) == 0) {
                from_offset = vars[i].offset;
            } else if (name != nullptr && std::strcmp(name, to) == 0) {
                to_offset = vars[i].offset;
            }
        }
        return from_offset && to_offset ? *to_offset - *from_offset : 0;
    }

    std::map<std::string, int> args_;
    std::int64_t steal_clock_from_rq_ = 0;
};

const ProgramChoice *choice_of(const std::vector<ProgramChoice> &choices, std::string_view name) {
    auto it = std::find_if(choices.begin(), choices.end(),
                           [&](const ProgramChoice &c) { return name == c.spec->program; });
    return it == choices.end() ? nullptr : &*it;
}

}  // namespace

std::span<const ProgramSpec> program_specs() {
    return kPrograms;
}

std::unique_ptr<TracepointCatalog> kernel_tracepoints() {
    return std::make_unique<KernelTracepoints>();
}

std::vector<ProgramChoice> choose_programs(const TracepointCatalog &kernel,
                                           const std::vector<std::string> &switched_off) {
    for (const std::string &name : switched_off) {
        const auto spec = std::find_if(std::begin(kPrograms), std::end(kPrograms),
                                       [&](const ProgramSpec &s) { return name == s.program; });
        if (spec == std::end(kPrograms) || spec->measures == nullptr) {
            throw std::invalid_argument(
                fmt::format("{} is not an optional program of iophase's BPF object", name));
        }
    }
    std::vector<ProgramChoice> choices;
    for (const ProgramSpec &spec : kPrograms) {
        ProgramChoice choice;
        choice.spec = &spec;
        if (std::find(switched_off.begin(), switched_off.end(), spec.program) !=
            switched_off.end()) {
            choice.load = false;
            choice.why_not = fmt::format("{} switched off (IOPHASE_SKIP_PROGRAMS)", spec.program);
        } else if (spec.measures != nullptr && spec.tracepoint != nullptr) {
            const auto args = kernel.arg_count(spec.tracepoint);
            if (!args) {
                choice.load = false;
                choice.why_not = fmt::format("this kernel has no tracepoint {}", spec.tracepoint);
            } else if (spec.args != 0 && *args != spec.args) {
                choice.load = false;
                choice.why_not = fmt::format("this kernel's {} has {} arguments, {} expects {}",
                                             spec.tracepoint, *args, spec.program, spec.args);
            }
        }
        choices.push_back(std::move(choice));
    }
    // A program whose partner is off would only cost.
    for (ProgramChoice &choice : choices) {
        if (choice.load && choice.spec->needs != nullptr) {
            const ProgramChoice *needed = choice_of(choices, choice.spec->needs);
            if (needed != nullptr && !needed->load) {
                choice.load = false;
                choice.knock_on = true;
                choice.why_not = fmt::format("{} is off", choice.spec->needs);
            }
        }
    }
    return choices;
}

std::vector<std::string> unavailable_measurements(const std::vector<ProgramChoice> &choices,
                                                  const TracepointCatalog &kernel) {
    // A measurement with two forms (two programs) is missing only if neither loads.
    std::map<std::string, std::vector<const ProgramChoice *>> by_measure;
    for (const ProgramChoice &choice : choices) {
        if (choice.spec->measures != nullptr) {
            by_measure[choice.spec->measures].push_back(&choice);
        }
    }
    std::vector<std::string> lines;
    for (const auto &[measure, programs] : by_measure) {
        const bool any_loaded = std::any_of(programs.begin(), programs.end(),
                                            [](const ProgramChoice *c) { return c->load; });
        // Off only because a partner is off: the partner's line says why.
        auto root_cause = std::find_if(programs.begin(), programs.end(),
                                       [](const ProgramChoice *c) { return !c->knock_on; });
        if (any_loaded || root_cause == programs.end()) {
            continue;
        }
        lines.push_back(fmt::format("{}: {}", measure, (*root_cause)->why_not));
    }
    if (kernel.steal_clock_from_rq() == 0) {
        lines.push_back(
            "time stolen by the hypervisor (stolen_ns): this kernel has no KVM steal clock "
            "(per-CPU steal_time in its BTF), so any steal stays in the bucket it interrupted");
    }
    return lines;
}

}  // namespace iophase
