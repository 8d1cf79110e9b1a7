#include "support/client.h"

#include <chrono>
#include <cstdlib>

#include "support/subprocess.h"

namespace servertest {

ClientRun run_client(const bpftest::TempDir &dir, const std::string &name,
                     const std::vector<std::string> &argv) {
    ClientRun run;
    run.exit_code = bpftest::run_to_completion(argv, dir.file(name + ".out"),
                                               dir.file(name + ".err"), std::chrono::seconds(60));
    run.output =
        bpftest::read_text(dir.file(name + ".out")) + bpftest::read_text(dir.file(name + ".err"));
    return run;
}

long long number_after(const std::string &output, const std::string &label) {
    const auto at = output.find(label);
    if (at == std::string::npos) {
        return -1;
    }
    const char *start = output.c_str() + at + label.size();
    char *end = nullptr;
    const long long value = std::strtoll(start, &end, 10);
    return end == start ? -1 : value;
}

}  // namespace servertest
