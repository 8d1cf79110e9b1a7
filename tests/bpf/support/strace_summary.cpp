#include "support/strace_summary.h"

#include <sstream>
#include <vector>

namespace bpftest {

// Rows look like "% time  seconds  usecs/call  calls  [errors]  syscall"; the errors column
// is blank when there were none, so calls is always the 4th word and the name the last.
std::map<std::string, std::uint64_t> parse_strace_counts(const std::string &summary) {
    std::map<std::string, std::uint64_t> counts;
    std::istringstream lines(summary);
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream words(line);
        std::vector<std::string> columns;
        for (std::string word; words >> word;) {
            columns.push_back(word);
        }
        if (columns.size() < 5 || columns.back() == "total" || columns.back() == "syscall" ||
            columns[3].find_first_not_of("0123456789") != std::string::npos) {
            continue;  // header, ruler, total
        }
        counts[columns.back()] += std::stoull(columns[3]);
    }
    return counts;
}

}  // namespace bpftest
