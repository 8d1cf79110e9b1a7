// HTTP load with ApacheBench: `ab -n N -c C` (HTTP/1.0, a new connection per request), every
// reply checked to be a complete 200.
#pragma once

#include "support/count_checks.h"
#include "support/load.h"
#include "support/temp_dir.h"

namespace servertest {

inline constexpr const char *kAb = "/usr/bin/ab";

// GETs http://127.0.0.1:PORT/index.html as `shape` says (requests, clients at once); EXPECTs
// every request to complete with 200. Returns what was done: one connection per request.
Work ab_load(const bpftest::TempDir &dir, int port, const ClientShape &shape);

// The page the HTTP servers serve, written to DIR/index.html.
void write_index_page(const std::string &dir);

}  // namespace servertest
