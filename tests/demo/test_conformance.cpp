// Conformance suite: every demo server, started as a real process, must pass these.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "catalog.h"
#include "common/protocol.h"
#include "demo_client.h"

namespace iophase::demo::testing {
namespace {

using namespace std::chrono_literals;

// The test process itself holds hundreds of client sockets.
class RaiseFdLimit : public ::testing::Environment {
  public:
    void SetUp() override {
        rlimit limit = {};
        getrlimit(RLIMIT_NOFILE, &limit);
        limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, 8192);
        setrlimit(RLIMIT_NOFILE, &limit);
        signal(SIGPIPE, SIG_IGN);
    }
};
const auto *const kFdLimit = ::testing::AddGlobalTestEnvironment(new RaiseFdLimit);

std::uint64_t field(const std::map<std::string, std::string> &fields, const std::string &key) {
    const auto found = fields.find(key);
    return found == fields.end() ? ~0ull : std::stoull(found->second);
}

// Waits (bounded) until `condition` holds; returns whether it did.
template <typename Condition>
bool eventually(Condition condition, std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(10ms);
    }
    return true;
}

class DemoConformance : public ::testing::TestWithParam<std::string> {
  protected:
    const std::string &model() const { return GetParam(); }

    void start(const std::vector<std::string> &args = {}) { demo_ = start_demo(model(), args); }

    // Stops the demo and returns its final line's fields; checks the line's shape.
    std::map<std::string, std::string> stop() {
        const std::string line = stop_demo(demo_);
        auto fields = parse_fields(line);
        EXPECT_EQ(fields["model"], model()) << line;
        for (const char *key : {"connections", "messages", "bytes_in", "bytes_out"}) {
            EXPECT_TRUE(fields.count(key)) << key << " missing in: " << line;
        }
        return fields;
    }

    void TearDown() override {
        if (demo_.pid > 0) {
            stop();  // every test also checks that the demo stops cleanly with exit 0
        }
    }

    bool alive() const { return demo_.pid > 0 && kill(demo_.pid, 0) == 0; }

    RunningDemo demo_;
};

// A small round trip on a fresh connection works.
void expect_serves_new_client(std::uint16_t port) {
    Socket client = connect_to(port);
    EXPECT_TRUE(echo_round_trip(client, make_payload(100, 99))) << "a new client was not served";
}

TEST_P(DemoConformance, EchoesSmallAndLargeMessagesAndCountsThem) {
    start();
    const std::vector<std::size_t> sizes = {0, 1, 13, 4096, 65536 + 7, 4u << 20};
    std::uint64_t bytes = 0;
    {
        Socket client = connect_to(demo_.port);
        for (std::size_t i = 0; i < sizes.size(); ++i) {
            EXPECT_TRUE(echo_round_trip(client, make_payload(sizes[i], static_cast<unsigned>(i))))
                << "echo of " << sizes[i] << " bytes";
            bytes += proto::kHeaderSize + sizes[i];
        }
        // Upload and download requests on the same connection.
        std::vector<std::uint8_t> request, reply;
        const auto upload = make_payload(100'000, 5);
        proto::append_header(request, proto::Op::Upload, static_cast<std::uint32_t>(upload.size()));
        request.insert(request.end(), upload.begin(), upload.end());
        ASSERT_TRUE(send_all(client, request));
        ASSERT_TRUE(receive_exact(client, proto::kHeaderSize + 8, reply));
        EXPECT_EQ(proto::read_u64(std::span(reply).subspan(proto::kHeaderSize)), upload.size());
        ASSERT_TRUE(send_all(client, proto::make_download_request(1'000'000)));
        ASSERT_TRUE(receive_exact(client, proto::kHeaderSize + 1'000'000, reply));
        bool download_ok = true;
        for (std::size_t i = 0; i < 1'000'000; ++i) {
            download_ok = download_ok && reply[proto::kHeaderSize + i] == proto::download_byte(i);
        }
        EXPECT_TRUE(download_ok);
        const std::uint64_t in = bytes + request.size() + proto::kHeaderSize + 8;
        const std::uint64_t out = bytes + proto::kHeaderSize + 8 + proto::kHeaderSize + 1'000'000;
        client.close();
        // The server has seen the EOF once a second connection is served (blocking: in order).
        expect_serves_new_client(demo_.port);

        const auto fields = stop();
        const std::uint64_t second = proto::kHeaderSize + 100;
        EXPECT_EQ(field(fields, "connections"), 2u);
        EXPECT_EQ(field(fields, "messages"), sizes.size() + 2 + 1);
        EXPECT_EQ(field(fields, "bytes_in"), in + second);
        EXPECT_EQ(field(fields, "bytes_out"), out + second);
    }
}

TEST_P(DemoConformance, ServesTwoHundredConcurrentClients) {
    start();
    constexpr int kClients = 200, kRounds = 5;
    const ConcurrentResult result = run_concurrent_echo(demo_.port, kClients, kRounds, 100, 60'000);
    EXPECT_EQ(result.completed, kClients);
    EXPECT_EQ(result.failed, 0);
    // Every client has hung up: no finished child may stay a zombie (process-per-connection).
    EXPECT_TRUE(eventually([&] { return zombie_children(demo_.pid) == 0; }))
        << zombie_children(demo_.pid) << " zombie children";
    const auto fields = stop();
    EXPECT_EQ(field(fields, "connections"), std::uint64_t{kClients});
    EXPECT_EQ(field(fields, "messages"), std::uint64_t{kClients * kRounds});
    EXPECT_EQ(field(fields, "bytes_in"), std::uint64_t{kClients * kRounds * 105});
    EXPECT_EQ(field(fields, "bytes_out"), std::uint64_t{kClients * kRounds * 105});
}

// The models that serve clients concurrently: all but the iterative blocking server, which by
// design serves one client at a time (a slow reader stalls everyone behind it).
class ConcurrentDemo : public DemoConformance {};

TEST_P(ConcurrentDemo, SlowReaderDoesNotStallOthers) {
    start();
    // A small receive window so the 4 MB reply backs up into the server.
    Socket slow = connect_to(demo_.port, 16 << 10);
    const auto big = make_payload(4u << 20, 3);
    ASSERT_TRUE(send_all(slow, proto::make_echo_request(big)));
    std::vector<std::uint8_t> first_part;
    ASSERT_TRUE(receive_exact(slow, 64 << 10, first_part));

    // While most of the reply waits for the slow reader, another client is served promptly
    // (a stall would hit the 5 s receive timeout).
    Socket other = connect_to(demo_.port);
    set_receive_timeout(other, 5'000);
    for (int i = 0; i < 20; ++i) {
        ASSERT_TRUE(echo_round_trip(other, make_payload(1000, static_cast<unsigned>(i))))
            << "round trip " << i << " stalled behind the slow reader";
    }

    // Now read the rest slowly; nothing may be lost.
    std::vector<std::uint8_t> reply = first_part, chunk;
    const std::size_t total = proto::kHeaderSize + big.size();
    while (reply.size() < total) {
        ASSERT_TRUE(
            receive_exact(slow, std::min<std::size_t>(256 << 10, total - reply.size()), chunk));
        reply.insert(reply.end(), chunk.begin(), chunk.end());
        std::this_thread::sleep_for(1ms);
    }
    EXPECT_TRUE(reply == expected_echo_reply(big)) << "the slow reader's reply is corrupt";
}

TEST_P(DemoConformance, SurvivesResetsMidMessage) {
    start();
    {
        // Half a request, then RST.
        Socket half = connect_to(demo_.port);
        const auto request = proto::make_echo_request(make_payload(1 << 20, 1));
        ASSERT_TRUE(send_all(half, std::span(request).first(request.size() / 2)));
        half.reset();
    }
    {
        // A whole 4 MB request, then RST before reading the reply: the server's send fails.
        Socket rude = connect_to(demo_.port);
        ASSERT_TRUE(send_all(rude, proto::make_echo_request(make_payload(4u << 20, 2))));
        std::vector<std::uint8_t> start_of_reply;
        ASSERT_TRUE(receive_exact(rude, 1000, start_of_reply));
        rude.reset();
    }
    {
        // A protocol error (unknown op): the server hangs up on that client only.
        Socket bad = connect_to(demo_.port);
        const std::vector<std::uint8_t> garbage = {'X', 0, 0, 0, 1, 'a'};
        ASSERT_TRUE(send_all(bad, garbage));
        EXPECT_TRUE(peer_closed(bad));
    }
    expect_serves_new_client(demo_.port);
    EXPECT_TRUE(alive());
}

TEST_P(DemoConformance, HundredsOfIdleConnectionsDoNotStopAnActiveClient) {
    start();
    std::vector<Socket> idle;
    for (int i = 0; i < 300; ++i) {
        idle.push_back(connect_to(demo_.port));
    }
    if (model() == "blocking") {
        // Iterative: the server is busy with the first idle connection; the active client
        // is served once the idle ones hang up, in order.
        std::printf(
            "[ NOTE     ] blocking is iterative: the active client waits for the 300 "
            "idle connections to close first\n");
        Socket active = connect_to(demo_.port);
        const auto request = proto::make_echo_request(make_payload(500, 1));
        ASSERT_TRUE(send_all(active, request));
        idle.clear();
        std::vector<std::uint8_t> reply;
        ASSERT_TRUE(receive_exact(active, request.size(), reply));
        EXPECT_TRUE(reply == expected_echo_reply(make_payload(500, 1)));
        return;
    }
    Socket active = connect_to(demo_.port);
    for (int i = 0; i < 50; ++i) {
        ASSERT_TRUE(echo_round_trip(active, make_payload(500, static_cast<unsigned>(i))));
    }
    // The idle connections were accepted and are still served.
    EXPECT_TRUE(echo_round_trip(idle.front(), make_payload(10, 1)));
    EXPECT_TRUE(echo_round_trip(idle.back(), make_payload(10, 2)));
}

// The models whose one process holds a descriptor per connection. Not the iterative server
// (one connection at a time) nor process-per-connection (each connection in its own process,
// the parent holds one at a time): they never run out.
class FdHoldingDemo : public DemoConformance {};

TEST_P(FdHoldingDemo, RunningOutOfFdsDoesNotSpin) {
    std::vector<std::string> args = {"--max-fds", "64"};
    if (model() == "nonblocking-poll") {
        args.insert(args.end(), {"--sleep-us", "10000"});  // measure EMFILE, not the busy loop
    }
    start(args);
    std::vector<Socket> clients;
    for (int i = 0; i < 100; ++i) {
        clients.push_back(connect_to(demo_.port));
    }
    // The server fills its descriptor table (and sheds the connections beyond it).
    ASSERT_TRUE(eventually([&] { return open_fd_count(demo_.pid) >= 56; }))
        << "open fds: " << open_fd_count(demo_.pid);
    std::this_thread::sleep_for(200ms);

    const double before = process_cpu_seconds(demo_.pid);
    std::this_thread::sleep_for(1s);
    const double used = process_cpu_seconds(demo_.pid) - before;
    EXPECT_LT(used, 0.3) << "the server burns CPU while out of descriptors";

    clients.clear();
    ASSERT_TRUE(eventually([&] { return open_fd_count(demo_.pid) < 32; }))
        << "the server did not close its connections; open fds: " << open_fd_count(demo_.pid);
    expect_serves_new_client(demo_.port);
}

std::vector<std::string> model_names_except(const std::vector<std::string> &left_out) {
    std::vector<std::string> names;
    for (const ModelInfo &model : models()) {
        if (std::find(left_out.begin(), left_out.end(), model.name) == left_out.end()) {
            names.emplace_back(model.name);
        }
    }
    return names;
}

// gtest names allow only [A-Za-z0-9_].
std::string test_name(const ::testing::TestParamInfo<std::string> &param) {
    std::string name = param.param;
    for (char &c : name) {
        c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    }
    return name;
}

INSTANTIATE_TEST_SUITE_P(AllModels, DemoConformance, ::testing::ValuesIn(model_names_except({})),
                         test_name);
INSTANTIATE_TEST_SUITE_P(AllModels, ConcurrentDemo,
                         ::testing::ValuesIn(model_names_except({"blocking"})), test_name);
INSTANTIATE_TEST_SUITE_P(
    AllModels, FdHoldingDemo,
    ::testing::ValuesIn(model_names_except({"blocking", "process-per-connection"})), test_name);

}  // namespace
}  // namespace iophase::demo::testing
