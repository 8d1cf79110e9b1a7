// Writing a server's config (or any small file) for a test.
#pragma once

#include <string>

namespace servertest {

// Writes `text` to `path` (mode 0644) and returns the path; throws if it cannot.
std::string write_file(const std::string &path, const std::string &text);

}  // namespace servertest
