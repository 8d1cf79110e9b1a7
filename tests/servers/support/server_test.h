// The fixture of every server test. A suite says which programs it needs, how to start its
// server and how to drive it; the fixture runs the traced loads and the count checks.
// Tracing must work (bpf's fixture), and the server and its client must be installed: outside
// CI a missing one skips the test saying which, with CI=true it fails. The server is stopped in
// TearDown, pass or fail.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "support/count_checks.h"
#include "support/load.h"
#include "support/server.h"
#include "support/traced_load.h"
#include "support/tracer_run.h"

namespace servertest {

class ServerTest : public bpftest::BpfTest {
  protected:
    // The programs this suite needs (absolute paths).
    virtual std::vector<std::string> programs() const = 0;
    // Starts the server with start() below.
    virtual void start_server() = 0;
    // Runs the client against it (EXPECTing its replies to be right) and says what it did.
    virtual Work drive(Load load) = 0;

    void SetUp() override;
    void TearDown() override;

    // Starts a server (see Server) and keeps it until TearDown.
    const Server &start(const std::vector<std::string> &argv, int port);

    // Starts the server, traces it while drive(load) runs, and checks the trace worked.
    // Fatal failures (ASSERT) leave `traced_` empty.
    void run(Load load, WithStrace with_strace = WithStrace::kNo);

    // The counts iophase reports hold the invariants.
    void check_invariants(const std::vector<Invariant> &invariants);
    // iophase and strace, watching the same run, agree on every syscall; strace's counts hold
    // the invariants too (so they are facts about the server, not about iophase).
    void check_against_strace(const std::vector<Invariant> &invariants);

    // The report of a traced kModel load, or null after a failure.
    nlohmann::json model_report();
    // The process with that pid in the report (fails the test if absent).
    const nlohmann::json &process(const nlohmann::json &report, pid_t pid);

    std::optional<Server> server_;
    std::optional<TracedLoad> traced_;
    Work work_;
};

}  // namespace servertest
