// The time budget: per thread, user + kernel copy + kernel other + blocked + runq == wall
// (within 1%), and its on-CPU and run-queue buckets equal to the kernel's own account in
// /proc/PID/task/TID/schedstat over the same interval (on-CPU less what the hypervisor stole).
#include <gtest/gtest.h>

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/proc_stat.h"
#include "support/report_query.h"
#include "support/temp_dir.h"
#include "support/tracer_run.h"
#include "workloads/burn_cpu.h"

namespace bpftest {
namespace {

class BudgetTest : public BpfTest {};

// On a CPU: its own work and the interrupt work run on top of it (which the scheduler charges
// to the thread too, without IRQ_TIME_ACCOUNTING).
std::uint64_t on_cpu_ns(const json &budget) {
    return field(budget, "user_ns") + field(budget, "kernel_copy_ns") +
           field(budget, "kernel_other_ns") + field(budget, "irq_net_rx_ns") +
           field(budget, "irq_other_ns");
}

// The time the hypervisor stole from all CPUs since boot (/proc/stat's steal column). With
// CONFIG_PARAVIRT_TIME_ACCOUNTING (set in this VM's kernel) schedstat's on-CPU time
// leaves it out, while iophase's on-CPU time is the wall time a thread held a CPU: on a busy
// host the two differ by up to what was stolen (one CI run: 6-19% per thread).
std::uint64_t stolen_ns() {
    const std::optional<CpuTimes> all_cpus = read_cpu_times("cpu");
    EXPECT_TRUE(all_cpus) << "cannot read the steal column of /proc/stat";
    return all_cpus ? static_cast<std::uint64_t>(all_cpus->steal_ns) : 0;
}

// iophase's on-CPU time against schedstat's: at most 5% under it, and over it by at most 5%
// plus the time stolen from all CPUs in the interval (a thread loses at most that much; iophase
// takes what the KVM steal clock shows out of on-CPU time, but a stall it cannot attribute,
// as when another CPU charges a running thread, stays in). The thread's stolen time is at most
// what /proc/stat says was stolen from all CPUs.
void expect_on_cpu_matches_schedstat(const json &budget, double schedstat_ns,
                                     std::uint64_t stolen_in_interval_ns) {
    constexpr double kTolerance = 0.05;
    // /proc/stat counts each CPU's steal in ticks of 10 ms: the difference of two readings
    // may be short by a tick per CPU.
    const double rounding_ns = 10e6 * std::thread::hardware_concurrency();
    const auto measured = static_cast<double>(on_cpu_ns(budget));
    EXPECT_GE(measured, (1 - kTolerance) * schedstat_ns) << budget.dump();
    EXPECT_LE(measured,
              (1 + kTolerance) * schedstat_ns + static_cast<double>(stolen_in_interval_ns))
        << "stolen from all CPUs meanwhile: " << stolen_in_interval_ns << " ns; " << budget.dump();
    EXPECT_LE(static_cast<double>(field(budget, "stolen_ns")),
              static_cast<double>(stolen_in_interval_ns) + rounding_ns)
        << budget.dump();
}

void expect_budget_adds_up(const json &budget) {
    const std::uint64_t wall = field(budget, "wall_ns");
    const std::uint64_t accounted = on_cpu_ns(budget) + field(budget, "stolen_ns") +
                                    field(budget, "blocked_ns") + field(budget, "runq_ns");
    EXPECT_GT(wall, 0u) << budget.dump();
    EXPECT_NEAR(static_cast<double>(accounted), static_cast<double>(wall), 0.01 * wall)
        << budget.dump();
}

TEST_F(BudgetTest, ThreadBudgetsAddUpToWall) {
    // One workload that burns, naps and competes for the 2 CPUs (runq), one that blocks in
    // recv: between them every bucket of the budget gets time.
    const std::vector<std::vector<std::string>> workloads{
        {"cpu-burn", "--threads", "3", "--burn-ms", "150", "--nap-ms", "10"},
        {"blocking-recv", "--delay-ms", "100", "--repeat", "2"},
    };
    for (const auto &args : workloads) {
        SCOPED_TRACE(args[0]);
        const auto facts_path = dir_.file("facts.txt");
        std::vector<std::string> workload_args(args.begin() + 1, args.end());
        workload_args.insert(workload_args.end(), {"--facts", facts_path});
        const auto result = run_trace(dir_, {}, workload(args[0], workload_args));
        ASSERT_TRACE_OK(result);
        const json *process = find_process(result.report, fact(read_facts(facts_path), "pid"));
        ASSERT_NE(process, nullptr) << "workload pid missing from the report";

        ASSERT_TRUE((*process)["threads"].is_array());
        EXPECT_GE((*process)["threads"].size(), 2u) << "main thread and its helper threads";
        for (const auto &thread : (*process)["threads"]) {
            SCOPED_TRACE("tid " + std::to_string(thread.value("tid", 0)));
            expect_budget_adds_up(thread["budget"]);
        }
        SCOPED_TRACE("process budget");
        expect_budget_adds_up((*process)["budget"]);
    }
}

TEST_F(BudgetTest, OnCpuTimeMatchesSchedstat) {
    const auto facts_path = dir_.file("facts.txt");
    const std::uint64_t stolen_before = stolen_ns();
    const auto result = run_trace(dir_, {},
                                  workload("cpu-burn", {"--threads", "2", "--burn-ms", "300",
                                                        "--nap-ms", "10", "--facts", facts_path}));
    const std::uint64_t stolen = stolen_ns() - stolen_before;
    ASSERT_TRACE_OK(result);
    const auto facts = read_facts(facts_path);
    ASSERT_EQ(facts.count("status"), 1u) << "the workload did not finish";
    const json *process = find_process(result.report, fact(facts, "pid"));
    ASSERT_NE(process, nullptr) << "workload pid missing from the report";

    for (long long i = 0; i < fact(facts, "threads"); ++i) {
        const std::string prefix = "thread." + std::to_string(i);
        const long long tid = fact(facts, prefix + ".tid");
        const auto schedstat_ns = static_cast<double>(fact(facts, prefix + ".on_cpu_ns"));
        SCOPED_TRACE("tid " + std::to_string(tid));
        ASSERT_GT(schedstat_ns, 250e6) << "the thread did not burn its 300 ms";
        const json *thread = find_thread(*process, tid);
        ASSERT_NE(thread, nullptr) << "thread missing from threads[]";
        expect_on_cpu_matches_schedstat((*thread)["budget"], schedstat_ns, stolen);
    }
}

// The kernel's own account of a thread of this process (/proc/self/task/TID/schedstat).
struct Schedstat {
    std::uint64_t on_cpu_ns = 0;  // first field: time on a CPU
    std::uint64_t runq_ns = 0;    // second field: time runnable, waiting for a CPU
};

std::string task_file(pid_t tid, const char *name) {
    return "/proc/self/task/" + std::to_string(tid) + "/" + name;
}

Schedstat read_schedstat(pid_t tid) {
    std::ifstream in(task_file(tid, "schedstat"));
    Schedstat stat;
    in >> stat.on_cpu_ns >> stat.runq_ns;
    EXPECT_TRUE(in) << "cannot read " << task_file(tid, "schedstat");
    return stat;
}

// True once every thread sleeps (state S): schedstat brings a thread's numbers up to date when
// it leaves the CPU and does not change them while it sleeps. Polled up to 5 s.
bool all_asleep(const std::vector<pid_t> &tids) {
    for (int attempt = 0; attempt < 500; ++attempt) {
        const bool asleep = std::all_of(tids.begin(), tids.end(), [](pid_t tid) {
            const std::string stat = read_text(task_file(tid, "stat"));
            const std::size_t name_end = stat.rfind(')');  // "TID (NAME) STATE ..."
            return name_end != std::string::npos && stat.compare(name_end, 3, ") S") == 0;
        });
        if (asleep) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

// Threads of this test process that, once released, burn CPU in slices with naps between them:
// one more of them than there are CPUs, so that they also wait for one. Before the release and
// after their work they sleep on a condition variable, where their schedstat stands still.
class Burners {
  public:
    Burners(unsigned count, std::chrono::nanoseconds burn, std::chrono::milliseconds nap)
        : burn_(burn), nap_(nap), tids_(count) {
        for (unsigned i = 0; i < count; ++i) {
            threads_.emplace_back([this, i] { run(i); });
        }
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return started_ == tids_.size(); });
    }
    Burners(const Burners &) = delete;
    Burners &operator=(const Burners &) = delete;
    ~Burners() {
        {
            const std::lock_guard lock(mutex_);
            released_ = exiting_ = true;
        }
        changed_.notify_all();
        for (std::thread &thread : threads_) {
            thread.join();
        }
    }

    const std::vector<pid_t> &tids() const { return tids_; }

    // Lets them work and waits until every one has finished.
    void run_once() {
        std::unique_lock lock(mutex_);
        released_ = true;
        changed_.notify_all();
        changed_.wait(lock, [&] { return done_ == tids_.size(); });
    }

  private:
    static constexpr int kSlices = 5;

    void run(unsigned i) {
        std::unique_lock lock(mutex_);
        tids_[i] = static_cast<pid_t>(::syscall(SYS_gettid));
        ++started_;
        changed_.notify_all();
        changed_.wait(lock, [&] { return released_; });
        lock.unlock();
        for (int slice = 0; slice < kSlices; ++slice) {
            workload::burn_cpu(burn_.count() / kSlices);
            std::this_thread::sleep_for(nap_);
        }
        lock.lock();
        ++done_;
        changed_.notify_all();
        changed_.wait(lock, [&] { return exiting_; });
    }

    const std::chrono::nanoseconds burn_;
    const std::chrono::milliseconds nap_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<pid_t> tids_;
    std::size_t started_ = 0;
    std::size_t done_ = 0;
    bool released_ = false;
    bool exiting_ = false;
    std::vector<std::thread> threads_;
};

// The budget's on-CPU and run-queue buckets of threads of this process against schedstat, read
// while they sleep right after the attach and again after their work: an account the tracer
// has no part in, of exactly the traced interval.
TEST_F(BudgetTest, OnCpuAndRunQueueMatchSchedstat) {
    using namespace std::chrono_literals;
    constexpr double kRunqTolerance = 0.05;
    constexpr double kRunqSlackNs = 1e6;
    Burners burners(std::thread::hardware_concurrency() + 1, 200ms, 10ms);
    TraceRun trace(dir_, {"-p", std::to_string(::getpid())});
    wait_until_attached(dir_);
    ASSERT_TRUE(all_asleep(burners.tids()));
    std::vector<Schedstat> before;
    for (pid_t tid : burners.tids()) {
        before.push_back(read_schedstat(tid));
    }
    const std::uint64_t stolen_before = stolen_ns();
    burners.run_once();
    ASSERT_TRUE(all_asleep(burners.tids()));
    const std::uint64_t stolen = stolen_ns() - stolen_before;
    std::vector<Schedstat> after;
    for (pid_t tid : burners.tids()) {
        after.push_back(read_schedstat(tid));
    }
    trace.interrupt();
    const auto result = trace.finish();
    ASSERT_TRACE_OK(result);
    const json *process = find_process(result.report, ::getpid());
    ASSERT_NE(process, nullptr) << "the test process is missing from the report";

    std::uint64_t runq_total = 0;
    for (std::size_t i = 0; i < burners.tids().size(); ++i) {
        const pid_t tid = burners.tids()[i];
        SCOPED_TRACE("tid " + std::to_string(tid));
        const json *thread = find_thread(*process, tid);
        ASSERT_NE(thread, nullptr) << "thread missing from threads[]";
        const json &budget = (*thread)["budget"];
        const auto on_cpu = static_cast<double>(after[i].on_cpu_ns - before[i].on_cpu_ns);
        const auto runq = static_cast<double>(after[i].runq_ns - before[i].runq_ns);
        runq_total += after[i].runq_ns - before[i].runq_ns;
        // Measured here (75 threads in 25 runs on 2 CPUs with other work): on-CPU from 0.02%
        // under to 2.3% over schedstat, the run queue within 1.6 ms (2.5%) of it. The run
        // queue's clock (rq_clock) counts stolen time as schedstat's on-CPU clock does not.
        expect_on_cpu_matches_schedstat(budget, on_cpu, stolen);
        EXPECT_NEAR(static_cast<double>(field(budget, "runq_ns")), runq,
                    kRunqTolerance * runq + kRunqSlackNs)
            << budget.dump();
    }
    // 200 to 240 ms in those runs: the run-queue comparison compared something.
    EXPECT_GT(runq_total, 50'000'000u) << "the threads hardly waited for a CPU";
}

}  // namespace
}  // namespace bpftest
