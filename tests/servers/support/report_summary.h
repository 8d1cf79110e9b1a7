// What a report says about each process, printed in the test log: the input for reading a
// failure, and for docs/servers.md.
#pragma once

#include <nlohmann/json.hpp>

namespace servertest {

// Per process its label and evidence; per thread its comm, its calls, and the call it was
// blocked in most.
void print_summary(const nlohmann::json &report);

}  // namespace servertest
