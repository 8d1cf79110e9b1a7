// Command-line options and result reporting shared by every workload subcommand.
// A workload is run as `bpf_workload SUBCOMMAND --name value ... [--facts FILE]`; what it did
// (its pid, the nfds it passed, thread ids, ...) goes to the facts file as "key value" lines so
// the test compares the tracer's report with what really happened.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace workload {

class Options {
  public:
    // Parses "--name value" pairs from argv[first..argc). Exits with status 2 on a stray word.
    Options(int argc, char **argv, int first);

    long get_int(std::string_view name, long fallback) const;
    std::string get(std::string_view name, std::string fallback) const;

  private:
    std::map<std::string, std::string, std::less<>> values_;
};

// Collects "key value" facts and writes them to the --facts file (if given) on write().
// The last line is "status ok", so a test can tell a finished workload from a crashed one.
class Facts {
  public:
    explicit Facts(const Options &options) : path_(options.get("facts", "")) {}

    void add(const std::string &key, long long value);
    void write() const;

  private:
    std::string path_;
    std::map<std::string, long long> values_;
};

// Prints what failed with errno's text and exits with status 1.
[[noreturn]] void die(std::string_view what);

// Returns rc, or dies naming `what` when rc < 0 (the usual syscall failure convention).
long check(long rc, std::string_view what);

}  // namespace workload
