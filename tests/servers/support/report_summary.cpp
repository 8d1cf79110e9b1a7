#include "support/report_summary.h"

#include <cstdio>
#include <string>

#include "support/report_query.h"

namespace servertest {

namespace {

using nlohmann::json;

std::string most_blocked_in(const json &budget) {
    std::string best = "-";
    std::uint64_t most = 0;
    for (const auto &[reason, ns] : bpftest::member(budget, "blocked_by").items()) {
        if (ns.is_number() && ns.get<std::uint64_t>() > most) {
            most = ns.get<std::uint64_t>();
            best = reason;
        }
    }
    return best;
}

std::uint64_t calls_of(const json &owner) {
    std::uint64_t calls = 0;
    for (const auto &row : bpftest::member(owner, "syscalls")) {
        calls += bpftest::field(row, "count");
    }
    return calls;
}

}  // namespace

void print_summary(const json &report) {
    for (const auto &process : bpftest::member(report, "processes")) {
        const auto &model = bpftest::member(process, "io_model");
        std::printf("pid %lld %s: %s (%llu calls)\n", process.value("pid", 0LL),
                    process.value("comm", std::string()).c_str(),
                    model.is_object() ? model.value("label", std::string("?")).c_str() : "?",
                    static_cast<unsigned long long>(calls_of(process)));
        for (const auto &line : bpftest::member(model, "evidence")) {
            std::printf("  · %s\n", line.get<std::string>().c_str());
        }
        for (const auto &thread : bpftest::member(process, "threads")) {
            std::printf("  tid %lld %s: %llu calls, blocked most in %s\n", thread.value("tid", 0LL),
                        thread.value("comm", std::string()).c_str(),
                        static_cast<unsigned long long>(calls_of(thread)),
                        most_blocked_in(bpftest::member(thread, "budget")).c_str());
        }
    }
}

}  // namespace servertest
