// The JSON report: exact round trip, the field names of docs/report.schema.json, integer times.
#include <gtest/gtest.h>

#include <functional>

#include "model/classify.h"
#include "report/json_report.h"
#include "sample/sample_report.h"

namespace iophase {
namespace {

using nlohmann::json;

Report classified_sample() {
    Report r = sample::make_sample_report();
    classify_all(r);
    return r;
}

TEST(JsonReport, RoundTripsExactly) {
    const Report original = classified_sample();
    const json first = report_to_json(original);
    const Report back = report_from_json(first);
    EXPECT_EQ(report_to_json(back), first);
    // Also through text, as a file would.
    EXPECT_EQ(report_to_json(report_from_json(json::parse(first.dump()))), first);

    ASSERT_EQ(back.processes.size(), original.processes.size());
    const ProcessReport &p = back.processes[0];
    const ProcessReport &o = original.processes[0];
    EXPECT_EQ(p.pid, o.pid);
    EXPECT_EQ(p.io_model.label, o.io_model.label);
    EXPECT_EQ(p.io_model.evidence, o.io_model.evidence);
    EXPECT_EQ(p.io_model.metrics, o.io_model.metrics);
    EXPECT_EQ(p.budget.blocked_by, o.budget.blocked_by);
    EXPECT_EQ(p.budget.wall_ns, o.budget.wall_ns);
    EXPECT_EQ(p.facts.epoll_ctl_et, 51u);
    ASSERT_EQ(p.syscalls.size(), o.syscalls.size());
    for (std::size_t i = 0; i < p.syscalls.size(); ++i) {
        EXPECT_EQ(p.syscalls[i].name, o.syscalls[i].name);
        EXPECT_EQ(p.syscalls[i].multiplexer, o.syscalls[i].multiplexer);
        EXPECT_EQ(p.syscalls[i].fds_asked, o.syscalls[i].fds_asked);
        EXPECT_EQ(p.syscalls[i].hist_log2_ns, o.syscalls[i].hist_log2_ns);
        EXPECT_EQ(p.syscalls[i].eagain, o.syscalls[i].eagain);
    }
    EXPECT_EQ(back.processes[3].parent_pid, 300);
    EXPECT_TRUE(back.processes[3].exited);
    EXPECT_TRUE(back.processes[1].threads[3].exited);
    const ProcessReport &uring = back.processes[4];
    ASSERT_EQ(uring.io_uring.size(), 3u);
    EXPECT_EQ(uring.io_uring[1].opcode, "recv");
    EXPECT_EQ(uring.io_uring[1].completions, 3000u);
    EXPECT_EQ(uring.io_uring[1].ready_wait_ns, original.processes[4].io_uring[1].ready_wait_ns);
    EXPECT_EQ(uring.io_uring[1].hist_log2_ns, original.processes[4].io_uring[1].hist_log2_ns);
    EXPECT_EQ(back.processes[5].signals.coalesced, 50u);
    EXPECT_EQ(back.processes[5].signals.to_read_ns, original.processes[5].signals.to_read_ns);
    EXPECT_EQ(back.health.unavailable, original.health.unavailable);
    EXPECT_EQ(back.health.map_full_drops, 2u);
}

TEST(JsonReport, TopLevelAndProcessFields) {
    const json j = report_to_json(classified_sample());
    for (const char *key : {"schema_version", "iophase_version", "kernel", "started_at",
                            "duration_ns", "processes", "health"}) {
        EXPECT_TRUE(j.contains(key)) << key;
    }
    EXPECT_EQ(j["schema_version"], 4);
    EXPECT_EQ(j["started_at"], "2026-11-23T01:34:15Z");
    const json &p = j["processes"][0];
    for (const char *key :
         {"pid", "parent_pid", "ppid", "comm", "cmdline", "exited", "io_model", "structure",
          "roles", "budget", "facts", "threads", "syscalls", "io_uring", "signals"}) {
        EXPECT_TRUE(p.contains(key)) << key;
    }
    EXPECT_EQ(p["io_model"]["label"], "epoll-et");
    EXPECT_TRUE(p["io_model"]["evidence"].is_array());
    EXPECT_TRUE(p["io_model"]["metrics"].is_object());
    for (const char *key : {"wall_ns", "user_ns", "kernel_copy_ns", "kernel_other_ns", "blocked_ns",
                            "blocked_by", "runq_ns"}) {
        EXPECT_TRUE(p["budget"].contains(key)) << key;
        EXPECT_TRUE(p["threads"][0]["budget"].contains(key)) << key;
    }
    EXPECT_EQ(p["budget"]["blocked_by"]["epoll_wait"], 9'200'000'000ULL);
    EXPECT_EQ(p["facts"]["epoll_ctl_et"], 51);
    EXPECT_TRUE(p["io_uring"].empty());
    const json &recv_op = j["processes"][4]["io_uring"][1];
    EXPECT_EQ(recv_op["opcode"], "recv");
    EXPECT_EQ(recv_op["ready_waits"], 3000);
    EXPECT_EQ(recv_op["completed_task_work"], 2990);
    EXPECT_EQ(recv_op["hist_log2_ns"].size(), kHistSlots);
    EXPECT_EQ(j["processes"][5]["signals"]["generated"], 750);
    EXPECT_EQ(j["processes"][5]["signals"]["delay_ns"], 650 * 12'000);
    const json &health = j["health"];
    EXPECT_EQ(health["map_full_drops"], 2);
    EXPECT_EQ(health["unavailable"].size(), 1u);
}

const json &syscall_named(const json &process, const std::string &name) {
    for (const json &s : process["syscalls"]) {
        if (s["name"] == name) {
            return s;
        }
    }
    throw std::runtime_error("no syscall " + name);
}

TEST(JsonReport, MultiplexerFieldsOnlyOnMultiplexers) {
    const json p = report_to_json(classified_sample())["processes"][0];
    const json &epoll = syscall_named(p, "epoll_wait");
    EXPECT_EQ(epoll["fds_asked"], 4812 * 51);
    EXPECT_EQ(epoll["fds_ready"], 4812 * 3);
    EXPECT_EQ(epoll["timeouts"], 0);
    const json &recv = syscall_named(p, "recvfrom");
    EXPECT_FALSE(recv.contains("fds_asked"));
    EXPECT_FALSE(recv.contains("timeouts"));
    EXPECT_EQ(recv["fd_kind"], "socket");
    EXPECT_EQ(recv["eagain"], 4812);
    EXPECT_EQ(recv["hist_log2_ns"].size(), kHistSlots);
}

TEST(JsonReport, EveryTimeAndCountIsAnInteger) {
    const json j = report_to_json(classified_sample());
    std::size_t checked = 0;
    // Walk the tree; every key ending in _ns, and the histogram slots, must be integers.
    std::function<void(const json &, const std::string &)> walk = [&](const json &node,
                                                                      const std::string &key) {
        const bool is_time = key.size() > 3 && key.compare(key.size() - 3, 3, "_ns") == 0;
        const bool is_share = key.size() > 6 && key.compare(key.size() - 6, 6, "_share") == 0;
        if (node.is_object()) {
            for (const auto &[k, v] : node.items()) {
                if (key == "metrics") {
                    continue;  // classifier metrics are ratios too: plain numbers
                }
                walk(v, key == "blocked_by" ? "reason_ns" : k);
            }
        } else if (node.is_array()) {
            for (const json &v : node) {
                walk(v, key == "hist_log2_ns" ? "slot_ns" : key);
            }
        } else if (is_time) {
            EXPECT_TRUE(node.is_number_unsigned()) << key << " = " << node;
            ++checked;
        } else if (node.is_number() && !is_share) {  // a role's shares are ratios
            EXPECT_TRUE(node.is_number_integer()) << key << " = " << node;
        }
    };
    walk(j, "");
    EXPECT_GT(checked, 500u);  // budgets, syscall phases and histograms were all visited
}

TEST(JsonReport, RejectsMissingFieldsAndOtherSchemaVersions) {
    json j = report_to_json(classified_sample());
    json missing = j;
    missing["processes"][0]["budget"].erase("wall_ns");
    EXPECT_THROW(report_from_json(missing), json::exception);
    json short_hist = j;
    short_hist["processes"][0]["syscalls"][0]["hist_log2_ns"].erase(0);
    EXPECT_THROW(report_from_json(short_hist), std::exception);
    json future = j;
    future["schema_version"] = 5;
    EXPECT_THROW(report_from_json(future), std::runtime_error);
}

// Names the kernel cut in the middle of a character, or that were never UTF-8, must not make
// the JSON writer throw (nlohmann's strict dump throws type_error 316 on them).
TEST(JsonReport, NamesThatAreNotUtf8StillMakeValidJson) {
    Report report;
    ProcessReport p;
    p.pid = 7;
    p.comm = std::string("серверный").substr(0, 15);
    p.cmdline = std::string("sh -c sleep 4 ") + '\xff';
    ThreadReport thread;
    thread.tid = 8;
    thread.comm = std::string("a文件传输服务器").substr(0, 15);
    p.threads.push_back(thread);
    report.processes.push_back(p);
    std::string text;
    ASSERT_NO_THROW(text = report_to_json(report).dump());
    const json back = json::parse(text);
    EXPECT_EQ(back["processes"][0]["comm"], "серверн\\xd1");
    EXPECT_EQ(back["processes"][0]["cmdline"], "sh -c sleep 4 \\xff");
    EXPECT_EQ(back["processes"][0]["threads"][0]["comm"], "a文件传输\\xe6\\x9c");
}

TEST(JsonReport, CommandExitRoundTripsAndIsNullWithoutACommand) {
    Report report;
    EXPECT_TRUE(report_to_json(report)["command"].is_null());
    report.command = CommandExit{99, std::nullopt, 9, false};
    const json j = report_to_json(report);
    EXPECT_EQ(j["command"]["signal"], 9);
    EXPECT_TRUE(j["command"]["exit_code"].is_null());
    const Report back = report_from_json(j);
    ASSERT_TRUE(back.command.has_value());
    EXPECT_EQ(back.command->pid, 99);
    EXPECT_EQ(back.command->signal, 9);
    EXPECT_FALSE(back.command->exit_code.has_value());
}

TEST(JsonReport, EmptyReport) {
    const Report empty;
    const json j = report_to_json(empty);
    EXPECT_TRUE(j["processes"].is_array());
    EXPECT_TRUE(j["health"]["unavailable"].is_array());
    EXPECT_EQ(report_to_json(report_from_json(j)), j);
}

}  // namespace
}  // namespace iophase
