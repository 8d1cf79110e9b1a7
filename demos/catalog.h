// The demo servers: which models exist, how each waits and who copies, and how to start
// one as a child process. Used by `iophase demo`, `iophase compare` and the tests.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/unique_fd.h"

namespace iophase::demo {

struct ModelInfo {
    const char *name;    // the model, also the suffix of the executable iophase-demo-<name>
    const char *waits;   // one line: how (and where) the server waits for data
    const char *copies;  // one line: who copies the data into the process
};

// Every model, in textbook order.
std::span<const ModelInfo> models();
// The model named `name`, or nullptr.
const ModelInfo *find_model(const std::string &name);

// Path of iophase-demo-<model> in the directory of the running executable (/proc/self/exe):
// every executable of the build lands in build/bin.
std::string demo_executable(const std::string &model);

struct RunningDemo {
    pid_t pid = -1;
    std::uint16_t port = 0;
    UniqueFd stdout_fd;  // read end of the demo's stdout, after its first line
    UniqueFd stderr_fd;  // read end of its stderr when captured, else empty (inherited)
};

// Starts iophase-demo-<model> with `extra_args` (e.g. {"--max-fds", "64"}) on port 0 of
// 127.0.0.1 unless the args say otherwise, and reads its first line for the port. The
// child gets SIGTERM if the thread that started it exits (PR_SET_PDEATHSIG). Throws
// std::runtime_error with a one-line message on failure.
RunningDemo start_demo(const std::string &model, const std::vector<std::string> &extra_args = {},
                       bool capture_stderr = false);

// Sends SIGTERM, waits for the demo to exit and returns its final "stopped ..." line.
// Throws std::runtime_error if it did not exit with 0 or printed no such line. The demo is
// killed if it has not stopped within 10 s. Afterwards demo.pid is -1 and its fds closed.
std::string stop_demo(RunningDemo &demo);

}  // namespace iophase::demo
