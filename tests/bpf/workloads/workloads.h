// Every workload subcommand; each returns the process exit status.
#pragma once

#include "options.h"

namespace workload {

// recv_workloads.cpp
int blocking_recv(const Options &options);
int counted_recv(const Options &options);
int nonblocking_recv(const Options &options);
int large_recv(const Options &options);

// multiplex_workloads.cpp
int select_fds(const Options &options);
int poll_fds(const Options &options);
int epoll_fds(const Options &options);

// cpu_workload.cpp
int cpu_burn(const Options &options);

// process_workloads.cpp
int pipe_activity(const Options &options);
int fork_and_thread(const Options &options);
int fixed_syscalls(const Options &options);
int touch_file(const Options &options);

// thread_workloads.cpp
int thread_churn(const Options &options);
int thread_server(const Options &options);

// copy_workloads.cpp
int bulk_recv(const Options &options);
int bulk_send(const Options &options);

// uring_workloads.cpp
int uring_recv(const Options &options);

}  // namespace workload
