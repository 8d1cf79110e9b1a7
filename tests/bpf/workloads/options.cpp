#include "options.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <unistd.h>

namespace workload {

Options::Options(int argc, char **argv, int first) {
    for (int i = first; i < argc; i += 2) {
        std::string_view name = argv[i];
        if (!name.starts_with("--") || i + 1 >= argc) {
            std::fprintf(stderr, "bpf_workload: expected --name value, got '%s'\n", argv[i]);
            std::exit(2);
        }
        values_[std::string(name.substr(2))] = argv[i + 1];
    }
}

long Options::get_int(std::string_view name, long fallback) const {
    auto it = values_.find(name);
    return it == values_.end() ? fallback : std::stol(it->second);
}

std::string Options::get(std::string_view name, std::string fallback) const {
    auto it = values_.find(name);
    return it == values_.end() ? fallback : it->second;
}

void Facts::add(const std::string &key, long long value) {
    values_[key] = value;
}

void Facts::write() const {
    if (path_.empty()) {
        return;
    }
    std::ofstream out(path_);
    out << "pid " << ::getpid() << '\n';
    for (const auto &[key, value] : values_) {
        out << key << ' ' << value << '\n';
    }
    out << "status ok\n";
    if (!out) {
        die("writing the facts file");
    }
}

void die(std::string_view what) {
    const int saved_errno = errno;
    std::fprintf(stderr, "bpf_workload: %.*s: %s\n", static_cast<int>(what.size()), what.data(),
                 std::strerror(saved_errno));
    std::exit(1);
}

long check(long rc, std::string_view what) {
    if (rc < 0) {
        die(what);
    }
    return rc;
}

}  // namespace workload
