// Small blocking and poll-driven clients of the iophase protocol, for the conformance suite.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "common/unique_fd.h"

namespace iophase::demo::testing {

// A connected client socket; closed on destruction. Blocking, with 10 s send/receive
// timeouts so a stalled server fails a test instead of hanging it.
class Socket {
  public:
    Socket() = default;
    explicit Socket(int fd) : fd_(fd) {}

    int fd() const { return fd_.get(); }
    void close() { fd_.reset(); }
    // Close with SO_LINGER 0: the peer gets a RST instead of a FIN.
    void reset();

  private:
    UniqueFd fd_;
};

// Connects to 127.0.0.1:port. receive_buffer > 0 sets SO_RCVBUF before connecting.
Socket connect_to(std::uint16_t port, int receive_buffer = 0);
void set_receive_timeout(const Socket &socket, int milliseconds);

bool send_all(const Socket &socket, std::span<const std::uint8_t> bytes);
// Reads exactly n bytes; false on EOF, error or timeout.
bool receive_exact(const Socket &socket, std::size_t n, std::vector<std::uint8_t> &out);
// True if the peer closed the connection (EOF or reset) within the receive timeout.
bool peer_closed(const Socket &socket);

// Payload of `size` bytes mixing lower-case letters and other bytes.
std::vector<std::uint8_t> make_payload(std::size_t size, unsigned seed);
// What the server must answer to an echo request of `payload`.
std::vector<std::uint8_t> expected_echo_reply(std::span<const std::uint8_t> payload);
// Sends one echo request and checks the reply byte for byte.
bool echo_round_trip(const Socket &socket, std::span<const std::uint8_t> payload);

struct ConcurrentResult {
    int completed = 0;  // clients that finished every round with correct replies
    int failed = 0;     // wrong reply, EOF, error
};
// `clients` connections, all open at once, each doing `rounds` echo round trips of `size`
// bytes, driven by one poll() loop; each closes as soon as it is done. Gives up after
// `timeout_ms`.
ConcurrentResult run_concurrent_echo(std::uint16_t port, int clients, int rounds, std::size_t size,
                                     int timeout_ms);

// utime + stime of a process, in seconds, from /proc/PID/stat.
double process_cpu_seconds(pid_t pid);
// Number of entries in /proc/PID/fd.
int open_fd_count(pid_t pid);
// Number of processes whose parent is `pid` and that are zombies (state Z).
int zombie_children(pid_t pid);

// "stopped model=m connections=1 ..." -> {"model": "m", "connections": "1", ...}
std::map<std::string, std::string> parse_fields(const std::string &line);

}  // namespace iophase::demo::testing
