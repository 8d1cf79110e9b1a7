#include "tracer/preflight.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace iophase {
namespace {

constexpr int kCapSysAdmin = 21;
constexpr int kCapPerfmon = 38;
constexpr int kCapBpf = 39;

// The effective capability mask of this process, from /proc/self/status.
unsigned long long effective_caps() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("CapEff:", 0) == 0) {
            return std::stoull(line.substr(7), nullptr, 16);
        }
    }
    return 0;
}

CheckResult check_privileges() {
    const auto caps = effective_caps();
    auto has = [caps](int cap) { return (caps >> cap) & 1ull; };
    CheckResult r{"privileges", false, ""};
    if (has(kCapSysAdmin) || (has(kCapBpf) && has(kCapPerfmon))) {
        r.ok = true;
        r.detail = geteuid() == 0 ? "running as root" : "CAP_BPF and CAP_PERFMON present";
        return r;
    }
    std::string missing;
    if (!has(kCapBpf)) {
        missing += "CAP_BPF";
    }
    if (!has(kCapPerfmon)) {
        missing += missing.empty() ? "CAP_PERFMON" : " and CAP_PERFMON";
    }
    r.detail = fmt::format("missing {} (run as root, e.g. with sudo)", missing);
    return r;
}

CheckResult check_btf() {
    const char *path = "/sys/kernel/btf/vmlinux";
    if (std::filesystem::exists(path)) {
        return {"btf", true, fmt::format("kernel BTF at {}", path)};
    }
    return {"btf", false,
            fmt::format("no kernel BTF at {}: iophase needs a kernel built with "
                        "CONFIG_DEBUG_INFO_BTF=y",
                        path)};
}

CheckResult check_lockdown() {
    std::ifstream in("/sys/kernel/security/lockdown");
    std::string modes;
    std::getline(in, modes);
    if (modes.find("[confidentiality]") != std::string::npos) {
        return {"lockdown", false,
                "kernel lockdown=confidentiality forbids reading kernel memory from BPF"};
    }
    return {"lockdown", true,
            modes.empty() ? "no lockdown information" : fmt::format("lockdown: {}", modes)};
}

}  // namespace

std::vector<CheckResult> preflight_checks() {
    return {check_privileges(), check_btf(), check_lockdown()};
}

std::string preflight_error(const std::vector<CheckResult> &checks) {
    for (const auto &check : checks) {
        if (!check.ok) {
            return fmt::format("{}: {}", check.name, check.detail);
        }
    }
    return "";
}

}  // namespace iophase
