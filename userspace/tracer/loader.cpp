#include "tracer/loader.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "tracer/programs.h"
#include "tracer/tracer.h"

namespace iophase {
namespace {

bool g_pass_through = false;

// libbpf's own messages: kept (not printed) so a failure can quote the last one.
std::string &libbpf_messages() {
    static std::string log;
    return log;
}

int keep_libbpf_message(enum libbpf_print_level level, const char *format, va_list args) {
    if (g_pass_through) {
        return std::vfprintf(stderr, format, args);
    }
    if (level == LIBBPF_DEBUG) {
        return 0;
    }
    char line[512];
    const int n = std::vsnprintf(line, sizeof(line), format, args);
    std::string &log = libbpf_messages();
    log += line;
    if (log.size() > 8192) {
        log.erase(0, log.size() - 8192);
    }
    return n;
}

std::vector<std::string> lines_of(const std::string &text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty()) {
            lines.push_back(line);
        }
    }
    return lines;
}

std::string last_libbpf_line() {
    const auto lines = lines_of(libbpf_messages());
    return lines.empty() ? std::string("no message from libbpf") : lines.back();
}

// The verifier's reason: the last lines of its log, without its closing statistics.
std::string verifier_reason(const char *log) {
    std::vector<std::string> lines = lines_of(log);
    while (!lines.empty() && (lines.back().rfind("processed ", 0) == 0 ||
                              lines.back().rfind("verification time", 0) == 0 ||
                              lines.back().rfind("stack depth", 0) == 0)) {
        lines.pop_back();
    }
    const std::size_t from = lines.size() > 2 ? lines.size() - 2 : 0;
    std::string reason;
    for (std::size_t i = from; i < lines.size(); ++i) {
        reason += (reason.empty() ? "" : " | ") + lines[i];
    }
    return reason.empty() ? std::string("(empty verifier log)") : reason;
}

// Verifier logs, one buffer per program, in one mapping: pages no program writes to are
// never touched, so the buffers cost memory only for a program that fails.
class LogBuffers {
  public:
    static constexpr std::size_t kPerProgram = 256 * 1024;

    explicit LogBuffers(std::size_t programs) : size_(programs * kPerProgram) {
        void *p = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        base_ = p == MAP_FAILED ? nullptr : static_cast<char *>(p);
    }
    ~LogBuffers() {
        if (base_ != nullptr) {
            munmap(base_, size_);
        }
    }
    LogBuffers(const LogBuffers &) = delete;
    LogBuffers &operator=(const LogBuffers &) = delete;

    char *at(std::size_t i) const { return base_ == nullptr ? nullptr : base_ + i * kPerProgram; }

  private:
    std::size_t size_;
    char *base_ = nullptr;
};

void configure(iophase_bpf *skel, const LoadConfig &config, const TracepointCatalog &kernel) {
    auto *rodata = skel->rodata;
    rodata->steal_clock_from_rq = kernel.steal_clock_from_rq();
    rodata->follow_children = config.follow_children;
    if (!config.comm.empty()) {
        rodata->match_comm = true;
        std::strncpy(const_cast<char *>(rodata->target_comm), config.comm.c_str(),
                     sizeof(rodata->target_comm) - 1);
    }
    rodata->target_cgroup_id = config.cgroup_id;
    rodata->held_tgid = config.held_tgid;
    if (config.timeline_ring_bytes > 0) {
        rodata->timeline_enabled = true;
        bpf_map__set_max_entries(skel->maps.timeline, config.timeline_ring_bytes);
    }
}

ProgramChoice *choice_for(std::vector<ProgramChoice> &choices, const char *name) {
    for (ProgramChoice &choice : choices) {
        if (std::strcmp(choice.spec->program, name) == 0) {
            return &choice;
        }
    }
    return nullptr;
}

// The optional programs the environment switches off (IOPHASE_SKIP_PROGRAMS=a,b): the
// overhead bench measures what each measurement costs this way.
std::vector<std::string> programs_switched_off() {
    std::vector<std::string> names;
    const char *env = std::getenv("IOPHASE_SKIP_PROGRAMS");
    std::istringstream list(env != nullptr ? env : "");
    for (std::string name; std::getline(list, name, ',');) {
        if (!name.empty()) {
            names.push_back(name);
        }
    }
    return names;
}

}  // namespace

void pass_libbpf_log_through() {
    g_pass_through = true;
    libbpf_set_print(keep_libbpf_message);
}

BpfObject::BpfObject(const LoadConfig &config) {
    const char *env = std::getenv("IOPHASE_LIBBPF_LOG");
    if (env != nullptr && std::strcmp(env, "1") == 0) {
        g_pass_through = true;
    }
    libbpf_set_print(keep_libbpf_message);
    std::vector<ProgramChoice> choices;
    const std::unique_ptr<TracepointCatalog> kernel = kernel_tracepoints();
    try {
        choices = choose_programs(*kernel, programs_switched_off());
    } catch (const std::invalid_argument &e) {
        throw TraceError(fmt::format("IOPHASE_SKIP_PROGRAMS: {}", e.what()));
    }
    for (;;) {
        libbpf_messages().clear();
        skel_ = iophase_bpf::open();
        if (skel_ == nullptr) {
            throw TraceError(fmt::format("cannot open the BPF object: {}", last_libbpf_line()));
        }
        configure(skel_, config, *kernel);
        std::vector<bpf_program *> programs;
        bpf_program *prog = nullptr;
        bpf_object__for_each_program(prog, skel_->obj) {
            programs.push_back(prog);
        }
        LogBuffers logs(programs.size());
        for (std::size_t i = 0; i < programs.size(); ++i) {
            const ProgramChoice *choice = choice_for(choices, bpf_program__name(programs[i]));
            if (choice != nullptr && !choice->load) {
                bpf_program__set_autoload(programs[i], false);
            }
            if (logs.at(i) != nullptr) {
                bpf_program__set_log_buf(programs[i], logs.at(i), LogBuffers::kPerProgram);
            }
        }
        // The iterator is run on demand, not attached with the tracepoints.
        bpf_program__set_autoattach(skel_->progs.dump_threads, false);
        const int err = iophase_bpf::load(skel_);
        if (err == 0) {
            break;
        }
        // With its own log buffer a program's log is written only when its load failed.
        std::size_t failed = programs.size();
        for (std::size_t i = 0; i < programs.size(); ++i) {
            if (logs.at(i) != nullptr && logs.at(i)[0] != '\0') {
                failed = i;
                break;
            }
        }
        const std::string reason =
            failed < programs.size() ? verifier_reason(logs.at(failed)) : last_libbpf_line();
        ProgramChoice *choice = failed < programs.size()
                                    ? choice_for(choices, bpf_program__name(programs[failed]))
                                    : nullptr;
        iophase_bpf::destroy(skel_);
        skel_ = nullptr;
        if (choice == nullptr || choice->spec->measures == nullptr || !choice->load) {
            const std::string who =
                choice != nullptr ? fmt::format("program {}: ", choice->spec->program) : "";
            throw TraceError(fmt::format(
                "cannot load the BPF programs ({}): {}{} (IOPHASE_LIBBPF_LOG=1 shows libbpf's "
                "whole log)",
                std::strerror(-err), who, reason));
        }
        choice->load = false;
        choice->why_not =
            fmt::format("the verifier rejected {}: {}", choice->spec->program, reason);
    }
    unavailable_ = unavailable_measurements(choices, *kernel);
    thread_iter_ = bpf_program__attach_iter(skel_->progs.dump_threads, nullptr);
    if (thread_iter_ == nullptr) {
        const int err = errno;
        iophase_bpf::destroy(skel_);
        skel_ = nullptr;
        throw TraceError(fmt::format("cannot attach the thread iterator ({}): {}",
                                     std::strerror(err), last_libbpf_line()));
    }
}

BpfObject::~BpfObject() {
    if (thread_iter_ != nullptr) {
        bpf_link__destroy(thread_iter_);
    }
    if (skel_ != nullptr) {
        iophase_bpf::destroy(skel_);
    }
}

int BpfObject::thread_iter_fd() const {
    return bpf_link__fd(thread_iter_);
}

void BpfObject::attach() {
    if (const int err = iophase_bpf::attach(skel_); err != 0) {
        throw TraceError(fmt::format("cannot attach the BPF programs ({}): {}", std::strerror(-err),
                                     last_libbpf_line()));
    }
}

void BpfObject::detach() {
    iophase_bpf::detach(skel_);
}

std::uint64_t BpfObject::missed_runs() const {
    std::uint64_t missed = 0;
    bpf_program *prog = nullptr;
    bpf_object__for_each_program(prog, skel_->obj) {
        const int fd = bpf_program__fd(prog);
        if (fd < 0) {
            continue;
        }
        bpf_prog_info info{};
        __u32 len = sizeof(info);
        if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0) {
            missed += info.recursion_misses;
        }
    }
    return missed;
}

}  // namespace iophase
