// The first stdout line of a demo server: "iophase-demo model=M port=P pid=X".
#pragma once

#include <optional>
#include <string>

namespace bpftest {

struct DemoLine {
    int port = 0;
    long long pid = 0;
};

// The line's port and pid, once `text` (what the demo printed so far) holds the whole line.
std::optional<DemoLine> parse_demo_line(const std::string &text);

}  // namespace bpftest
