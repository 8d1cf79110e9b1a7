// The I/O model classifier: names how a process waits for its network I/O, from the numbers
// in its report alone (no guessing from the command name), with the evidence that decided it.
// The rules, in the order they are tried, are documented in docs/report.md.
#pragma once

#include <vector>

#include "model/report.h"

namespace iophase {

// Labels the process `process`. `children` are the traced processes it forked after attach,
// directly or not (their parent_pid chain leads to it); they decide process-per-connection.
IoModel classify(const ProcessReport &process, const std::vector<const ProcessReport *> &children);

// Sets io_model of every process in the report, then its roles and structure (model/roles.h),
// which decide the pool and per-connection labels. A connection handler forked by a
// process-per-connection server is labelled process-per-connection too.
void classify_all(Report &report);

}  // namespace iophase
