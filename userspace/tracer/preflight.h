// Can tracing work here? Each check names what is missing and how to fix it. Used by
// `iophase check` and, before loading anything, by Tracer::start.
#pragma once

#include <string>
#include <vector>

namespace iophase {

struct CheckResult {
    std::string name;  // "privileges", "btf", ...
    bool ok = false;
    std::string detail;  // what was found; on failure, what to do
};

// Cheap checks that need no BPF: privileges, kernel BTF, lockdown.
std::vector<CheckResult> preflight_checks();

// The first failed check as a one-line error, or "" if all passed.
std::string preflight_error(const std::vector<CheckResult> &checks);

}  // namespace iophase
