// Running a server's usual client to completion, with a bounded count and time.
#pragma once

#include <string>
#include <vector>

#include "support/temp_dir.h"

namespace servertest {

struct ClientRun {
    int exit_code = -1;  // -1: killed after the timeout
    std::string output;  // stdout then stderr
};

// Runs argv (argv[0] a path) with output in DIR/NAME.out and .err; killed after 60 s.
ClientRun run_client(const bpftest::TempDir &dir, const std::string &name,
                     const std::vector<std::string> &argv);

// The number after `label` in a client's report ("Complete requests:      200" -> 200), or -1.
long long number_after(const std::string &output, const std::string &label);

}  // namespace servertest
