// A server under test: started in the foreground in a process group of its own, listening on
// 127.0.0.1:port; the destructor kills the group (the server and every worker it forked), so a
// failed assertion never leaves one running.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "support/subprocess.h"
#include "support/temp_dir.h"

namespace servertest {

class Server {
  public:
    // Starts argv (argv[0] a path) with its output in DIR/NAME.log and waits up to 10 s for it to
    // listen on `port`; throws std::runtime_error (with the log) if it does not.
    Server(const bpftest::TempDir &dir, const std::string &name,
           const std::vector<std::string> &argv, int port);

    pid_t pid() const { return process_.pid(); }
    int port() const { return port_; }

    // The server and its child processes now (a master and its workers).
    std::vector<pid_t> processes() const;

    // What it printed so far.
    std::string log() const;

  private:
    std::string log_path_;
    bpftest::Subprocess process_;
    int port_;
};

// The directory that a server reads files from or writes to: readable by the unprivileged
// user its workers switch to (mkdtemp makes it 0700).
std::string open_for_workers(const bpftest::TempDir &dir, const std::string &subdir);

}  // namespace servertest
