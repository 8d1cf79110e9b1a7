// Ports on 127.0.0.1 for the servers under test.
#pragma once

#include <chrono>

namespace servertest {

// A TCP port on 127.0.0.1 that nothing listens on now (the kernel's pick for port 0).
int unused_port();

// True once something listens on 127.0.0.1:port, polled until the timeout. Reads
// /proc/net/tcp rather than connecting, so the server sees no connection before the trace.
bool wait_for_listener(int port, std::chrono::milliseconds timeout);

}  // namespace servertest
