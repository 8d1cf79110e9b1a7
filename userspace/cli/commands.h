// Each subcommand lives in its own file and adds itself to the application. Its callback
// stores the process exit code in `exit_code` (see exit_codes.h).
#pragma once

#include <CLI/CLI.hpp>

namespace iophase::cli {

void add_trace_command(CLI::App &app, int &exit_code);
void add_check_command(CLI::App &app, int &exit_code);
void add_demo_command(CLI::App &app, int &exit_code);
void add_load_command(CLI::App &app, int &exit_code);
void add_compare_command(CLI::App &app, int &exit_code);
void add_report_command(CLI::App &app, int &exit_code);

}  // namespace iophase::cli
