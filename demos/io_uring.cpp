// io_uring — asynchronous I/O with liburing (UNP's fifth model, done by the kernel).
//
// accept, recv and send are not calls that may sleep but operations put on a submission
// queue; the kernel waits for readiness and does the copy itself, and reports each finished
// operation on the completion queue. The thread's only wait is io_uring_enter (through
// io_uring_submit_and_wait), for completions — it never sleeps in recv. Accept is multishot
// where the kernel supports it: one submission, one completion per new client. Each client
// has at most one operation in flight — a recv into its own fixed buffer, or a send of its
// pending replies — so buffers stay bounded and never move under the kernel's feet.
#include <liburing.h>

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <memory>
#include <unordered_map>
#include <vector>

#include "acceptor.h"
#include "connection.h"
#include "lifecycle.h"

using namespace iophase::demo;
using iophase::UniqueFd;

namespace {

constexpr const char *kModel = "io_uring";
constexpr unsigned kQueueDepth = 256;
constexpr unsigned kCompletionQueueDepth = 4096;  // room for every client's op at once
constexpr std::size_t kRecvBuffer = 32u << 10;

// What a completion is about: the low 2 bits of user_data, the client id above them.
enum class Op : std::uint64_t { Accept = 0, ListenReady = 1, Recv = 2, Send = 3 };

std::uint64_t tag(Op op, std::uint64_t id) {
    return (id << 2) | static_cast<std::uint64_t>(op);
}
Op op_of(std::uint64_t user_data) {
    return static_cast<Op>(user_data & 3);
}
std::uint64_t id_of(std::uint64_t user_data) {
    return user_data >> 2;
}

class Ring {
  public:
    Ring() {
        io_uring_params params = {};
        params.flags = IORING_SETUP_CQSIZE;
        params.cq_entries = kCompletionQueueDepth;
        if (const int error = io_uring_queue_init_params(kQueueDepth, &ring_, &params); error < 0) {
            errno = -error;
            report_errno("io_uring_queue_init");
            std::exit(1);
        }
    }
    Ring(const Ring &) = delete;
    Ring &operator=(const Ring &) = delete;
    ~Ring() { close(); }

    // Tears the ring down, cancelling operations still in flight; call it before freeing
    // the buffers those operations point into.
    void close() {
        if (open_) {
            io_uring_queue_exit(&ring_);
            open_ = false;
        }
    }

    io_uring *get() { return &ring_; }

    // A free submission entry; when the queue is full, submit what is queued first.
    io_uring_sqe *next_sqe() {
        io_uring_sqe *sqe = io_uring_get_sqe(&ring_);
        if (sqe == nullptr) {
            io_uring_submit(&ring_);
            sqe = io_uring_get_sqe(&ring_);
        }
        return sqe;
    }

  private:
    io_uring ring_ = {};
    bool open_ = true;
};

// The part of a completion we keep after handing the slot back to the kernel.
struct Completion {
    std::uint64_t user_data;
    int res;
    std::uint32_t flags;
};

struct Client {
    explicit Client(UniqueFd fd) : connection(std::move(fd)), buffer(kRecvBuffer) {}
    Connection connection;
    std::vector<std::uint8_t> buffer;  // the kernel copies received bytes here
};

class Server {
  public:
    Server(Ring &ring, Acceptor &acceptor) : ring_(ring), acceptor_(acceptor) {}

    void submit_accept() {
        io_uring_sqe *sqe = ring_.next_sqe();
        if (multishot_accept_) {
            io_uring_prep_multishot_accept(sqe, acceptor_.listen_fd(), nullptr, nullptr,
                                           SOCK_NONBLOCK | SOCK_CLOEXEC);
        } else {
            io_uring_prep_accept(sqe, acceptor_.listen_fd(), nullptr, nullptr,
                                 SOCK_NONBLOCK | SOCK_CLOEXEC);
        }
        io_uring_sqe_set_data64(sqe, tag(Op::Accept, 0));
    }

    void on_completion(const Completion &cqe) {
        const std::uint64_t id = id_of(cqe.user_data);
        switch (op_of(cqe.user_data)) {
            case Op::Accept:
                on_accept(cqe.res, (cqe.flags & IORING_CQE_F_MORE) != 0);
                break;
            case Op::ListenReady:
                submit_accept();
                break;
            case Op::Recv:
                on_received(id, cqe.res);
                break;
            case Op::Send:
                on_sent(id, cqe.res);
                break;
        }
    }

  private:
    void on_accept(int result, bool more_coming) {
        if (result >= 0) {
            ++counters().connections;
            const std::uint64_t id = next_id_++;
            clients_.emplace(id, std::make_unique<Client>(UniqueFd(result)));
            submit_recv(id);
        } else if (result == -EINVAL && multishot_accept_) {
            multishot_accept_ = false;  // an older kernel: one accept per submission
        } else if (result == -EMFILE || result == -ENFILE) {
            // The kernel fails the accept at once while we are out of descriptors, even
            // with nobody waiting: shed one waiting connection, then wait for the listen
            // socket to be readable before trying again, so the loop cannot spin.
            acceptor_.shed_one();
            if (!more_coming) {
                submit_listen_ready();
            }
            return;
        }
        if (!more_coming) {
            submit_accept();
        }
    }

    void on_received(std::uint64_t id, int result) {
        Client &client = *clients_.at(id);
        if (result == -EINTR || result == -EAGAIN) {
            submit_recv(id);
            return;
        }
        if (result <= 0 ||
            client.connection.accept_input(std::span(
                client.buffer.data(), static_cast<std::size_t>(result))) == IoResult::Closed) {
            clients_.erase(id);  // EOF, reset or protocol error; nothing is in flight
            return;
        }
        continue_with(id, client);
    }

    void on_sent(std::uint64_t id, int result) {
        Client &client = *clients_.at(id);
        if (result < 0 && result != -EINTR && result != -EAGAIN) {
            clients_.erase(id);
            return;
        }
        client.connection.mark_sent(static_cast<std::size_t>(std::max(result, 0)));
        continue_with(id, client);
    }

    // Replies pending: send them; otherwise wait for the next request.
    void continue_with(std::uint64_t id, Client &client) {
        if (client.connection.has_output()) {
            submit_send(id, client);
        } else {
            submit_recv(id);
        }
    }

    void submit_recv(std::uint64_t id) {
        Client &client = *clients_.at(id);
        io_uring_sqe *sqe = ring_.next_sqe();
        io_uring_prep_recv(sqe, client.connection.fd(), client.buffer.data(), client.buffer.size(),
                           0);
        io_uring_sqe_set_data64(sqe, tag(Op::Recv, id));
    }

    void submit_send(std::uint64_t id, Client &client) {
        const auto pending = client.connection.pending_output();
        io_uring_sqe *sqe = ring_.next_sqe();
        io_uring_prep_send(sqe, client.connection.fd(), pending.data(), pending.size(),
                           MSG_NOSIGNAL);
        io_uring_sqe_set_data64(sqe, tag(Op::Send, id));
    }

    void submit_listen_ready() {
        io_uring_sqe *sqe = ring_.next_sqe();
        io_uring_prep_poll_add(sqe, acceptor_.listen_fd(), POLLIN);
        io_uring_sqe_set_data64(sqe, tag(Op::ListenReady, 0));
    }

    Ring &ring_;
    Acceptor &acceptor_;
    bool multishot_accept_ = true;
    std::uint64_t next_id_ = 1;
    std::unordered_map<std::uint64_t, std::unique_ptr<Client>> clients_;
};

}  // namespace

int main(int argc, char **argv) {
    DemoSetup setup = start_demo_server(argc, argv, kModel, {.nonblocking = true});
    Acceptor acceptor(setup.listener.get());
    Ring ring;
    Server server(ring, acceptor);
    server.submit_accept();
    std::vector<Completion> completed;

    while (!stop_requested()) {
        // Submit what is queued and sleep in io_uring_enter until something completes.
        const int result = io_uring_submit_and_wait(ring.get(), 1);
        if (result < 0 && result != -EINTR) {
            errno = -result;
            report_errno("io_uring_submit_and_wait");
            break;
        }
        // Copy the completions out first: handling them queues new submissions.
        completed.clear();
        unsigned head = 0;
        io_uring_cqe *cqe = nullptr;
        io_uring_for_each_cqe(ring.get(), head, cqe) {
            completed.push_back(Completion{cqe->user_data, cqe->res, cqe->flags});
        }
        io_uring_cq_advance(ring.get(), static_cast<unsigned>(completed.size()));
        for (const Completion &entry : completed) {
            server.on_completion(entry);
        }
    }
    ring.close();  // before the clients' buffers go away with `server`
    return finish_demo_server(kModel);
}
