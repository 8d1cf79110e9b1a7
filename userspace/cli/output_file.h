// An output file opened when the command starts, so that an unwritable path is reported
// before any work is done (and nothing measured is lost to it at the end). "-" is stdout.
#pragma once

#include <string>

namespace iophase::cli {

class OutputFile {
  public:
    // Throws std::runtime_error with a one-line message if the path cannot be written.
    explicit OutputFile(std::string path);
    ~OutputFile();
    OutputFile(const OutputFile &) = delete;
    OutputFile &operator=(const OutputFile &) = delete;

    bool is_stdout() const { return fd_ == 1; }
    const std::string &path() const { return path_; }
    // Writes all of `content`; throws std::runtime_error on failure.
    void write(const std::string &content);

  private:
    std::string path_;
    int fd_ = -1;
};

}  // namespace iophase::cli
