// Thread roles and server structure: groups each process's threads by what they measurably do
// (accept, serve many connections from a readiness wait, serve one connection, wait for work
// handed over by another thread, housekeeping, nothing) and names how the server is built
// from them. The rules and thresholds are in docs/report.md ("Roles"); thread names are never
// used.
#pragma once

#include <string>
#include <vector>

#include "model/report.h"

namespace iophase {

// The roles of `process`'s thread rows. `connection_handler`: the process was forked for one
// connection (its parent is process-per-connection), so a thread serving connections in it
// serves that one, whatever it waits in. `model` is the process's io_model (decided first):
// it tells epoll-et from epoll-lt for the reactors.
std::vector<ThreadRole> thread_roles(const ProcessReport &process, bool connection_handler);

// single, reactors, thread-pool, thread-per-connection or "" (serves no connection), from the
// roles; process-pool and process-per-connection are decided across processes (assign_roles).
std::string thread_structure(const ProcessReport &process, const std::vector<ThreadRole> &roles);

// Sets roles and structure of every process of a classified report, and the labels that the
// structure decides: a pool of blocking threads is thread-pool, blocking threads made per
// connection thread-per-connection, pre-forked blocking processes process-pool.
void assign_roles(Report &report);

}  // namespace iophase
