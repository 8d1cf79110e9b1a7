#include "compare/runner.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <chrono>
#include <exception>
#include <thread>
#include <utility>

#include "catalog.h"
#include "common/utc_time.h"
#include "compare/proc_stats.h"
#include "load/load.h"
#include "model/classify.h"
#include "report/json_report.h"
#include "tracer/tracer.h"

namespace iophase::compare {

namespace {

// The load runs until told to stop; this cap only guards against a stop that never comes.
constexpr double kLoadSafetyMarginS = 60;
constexpr auto kPollStep = std::chrono::milliseconds(20);
// The per-event timeline costs the traced threads kernel time on every transition (it
// inflated select's kernel ns per call fivefold), so it runs in a short second trace after the
// measured one, only to cut one representative request out of it; the event cap bounds memory.
// The window includes the load's connection setup.
constexpr std::size_t kTimelineMaxEvents = 300'000;
constexpr auto kTimelineWindow = std::chrono::milliseconds(400);

load::Mode load_mode(Traffic traffic) {
    switch (traffic) {
        case Traffic::Echo:
            return load::Mode::Echo;
        case Traffic::Upload:
            return load::Mode::Upload;
        case Traffic::Download:
            return load::Mode::Download;
    }
    return load::Mode::Echo;
}

load::Options load_options(const RunSpec &spec, std::uint16_t port) {
    load::Options options;
    options.host = "127.0.0.1";
    options.port = port;
    options.connections = spec.load.connections;
    options.idle = spec.load.idle;
    options.size = spec.load.size;
    options.think_ms = spec.load.think_ms;
    options.duration_s = spec.duration_s + kLoadSafetyMarginS;
    options.mode = load_mode(spec.load.traffic);
    if (spec.load.transfer_bytes > 0) {
        options.transfer_bytes = spec.load.transfer_bytes;
    }
    options.threads = 1;
    options.progress = false;
    return options;
}

LoadSummary summarize(const load::Result &result) {
    LoadSummary summary;
    summary.messages = result.messages;
    summary.errors = result.errors;
    summary.connections_established = result.connections_established;
    summary.msgs_per_s = result.msgs_per_s;
    summary.mb_per_s = result.mb_per_s;
    summary.p50_ns = result.latency.percentile(50);
    summary.p99_ns = result.latency.percentile(99);
    return summary;
}

// Stops the demo however the run ends; stop() reports a demo that did not stop cleanly.
class DemoProcess {
  public:
    explicit DemoProcess(const std::string &model) : demo_(demo::start_demo(model)) {}
    DemoProcess(const DemoProcess &) = delete;
    DemoProcess &operator=(const DemoProcess &) = delete;
    ~DemoProcess() {
        if (demo_.pid > 0) {
            try {
                demo::stop_demo(demo_);
            } catch (const std::exception &) {
                // Already failing for another reason: that one is reported.
            }
        }
    }

    pid_t pid() const { return demo_.pid; }
    std::uint16_t port() const { return demo_.port; }
    void stop() { demo::stop_demo(demo_); }

  private:
    demo::RunningDemo demo_;
};

// The load generator on its own thread, stopped and joined however the run ends.
class LoadThread {
  public:
    LoadThread(const load::Options &options, int cpu)
        : thread_([this, options, cpu] {
              if (cpu >= 0) {
                  pin_this_thread_to_cpu(cpu);
              }
              try {
                  result_ = load::run(options, &stop_);
              } catch (...) {
                  error_ = std::current_exception();
              }
              finished_ = true;
          }) {}
    LoadThread(const LoadThread &) = delete;
    LoadThread &operator=(const LoadThread &) = delete;
    ~LoadThread() { finish(); }

    bool finished() const { return finished_; }

    // Stops the load and returns its result; rethrows what the load threw.
    const load::Result &finish() {
        stop_ = true;
        if (thread_.joinable()) {
            thread_.join();
        }
        if (error_) {
            std::rethrow_exception(std::exchange(error_, nullptr));
        }
        return result_;
    }

  private:
    std::atomic<bool> stop_{false};
    std::atomic<bool> finished_{false};
    load::Result result_;
    std::exception_ptr error_;
    std::thread thread_;  // last: starts after the members it uses exist
};

std::uint64_t family_peak_rss_kb(pid_t server) {
    std::uint64_t total = peak_rss_kb(server).value_or(0);
    for (pid_t child : children_of(server)) {
        total += peak_rss_kb(child).value_or(0);
    }
    return total;
}

bool labels_missing(const Report &report) {
    for (const ProcessReport &process : report.processes) {
        if (process.io_model.label.empty()) {
            return true;
        }
    }
    return false;
}

// One measured request, from a short second trace with the per-event timeline under a fresh
// load of the same settings: the measured run's numbers (divided by its load's messages) stay
// as they were. Children forked under this load are followed. No request (nullopt) only costs
// the figure, so a failure here does not fail the run.
std::optional<RequestTimeline> sample_request(const RunSpec &spec, const RunnerOptions &options,
                                              pid_t server_pid, std::uint16_t port) {
    try {
        TraceOptions trace_options;
        trace_options.pids = {server_pid};
        trace_options.follow = true;
        trace_options.timeline = true;
        trace_options.timeline_max_events = kTimelineMaxEvents;
        std::unique_ptr<Tracer> tracer = Tracer::start(trace_options);
        LoadThread load(load_options(spec, port), options.load_cpu);
        std::this_thread::sleep_for(kTimelineWindow);
        const Report report = tracer->stop();
        const Timeline timeline = tracer->take_timeline();
        load.finish();
        return pick_request(timeline, server_pids(report, server_pid));
    } catch (const std::exception &) {
        return std::nullopt;
    }
}

void measure(const RunSpec &spec, const RunnerOptions &options, RunRecord &record) {
    Row &row = record.row;
    DemoProcess server(spec.model);
    const pid_t server_pid = server.pid();
    if (options.server_cpu >= 0) {
        pin_process_to_cpu(server_pid, options.server_cpu);
    }
    TraceOptions trace_options;
    trace_options.pids = {server_pid};
    trace_options.follow = true;  // process-per-connection's children are the server too
    std::unique_ptr<Tracer> tracer = Tracer::start(trace_options);

    LoadThread load(load_options(spec, server.port()), options.load_cpu);
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::duration<double>(spec.duration_s);
    while (std::chrono::steady_clock::now() < deadline && !load.finished()) {
        std::this_thread::sleep_for(kPollStep);
    }
    // Read before anything stops: children exit when their connections close.
    row.peak_rss_kb = family_peak_rss_kb(server_pid);
    // Tracing ends while the load still runs, so connection teardown is not in the report.
    Report report = tracer->stop();
    tracer.reset();
    const load::Result &load_result = load.finish();
    record.request = sample_request(spec, options, server_pid, server.port());
    server.stop();

    if (labels_missing(report)) {
        classify_all(report);
    }
    row.load = summarize(load_result);
    derive_server_numbers(row, report, server_pid);
    record.trace = report_to_json(report);
    record.load = load::to_json(load_result);
}

}  // namespace

RunnerOptions default_runner_options() {
    RunnerOptions options;
    const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (cpus >= 2) {
        options.server_cpu = 0;
        options.load_cpu = 1;
    }
    return options;
}

RunRecord run_one(const RunSpec &spec, const RunnerOptions &options) {
    RunRecord record;
    Row &row = record.row;
    row.scenario = spec.scenario;
    row.variant = spec.variant;
    row.model = spec.model;
    row.load_settings = spec.load;
    row.expected_label = expected_label(spec.model);
    if (!spec.not_applicable.empty()) {
        row.status = RunStatus::NotApplicable;
        row.error = spec.not_applicable;
        return record;
    }
    try {
        measure(spec, options, record);
        row.status = RunStatus::Ok;
    } catch (const std::exception &e) {
        row.status = RunStatus::Failed;
        row.error = e.what();
    }
    return record;
}

CompareResult run_plan(const PlanOptions &plan_options, const std::vector<RunSpec> &plan,
                       const RunnerOptions &options) {
    CompareResult result;
    result.iophase_version = IOPHASE_VERSION;
    utsname name{};
    uname(&name);
    result.kernel = name.release;
    result.started_at = utc_now_iso8601();
    result.cpus = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
    result.plan = plan_options;
    result.planned_runs = plan.size();
    raise_open_files_limit();
    for (std::size_t i = 0; i < plan.size(); ++i) {
        if (options.interrupt != nullptr && options.interrupt->load()) {
            result.interrupted = true;
            break;
        }
        if (options.on_start) {
            options.on_start(i, plan.size(), plan[i]);
        }
        result.runs.push_back(run_one(plan[i], options));
        if (options.on_done) {
            options.on_done(i, plan.size(), result.runs.back());
        }
    }
    return result;
}

}  // namespace iophase::compare
