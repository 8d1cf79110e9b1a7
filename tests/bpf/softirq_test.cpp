// Interrupt work is a bucket of its own: under an echo load the server's NET_RX softirq time
// agrees with what the kernel itself counts for the CPU the server has to itself
// (/proc/stat's irq and softirq columns, sampled at each tick).
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>

#include "support/report_query.h"
#include "support/subprocess.h"
#include "support/tracer_run.h"

namespace bpftest {
namespace {

using namespace std::chrono_literals;

constexpr int kServerCpu = 1;
constexpr int kOtherCpu = 0;

// /proc/stat's time of one CPU, in ns: the interrupt columns and the busy ones.
struct CpuTimes {
    double interrupt_ns = 0;  // irq + softirq
    double busy_ns = 0;       // user + nice + system + irq + softirq
};

CpuTimes cpu_times(int cpu) {
    std::ifstream stat("/proc/stat");
    const std::string prefix = "cpu" + std::to_string(cpu) + " ";
    const double tick_ns = 1e9 / static_cast<double>(sysconf(_SC_CLK_TCK));
    for (std::string line; std::getline(stat, line);) {
        if (line.rfind(prefix, 0) != 0) {
            continue;
        }
        std::istringstream fields(line.substr(prefix.size()));
        double user, nice, system, idle, iowait, irq, softirq;
        fields >> user >> nice >> system >> idle >> iowait >> irq >> softirq;
        return {(irq + softirq) * tick_ns, (user + nice + system + irq + softirq) * tick_ns};
    }
    return {};
}

std::string demo_line_port(const std::string &text) {
    const auto at = text.find("port=");
    if (at == std::string::npos) {
        return "";
    }
    return text.substr(at + 5, text.find_first_of(" \n", at) - at - 5);
}

class SoftirqTest : public BpfTest {};

TEST_F(SoftirqTest, ServerSoftirqBucketAgreesWithTheKernelsCount) {
    if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
        GTEST_SKIP() << "needs two CPUs: the server alone on one";
    }
    const std::string cpu = std::to_string(kServerCpu);
    const std::string other = std::to_string(kOtherCpu);
    Subprocess server({"/usr/bin/taskset", "-c", cpu, IOPHASE_DEMO_EPOLL_LT_BIN},
                      dir_.file("demo.out"), dir_.file("demo.err"));
    std::string port;
    for (int attempt = 0; attempt < 200 && port.empty(); ++attempt) {
        std::this_thread::sleep_for(25ms);
        port = demo_line_port(read_text(dir_.file("demo.out")));
    }
    ASSERT_FALSE(port.empty()) << read_text(dir_.file("demo.err"));
    Subprocess load({"/usr/bin/taskset", "-c", other, IOPHASE_BIN, "load", "127.0.0.1:" + port,
                     "-c", "20", "-d", "8"},
                    dir_.file("load.out"), dir_.file("load.err"));
    std::this_thread::sleep_for(1s);  // the load at its pace
    TraceRun trace(dir_, {"-p", std::to_string(server.pid()), "-d", "4"});
    wait_until_attached(dir_);
    const CpuTimes before = cpu_times(kServerCpu);
    const auto result = trace.finish();
    const CpuTimes after = cpu_times(kServerCpu);
    load.kill();
    server.kill();
    ASSERT_TRACE_OK(result);
    const json *process = find_process(result.report, server.pid());
    ASSERT_NE(process, nullptr);
    const json &budget = (*process)["budget"];
    const double ours =
        static_cast<double>(field(budget, "irq_net_rx_ns") + field(budget, "irq_other_ns"));
    const double on_cpu =
        static_cast<double>(field(budget, "user_ns") + field(budget, "kernel_copy_ns") +
                            field(budget, "kernel_other_ns") + field(budget, "irq_net_rx_ns") +
                            field(budget, "irq_other_ns"));
    const double kernel_interrupt = after.interrupt_ns - before.interrupt_ns;
    const double kernel_busy = after.busy_ns - before.busy_ns;
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
