#include "support/proc_stat.h"

#include <unistd.h>

#include <fstream>
#include <sstream>

namespace bpftest {

std::optional<CpuTimes> read_cpu_times(const std::string &row) {
    std::ifstream stat("/proc/stat");
    const std::string prefix = row + " ";
    const double tick_ns = 1e9 / static_cast<double>(::sysconf(_SC_CLK_TCK));
    for (std::string line; std::getline(stat, line);) {
        if (line.rfind(prefix, 0) != 0) {
            continue;
        }
        std::istringstream fields(line.substr(prefix.size()));
        CpuTimes ticks;
        fields >> ticks.user_ns >> ticks.nice_ns >> ticks.system_ns >> ticks.idle_ns >>
            ticks.iowait_ns >> ticks.irq_ns >> ticks.softirq_ns >> ticks.steal_ns;
        if (!fields) {
            return std::nullopt;
        }
        for (double *column :
             {&ticks.user_ns, &ticks.nice_ns, &ticks.system_ns, &ticks.idle_ns, &ticks.iowait_ns,
              &ticks.irq_ns, &ticks.softirq_ns, &ticks.steal_ns}) {
            *column *= tick_ns;
        }
        return ticks;
    }
    return std::nullopt;
}

}  // namespace bpftest
