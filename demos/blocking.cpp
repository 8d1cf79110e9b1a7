// blocking — the iterative server (UNP ch. 6, figure 6.1).
//
// One client at a time. accept() sleeps until a client connects; then recv() sleeps until
// that client sends (phase 1, waiting) and copies the bytes in (phase 2), and send() sleeps
// until the socket has taken the whole reply. Every other client waits in the listen queue
// until this one hangs up.
#include <cerrno>

#include "acceptor.h"
#include "connection.h"
#include "lifecycle.h"

using namespace iophase::demo;
using iophase::UniqueFd;

namespace {

constexpr const char *kModel = "blocking";

// Read a request, answer it, repeat until the client hangs up (or we are asked to stop).
void serve_until_closed(Connection &client) {
    while (client.receive() == IoResult::Progress && client.flush() == IoResult::Progress) {
    }
}

}  // namespace

int main(int argc, char **argv) {
    DemoSetup server = start_demo_server(argc, argv, kModel, {.nonblocking = false});
    Acceptor acceptor(server.listener.get());

    while (!stop_requested()) {
        AcceptResult next = acceptor.accept_client(/*nonblocking=*/false);
        if (next.outcome != AcceptOutcome::Accepted) {
            continue;  // interrupted by a signal, or a connection shed on EMFILE
        }
        Connection client(std::move(next.fd));
        serve_until_closed(client);
    }
    return finish_demo_server(kModel);
}
