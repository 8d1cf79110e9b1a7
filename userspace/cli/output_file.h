// An output file of a command (--json, --timeline, --html). It is set up when the command
// starts, so that an unwritable path is reported before any work is done and nothing measured
// is lost to it at the end. The content goes to a temporary file in the same directory, which
// commit() renames into place: a crash, a SIGKILL or a second Ctrl-C leaves an earlier file
// at the path as it was, never a truncated one. "-" is stdout; an existing path that is not a
// regular file (a FIFO, /dev/null, a terminal) is written directly.
#pragma once

#include <string>
#include <string_view>

#include "common/unique_fd.h"

namespace iophase::cli {

class OutputFile {
  public:
    // Throws std::runtime_error with a one-line message if the path cannot be written.
    explicit OutputFile(std::string path);
    // Without commit(), the temporary file is discarded.
    ~OutputFile();
    OutputFile(const OutputFile &) = delete;
    OutputFile &operator=(const OutputFile &) = delete;

    bool is_stdout() const { return path_ == "-"; }
    const std::string &path() const { return path_; }
    // True when both write to the same place (both stdout, or one file by two names).
    bool same_destination(const OutputFile &other) const { return identity_ == other.identity_; }

    // Appends `content`; throws std::runtime_error on failure.
    void write(std::string_view content);
    // Puts what was written at path(); throws std::runtime_error on failure. Call once.
    void commit();

  private:
    void open_temporary();

    std::string path_;       // as given
    std::string target_;     // the file commit() replaces; "" when written directly
    std::string temp_path_;  // the named temporary file, "" while it has no name yet
    std::string identity_;   // device and inode, or the resolved path of a file to create
    UniqueFd owned_fd_;      // the temporary file or the opened path (not stdout)
    int fd_ = -1;
};

}  // namespace iophase::cli
