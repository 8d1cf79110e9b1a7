// apache2 for both MPM suites: the config (one Listen on 127.0.0.1, the chosen MPM, a static
// page, no .htaccess lookups, no access log) and what serving one request costs, which is the
// same core code under every MPM.
#pragma once

#include <string>
#include <vector>

#include "support/count_checks.h"
#include "support/temp_dir.h"

namespace servertest {

inline constexpr const char *kApache = "/usr/sbin/apache2";

// The argv that starts apache2 in the foreground with a config written to DIR/apache2.conf:
// `mpm` is the module's name (prefork, worker), `tuning` its directives.
std::vector<std::string> apache_command(const bpftest::TempDir &dir, int port,
                                        const std::string &mpm, const std::string &tuning);

// One HTTP/1.0 GET of a small file, seen with strace: a read of the request, a writev of
// header and body (the file is mmapped and unmapped: EnableMMAP is on, EnableSendfile off), a
// shutdown (SHUT_WR) and a poll for the client's EOF (lingering close), a read of that EOF, two
// fcntl (O_NONBLOCK on the accepted socket). Not fixed: openat and close (one file more on each
// process's first request), mmap (also the memory pools growing).
extern const std::vector<Invariant> kApacheRequest;

}  // namespace servertest
