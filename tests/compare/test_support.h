// Helpers shared by the compare tests: privilege policy, running commands, reading the
// elements of an HTML/SVG document that headless Chromium rendered.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace iophase::compare::testing {

// Why a root-only test cannot run here, or nullopt if it can. With CI=true a missing
// privilege is a failure, never a skip: callers FAIL() with the returned reason then.
std::optional<std::string> root_missing_reason();
bool in_ci();

struct CommandResult {
    int exit_code = -1;
    std::string output;  // stdout and stderr together
};
// Runs `command` through /bin/sh.
CommandResult run_command(const std::string &command);

std::string read_file(const std::string &path);
void write_file(const std::string &path, const std::string &content);

// A fresh directory under /tmp, removed by the destructor.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir &) = delete;
    TempDir &operator=(const TempDir &) = delete;
    const std::string &path() const { return path_; }

  private:
    std::string path_;
};

// Path of the headless browser, or nullopt when it is not installed.
std::optional<std::string> chromium_path();
// The DOM of `html_path` after its scripts ran (chromium --dump-dom). Throws on failure.
std::string chromium_dump_dom(const std::string &html_path);

// Every element named `tag` in `html` whose attributes include all of `required`
// (name -> value), as attribute maps.
using Attributes = std::map<std::string, std::string>;
std::vector<Attributes> elements(const std::string &html, const std::string &tag,
                                 const Attributes &required = {});
// The elements of `all` whose attributes include all of `required` (parse once, filter often).
std::vector<Attributes> having(const std::vector<Attributes> &all, const Attributes &required);

}  // namespace iophase::compare::testing
