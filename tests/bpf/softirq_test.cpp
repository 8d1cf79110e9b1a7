// Interrupt work is a bucket of its own: under an echo load the server's NET_RX softirq time
// agrees with what the kernel itself counts for the CPU the server has to itself
// (/proc/stat's irq and softirq columns, sampled at each tick).
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <unistd.h>

#include "support/demo_line.h"
#include "support/proc_stat.h"
#include "support/report_query.h"
#include "support/subprocess.h"
#include "support/tracer_run.h"

namespace bpftest {
namespace {

using namespace std::chrono_literals;

constexpr int kServerCpu = 1;
constexpr int kOtherCpu = 0;

class SoftirqTest : public BpfTest {};

TEST_F(SoftirqTest, ServerSoftirqBucketAgreesWithTheKernelsCount) {
    if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
        GTEST_SKIP() << "needs two CPUs: the server alone on one";
    }
    const std::string cpu = std::to_string(kServerCpu);
    const std::string other = std::to_string(kOtherCpu);
    Subprocess server({"/usr/bin/taskset", "-c", cpu, IOPHASE_DEMO_EPOLL_LT_BIN},
                      dir_.file("demo.out"), dir_.file("demo.err"));
    std::optional<DemoLine> demo;
    for (int attempt = 0; attempt < 200 && !demo; ++attempt) {
        std::this_thread::sleep_for(25ms);
        demo = parse_demo_line(read_text(dir_.file("demo.out")));
    }
    ASSERT_TRUE(demo) << read_text(dir_.file("demo.err"));
    const std::string port = std::to_string(demo->port);
    Subprocess load({"/usr/bin/taskset", "-c", other, IOPHASE_BIN, "load", "127.0.0.1:" + port,
                     "-c", "20", "-d", "8"},
                    dir_.file("load.out"), dir_.file("load.err"));
    std::this_thread::sleep_for(1s);  // the load at its pace
    TraceRun trace(dir_, {"-p", std::to_string(server.pid()), "-d", "4"});
    wait_until_attached(dir_);
    const std::string server_cpu_row = "cpu" + cpu;
    const std::optional<CpuTimes> before = read_cpu_times(server_cpu_row);
    const auto result = trace.finish();
    const std::optional<CpuTimes> after = read_cpu_times(server_cpu_row);
    load.kill();
    server.kill();
    ASSERT_TRACE_OK(result);
    ASSERT_TRUE(before && after) << "no " << server_cpu_row << " row in /proc/stat";
    const json *process = find_process(result.report, server.pid());
    ASSERT_NE(process, nullptr);
    const json &budget = (*process)["budget"];
    const double ours =
        static_cast<double>(field(budget, "irq_net_rx_ns") + field(budget, "irq_other_ns"));
    const double on_cpu =
        static_cast<double>(field(budget, "user_ns") + field(budget, "kernel_copy_ns") +
                            field(budget, "kernel_other_ns") + field(budget, "irq_net_rx_ns") +
                            field(budget, "irq_other_ns"));
    const double kernel_interrupt = after->interrupt_ns() - before->interrupt_ns();
    const double kernel_busy = after->busy_ns() - before->busy_ns();
    ASSERT_GT(field(budget, "irq_net_rx_ns"), 0u) << "no NET_RX softirq in the server's context";
    // The comparison holds only if the server had its CPU to itself.
    ASSERT_GT(on_cpu, 0.8 * kernel_busy)
        << "CPU " << kServerCpu << " was busy " << kernel_busy / 1e6 << " ms, the server only "
        << on_cpu / 1e6 << " ms: something else ran there";
    EXPECT_NEAR(ours, kernel_interrupt, 0.2 * kernel_interrupt)
        << "iophase: " << ours / 1e6
        << " ms of interrupt work on the server thread; /proc/stat: " << kernel_interrupt / 1e6
        << " ms on CPU " << kServerCpu;
}

}  // namespace
}  // namespace bpftest
