#include "support/demo_line.h"

#include <sstream>

namespace bpftest {

std::optional<DemoLine> parse_demo_line(const std::string &text) {
    const auto start = text.find("iophase-demo model=");
    if (start == std::string::npos || text.find('\n', start) == std::string::npos) {
        return std::nullopt;
    }
    std::istringstream words(text.substr(start, text.find('\n', start) - start));
    DemoLine line;
    for (std::string word; words >> word;) {
        if (word.rfind("port=", 0) == 0) {
            line.port = std::stoi(word.substr(5));
        } else if (word.rfind("pid=", 0) == 0) {
            line.pid = std::stoll(word.substr(4));
        }
    }
    if (line.port <= 0 || line.pid <= 0) {
        return std::nullopt;
    }
    return line;
}

}  // namespace bpftest
