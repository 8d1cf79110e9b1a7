#include "tracer/syscall_names.h"

#include <seccomp.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>

#include <fmt/format.h>

namespace iophase {

std::string syscall_name(long nr) {
    // Reports name the same few dozen numbers over and over: resolve each once.
    static std::mutex mutex;
    static std::map<long, std::string> names;
    const std::lock_guard lock(mutex);
    if (auto it = names.find(nr); it != names.end()) {
        return it->second;
    }
    std::string name;
    if (nr >= 0 && nr <= 0xffff) {
        const std::unique_ptr<char, decltype(&std::free)> resolved(
            seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, static_cast<int>(nr)), &std::free);
        if (resolved) {
            name = resolved.get();
        }
    }
    if (name.empty()) {
        name = fmt::format("syscall_{}", nr);
    }
    return names.emplace(nr, std::move(name)).first->second;
}

long syscall_number(std::string_view name) {
    // Negative numbers are libseccomp's pseudo-numbers for syscalls this arch lacks.
    const int nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_NATIVE, std::string(name).c_str());
    return nr >= 0 ? nr : -1;
}

}  // namespace iophase
