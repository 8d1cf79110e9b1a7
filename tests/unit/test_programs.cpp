// Which BPF programs load on which kernel, decided from the kernel's tracepoint prototypes.
// The prototypes below are those of Debian's 6.1 and 6.12 kernels and of 6.18 (read from their
// BTF with `bpftool btf dump`); the choice must load one form of each changed tracepoint and
// name what a kernel cannot measure.
#include <gtest/gtest.h>

#include <bpf/libbpf.h>

#include <algorithm>
#include <map>
#include <string>

#include "iophase.skel.h"
#include "tracer/programs.h"

namespace iophase {
namespace {

class FakeKernel final : public TracepointCatalog {
  public:
    explicit FakeKernel(std::map<std::string, int> args, std::int64_t steal_clock_from_rq = -98496)
        : args_(std::move(args)), steal_clock_from_rq_(steal_clock_from_rq) {}
    std::optional<int> arg_count(const std::string &tracepoint) const override {
        auto it = args_.find(tracepoint);
        return it == args_.end() ? std::nullopt : std::optional<int>(it->second);
    }
    std::int64_t steal_clock_from_rq() const override { return steal_clock_from_rq_; }

  private:
    std::map<std::string, int> args_;
    std::int64_t steal_clock_from_rq_;
};

// The tracepoints every supported kernel has, with their argument counts.
std::map<std::string, int> common_tracepoints() {
    return {{"sys_enter", 2},
            {"sys_exit", 2},
            {"sched_switch", 4},
            {"sched_waking", 1},
            {"sched_wakeup_new", 1},
            {"sched_process_fork", 2},
            {"sched_process_exec", 3},
            {"skb_copy_datagram_iovec", 2},
            {"tcp_rcv_space_adjust", 1},
            {"net_dev_queue", 1},
            {"softirq_entry", 1},
            {"softirq_exit", 1},
            {"irq_handler_entry", 2},
            {"irq_handler_exit", 3},
            {"io_uring_poll_arm", 3},
            {"io_uring_task_add", 2},
            {"io_uring_queue_async_work", 2},
            {"signal_generate", 5},
            {"signal_deliver", 3}};
}

FakeKernel debian_6_1() {
    auto tp = common_tracepoints();
    tp["sched_process_exit"] = 1;
    tp["io_uring_submit_sqe"] = 2;
    tp["io_uring_complete"] = 7;
    return FakeKernel(tp);
}

FakeKernel debian_6_12() {
    auto tp = common_tracepoints();
    tp["sched_process_exit"] = 1;
    tp["io_uring_submit_req"] = 1;
    tp["io_uring_complete"] = 7;
    tp["sk_data_ready"] = 1;
    return FakeKernel(tp);
}

FakeKernel kernel_6_18() {
    auto tp = common_tracepoints();
    tp["sched_process_exit"] = 2;
    tp["io_uring_submit_req"] = 1;
    tp["io_uring_complete"] = 3;
    tp["sk_data_ready"] = 1;
    tp["tcp_sendmsg_locked"] = 4;
    return FakeKernel(tp);
}

bool loads(const std::vector<ProgramChoice> &choices, const std::string &program) {
    auto it = std::find_if(choices.begin(), choices.end(),
                           [&](const ProgramChoice &c) { return program == c.spec->program; });
    EXPECT_NE(it, choices.end()) << program << " is not in the program table";
    return it != choices.end() && it->load;
}

bool mentions(const std::vector<std::string> &lines, const std::string &text) {
    return std::any_of(lines.begin(), lines.end(),
                       [&](const std::string &l) { return l.find(text) != std::string::npos; });
}

TEST(Programs, Debian61LoadsTheOldFormsAndSaysWhatItCannotMeasure) {
    const FakeKernel kernel = debian_6_1();
    const auto choices = choose_programs(kernel);
    EXPECT_TRUE(loads(choices, "on_process_exit"));
    EXPECT_TRUE(loads(choices, "on_uring_submit_sqe"));
    EXPECT_FALSE(loads(choices, "on_uring_submit"));
    EXPECT_TRUE(loads(choices, "on_uring_complete"));
    EXPECT_FALSE(loads(choices, "on_uring_complete_cqe"));
    EXPECT_TRUE(loads(choices, "on_copy_in_start"));
    EXPECT_FALSE(loads(choices, "on_copy_out_start"));
    // Useless without the start of the output bracket, and net_dev_queue fires on every packet.
    EXPECT_FALSE(loads(choices, "on_copy_out_end_xmit"));
    EXPECT_FALSE(loads(choices, "on_data_ready"));
    const auto missing = unavailable_measurements(choices, kernel);
    EXPECT_TRUE(mentions(missing, "copy phase of TCP output")) << ::testing::PrintToString(missing);
    EXPECT_TRUE(mentions(missing, "no tracepoint tcp_sendmsg_locked"));
    EXPECT_TRUE(mentions(missing, "no tracepoint sk_data_ready"));
    EXPECT_FALSE(mentions(missing, "io_uring operation lifetimes"))
        << "one form of each io_uring tracepoint loads";
    EXPECT_FALSE(mentions(missing, " is off")) << "a knock-on is not a cause of its own";
}

TEST(Programs, Debian612HasTheNewSubmissionButTheOldCompletion) {
    const FakeKernel kernel = debian_6_12();
    const auto choices = choose_programs(kernel);
    EXPECT_TRUE(loads(choices, "on_uring_submit"));
    EXPECT_FALSE(loads(choices, "on_uring_submit_sqe"));
    EXPECT_TRUE(loads(choices, "on_uring_complete"));
    EXPECT_FALSE(loads(choices, "on_uring_complete_cqe"));
    EXPECT_TRUE(loads(choices, "on_data_ready"));
    EXPECT_FALSE(loads(choices, "on_copy_out_start"));
    EXPECT_EQ(unavailable_measurements(choices, kernel).size(), 1u)
        << ::testing::PrintToString(unavailable_measurements(choices, kernel));
}

TEST(Programs, Kernel618LoadsEverything) {
    const FakeKernel kernel = kernel_6_18();
    const auto choices = choose_programs(kernel);
    for (const ProgramChoice &c : choices) {
        const std::string name = c.spec->program;
        const bool old_form = name == "on_uring_submit_sqe" || name == "on_uring_complete";
        EXPECT_EQ(c.load, !old_form) << name << ": " << c.why_not;
    }
    EXPECT_TRUE(unavailable_measurements(choices, kernel).empty());
}

// A kernel that is no KVM guest has no steal clock: the report says steal is not measured.
TEST(Programs, AKernelWithoutAStealClockSaysStealIsNotMeasured) {
    const FakeKernel kernel(common_tracepoints(), 0);
    const auto lines = unavailable_measurements(choose_programs(kernel), kernel);
    EXPECT_TRUE(mentions(lines, "stolen_ns")) << ::testing::PrintToString(lines);
    EXPECT_FALSE(mentions(unavailable_measurements(choose_programs(kernel_6_18()), kernel_6_18()),
                          "stolen_ns"));
}

TEST(Programs, CoreProgramsLoadEvenWhereTheKernelLacksTheirTracepoint) {
    // Then the load fails with libbpf's reason instead of a silent report without syscalls.
    const auto choices = choose_programs(FakeKernel({}));
    EXPECT_TRUE(loads(choices, "on_sys_enter"));
    EXPECT_TRUE(loads(choices, "dump_threads"));
    EXPECT_FALSE(loads(choices, "on_copy_in_start"));
}

TEST(Programs, ProgramsSwitchedOffForTheBenchAreOffWithTheirPartners) {
    const auto choices = choose_programs(kernel_6_18(), {"on_copy_in_start", "on_softirq_entry"});
    EXPECT_FALSE(loads(choices, "on_copy_in_start"));
    EXPECT_FALSE(loads(choices, "on_copy_in_end_tcp"));  // needs on_copy_in_start
    EXPECT_FALSE(loads(choices, "on_data_ready"));       // needs on_copy_in_start
    EXPECT_FALSE(loads(choices, "on_softirq_exit"));
    EXPECT_TRUE(loads(choices, "on_copy_out_start"));
    EXPECT_TRUE(loads(choices, "on_hardirq_entry"));
    const auto lines = unavailable_measurements(choices, kernel_6_18());
    ASSERT_FALSE(lines.empty());
    for (const std::string &line : lines) {
        EXPECT_NE(line.find("IOPHASE_SKIP_PROGRAMS"), std::string::npos) << line;
    }
    // Without the core programs nothing is measured: they cannot be switched off.
    EXPECT_THROW(choose_programs(kernel_6_18(), {"on_sys_enter"}), std::invalid_argument);
    EXPECT_THROW(choose_programs(kernel_6_18(), {"on_no_such_program"}), std::invalid_argument);
}

TEST(Programs, EveryProgramOfTheBpfObjectIsInTheTableAndBack) {
    // A renamed program would otherwise lose its choice. Opening parses the object only:
    // no privileges needed, nothing is loaded.
    iophase_bpf *skel = iophase_bpf::open();
    ASSERT_NE(skel, nullptr);
    std::size_t in_object = 0;
    bpf_program *prog = nullptr;
    bpf_object__for_each_program(prog, skel->obj) {
        ++in_object;
        const std::string name = bpf_program__name(prog);
        const auto specs = program_specs();
        EXPECT_TRUE(std::any_of(specs.begin(), specs.end(),
                                [&](const ProgramSpec &s) { return name == s.program; }))
            << name << " is in the BPF object but not in tracer/programs.cpp";
    }
    EXPECT_EQ(in_object, program_specs().size());
    iophase_bpf::destroy(skel);
}

}  // namespace
}  // namespace iophase
