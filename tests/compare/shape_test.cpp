// The shape of the textbook comparison, asserted on the short compare run (root): busy polling
// wastes the most EAGAIN per message, select/poll pay per idle fd while epoll does not, the
// iterative server serves one client at a time, and every label matches its model.
#include <gtest/gtest.h>

#include <algorithm>

#include "short_run.h"

namespace iophase::compare {
namespace {

namespace t = testing;

const nlohmann::json *find_row(const nlohmann::json &doc, const std::string &scenario,
                               const std::string &variant, const std::string &model) {
    for (const nlohmann::json &run : doc.at("runs")) {
        const nlohmann::json &row = run.at("row");
        if (row.at("scenario") == scenario && row.at("variant") == variant &&
            row.at("model") == model) {
            return &row;
        }
    }
    return nullptr;
}

double number(const nlohmann::json &row, const char *field) {
    const nlohmann::json &value = row.at(field);
    return value.is_null() ? -1.0 : value.get<double>();
}

TEST(CompareShape, EveryRunSucceededWithTheExpectedLabel) {
    IOPHASE_LOAD_SHORT_RUN(doc);
    EXPECT_EQ(t::read_file(t::short_run_file("exit_code")), "0\n")
        << t::read_file(t::short_run_file("progress.txt"));
    // 6 models x (echo, idle=0, idle=300, bulk upload, bulk download)
    ASSERT_EQ(doc.at("runs").size(), 30u);
    for (const nlohmann::json &run : doc.at("runs")) {
        const nlohmann::json &row = run.at("row");
        const std::string name = row.at("scenario").get<std::string>() + " " +
                                 row.at("variant").get<std::string>() + " " +
                                 row.at("model").get<std::string>();
        EXPECT_EQ(row.at("status"), "ok") << name << ": " << row.at("error");
        EXPECT_EQ(row.at("label"), row.at("model")) << name << ": " << row.at("evidence");
        EXPECT_GT(row.at("messages").get<double>(), 0) << name;
        EXPECT_TRUE(run.at("trace").contains("processes")) << name;
        EXPECT_TRUE(run.at("load").is_object()) << name;
    }
}

// With idle connections every sweep of a busy poller calls recv on sockets that have nothing:
// that is the waste the textbook means. With active clients only, a saturated busy poller finds
// data on most sockets and its EAGAIN rate depends on how busy the machine is, so the echo
// and idle=0 runs are not asserted here (docs/compare.md).
TEST(CompareShape, BusyPollingWastesTheMostEagainPerMessage) {
    IOPHASE_LOAD_SHORT_RUN(doc);
    for (const auto &[scenario, variant] :
         std::vector<std::pair<std::string, std::string>>{{"idle-fanin", "idle=300"}}) {
        const nlohmann::json *busy = find_row(doc, scenario, variant, "nonblocking-poll");
        ASSERT_NE(busy, nullptr);
        const double busy_eagain = number(*busy, "eagain_per_msg");
        for (const char *other : {"blocking", "select", "poll", "epoll-lt"}) {
            const nlohmann::json *row = find_row(doc, scenario, variant, other);
            ASSERT_NE(row, nullptr);
            EXPECT_GT(busy_eagain, number(*row, "eagain_per_msg"))
                << scenario << " " << variant << ": nonblocking-poll vs " << other;
        }
        EXPECT_GT(busy_eagain, 1.0) << "a sweep over every socket finds most of them empty";
    }
}

TEST(CompareShape, SelectAndPollPayPerIdleFdWhileEpollDoesNot) {
    IOPHASE_LOAD_SHORT_RUN(doc);
    const auto growth = [&](const std::string &model, const char *field) {
        const nlohmann::json *none = find_row(doc, "idle-fanin", "idle=0", model);
        const nlohmann::json *many = find_row(doc, "idle-fanin", "idle=300", model);
        EXPECT_TRUE(none != nullptr && many != nullptr) << model;
        if (none == nullptr || many == nullptr) {
            return 0.0;
        }
        const double before = number(*none, field);
        const double after = number(*many, field);
        EXPECT_GT(before, 0) << model << " " << field;
        return after / before;
    };
    for (const char *model : {"select", "poll"}) {
        // 30x more fds per call; per READY fd it grows less, because with more connections
        // more are ready per call (4.4x was seen on a quiet machine, 17-27x on a busy one).
        EXPECT_GT(growth(model, "fds_scanned_per_ready"), 3.0) << model;
        EXPECT_GT(growth(model, "fds_watched_per_ready"), 3.0) << model;
        // The measured cost, not only the count: the kernel's time per call.
        EXPECT_GT(growth(model, "mux_cpu_ns_per_call"), 2.0) << model;
    }
    EXPECT_LT(growth("epoll-lt", "fds_scanned_per_ready"), 2.0);
    EXPECT_LT(growth("epoll-lt", "mux_cpu_ns_per_call"), 2.0);
}

TEST(CompareShape, TheIterativeServerServesOneClientAtATime) {
    IOPHASE_LOAD_SHORT_RUN(doc);
    const nlohmann::json *blocking = find_row(doc, "echo", "", "blocking");
    ASSERT_NE(blocking, nullptr);
    // 50 clients connected (the kernel completes the handshakes from the listen backlog) ...
    EXPECT_GE(blocking->at("connections_established").get<int>(), 2);
    // ... yet one thread accepted exactly one of them and served only it while traced.
    EXPECT_EQ(blocking->at("accepts").get<int>(), 1);
    EXPECT_EQ(blocking->at("threads").get<int>(), 1);
    EXPECT_EQ(blocking->at("processes").get<int>(), 1);
    // A multiplexing server accepts every client in the same interval.
    const nlohmann::json *poll = find_row(doc, "echo", "", "poll");
    ASSERT_NE(poll, nullptr);
    EXPECT_EQ(poll->at("accepts"), poll->at("connections_established"));
}

}  // namespace
}  // namespace iophase::compare
