// A fresh directory under /tmp for one test's files, removed with everything in it at the end.
#pragma once

#include <filesystem>
#include <string>

namespace bpftest {

class TempDir {
  public:
    TempDir();
    TempDir(const TempDir &) = delete;
    TempDir &operator=(const TempDir &) = delete;
    ~TempDir();

    std::string file(const std::string &name) const { return (path_ / name).string(); }

  private:
    std::filesystem::path path_;
};

// The whole content of a file ("" if it cannot be read).
std::string read_text(const std::string &path);

}  // namespace bpftest
