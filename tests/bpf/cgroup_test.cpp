// `iophase trace --cgroup DIR`: every process in a cgroup v2 directory, the ones already there
// and the ones that start there later, and nothing outside it.
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "support/report_query.h"
#include "support/subprocess.h"
#include "support/tracer_run.h"

namespace bpftest {
namespace {

using std::chrono::seconds;

// Where the cgroup v2 hierarchy is mounted ("" if it is not): /sys/fs/cgroup on a unified
// system, /sys/fs/cgroup/unified on a hybrid one like ours.
std::string cgroup2_mount() {
    std::istringstream mounts(read_text("/proc/self/mounts"));
    std::string device, path, type, rest;
    while (mounts >> device >> path >> type && std::getline(mounts, rest)) {
        if (type == "cgroup2") {
            return path;
        }
    }
    return "";
}

// A cgroup made for one test and removed after it (once the processes in it have exited).
class ScratchCgroup {
  public:
    explicit ScratchCgroup(const std::string &mount)
        : path_(mount + "/iophase-bpftest-" + std::to_string(::getpid())) {
        std::filesystem::create_directory(path_);
    }
    ScratchCgroup(const ScratchCgroup &) = delete;
    ScratchCgroup &operator=(const ScratchCgroup &) = delete;
    ~ScratchCgroup() { ::rmdir(path_.c_str()); }

    const std::string &path() const { return path_; }

    bool add(pid_t pid) const {
        std::ofstream procs(path_ + "/cgroup.procs");
        procs << pid << '\n';
        procs.flush();
        return static_cast<bool>(procs);
    }

  private:
    std::string path_;
};

class CgroupTest : public BpfTest {};

TEST_F(CgroupTest, TracesTheProcessesInTheCgroupAndNoOthers) {
    const std::string mount = cgroup2_mount();
    ASSERT_FALSE(mount.empty()) << "no cgroup2 hierarchy is mounted (see /proc/self/mounts)";
    ScratchCgroup cgroup(mount);

    // One process already in the cgroup and one outside it, both idle until SIGUSR1.
    Subprocess inside(workload("pipe-activity", {"--run-ms", "300", "--wait-for-sigusr1", "1",
                                                 "--facts", dir_.file("inside.facts")}),
                      dir_.file("inside.out"), dir_.file("inside.err"));
    Subprocess outside(workload("pipe-activity", {"--run-ms", "300", "--wait-for-sigusr1", "1"}),
                       dir_.file("outside.out"), dir_.file("outside.err"));
    ASSERT_TRUE(cgroup.add(inside.pid()));
    ASSERT_TRUE(waits_for_signal(inside.pid()) && waits_for_signal(outside.pid()));

    TraceRun trace(dir_, {"--cgroup", cgroup.path(), "-d", "1.5"});
    wait_until_attached(dir_);
    ::kill(inside.pid(), SIGUSR1);
    ::kill(outside.pid(), SIGUSR1);
    // A process that enters the cgroup after the attach and only then execs the workload.
    const std::string late_facts = dir_.file("late.facts");
    Subprocess late(
        {"/bin/sh", "-c", "echo $$ > '" + cgroup.path() + "/cgroup.procs' && exec \"$0\" \"$@\"",
         BPF_WORKLOAD_BIN, "pipe-activity", "--run-ms", "300", "--facts", late_facts},
        dir_.file("late.out"), dir_.file("late.err"));
    EXPECT_EQ(inside.wait_for(seconds(5)), 0) << read_text(dir_.file("inside.err"));
    EXPECT_EQ(outside.wait_for(seconds(5)), 0) << read_text(dir_.file("outside.err"));
    EXPECT_EQ(late.wait_for(seconds(5)), 0) << read_text(dir_.file("late.err"));
    const auto result = trace.finish();
    ASSERT_TRACE_OK(result);

    const json *traced = find_process(result.report, inside.pid());
    ASSERT_NE(traced, nullptr) << "the process in the cgroup is missing from the report";
    EXPECT_EQ(
        sum_syscalls((*traced)["syscalls"], {"read"}, "pipe").count,
        static_cast<std::uint64_t>(fact(read_facts(dir_.file("inside.facts")), "round_trips")))
        << describe_syscalls((*traced)["syscalls"]);

    const json *started_later = find_process(result.report, late.pid());
    ASSERT_NE(started_later, nullptr)
        << "the process that started in the cgroup after the attach is missing";
    EXPECT_EQ(sum_syscalls((*started_later)["syscalls"], {"read"}, "pipe").count,
              static_cast<std::uint64_t>(fact(read_facts(late_facts), "round_trips")))
        << describe_syscalls((*started_later)["syscalls"]);

    EXPECT_EQ(find_process(result.report, outside.pid()), nullptr)
        << "a process outside the cgroup was traced";
}

}  // namespace
}  // namespace bpftest
