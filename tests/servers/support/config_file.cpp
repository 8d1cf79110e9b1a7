#include "support/config_file.h"

#include <fstream>
#include <stdexcept>

namespace servertest {

std::string write_file(const std::string &path, const std::string &text) {
    std::ofstream out(path);
    out << text;
    if (!out) {
        throw std::runtime_error("cannot write " + path);
    }
    return path;
}

}  // namespace servertest
