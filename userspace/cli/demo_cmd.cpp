// `iophase demo list` and `iophase demo run MODEL [args...]`: discover and start the demo
// servers (one per I/O model, built next to the iophase executable).
#include <fmt/core.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "catalog.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"

namespace iophase::cli {
namespace {

void list_models() {
    for (const demo::ModelInfo &model : demo::models()) {
        fmt::print("{:<24}waits:  {}\n{:<24}copies: {}\n", model.name, model.waits, "",
                   model.copies);
    }
}

// Replaces this process with the demo server; returns only on failure.
int run_model(const std::string &model, const std::vector<std::string> &args) {
    if (demo::find_model(model) == nullptr) {
        fmt::print(stderr, "iophase demo run: unknown model '{}' (see: iophase demo list)\n",
                   model);
        return kExitUsage;
    }
    std::string path;
    try {
        path = demo::demo_executable(model);
    } catch (const std::exception &error) {
        fmt::print(stderr, "iophase demo run: {}\n", error.what());
        return kExitNotFound;
    }
    std::vector<std::string> argv_strings = {path};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char *> argv;
    for (std::string &arg : argv_strings) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    std::fflush(stdout);
    execv(path.c_str(), argv.data());
    fmt::print(stderr, "iophase demo run: cannot start {}: {} (is the build complete?)\n", path,
               std::strerror(errno));
    return kExitNotFound;
}

}  // namespace

void add_demo_command(CLI::App &app, int &exit_code) {
    CLI::App *demo = app.add_subcommand("demo", "List and run the demo servers, one per I/O model");
    demo->require_subcommand(1);
    demo->footer(
        "Examples:\n"
        "  iophase demo list\n"
        "  iophase demo run epoll-et --port 9000\n"
        "  iophase demo run nonblocking-poll --sleep-us 1000");

    CLI::App *list = demo->add_subcommand(
        "list", "Print every model with how it waits for data and who copies it");
    list->footer("Examples:\n  iophase demo list");
    list->callback([&exit_code] {
        list_models();
        exit_code = kExitOk;
    });

    CLI::App *run = demo->add_subcommand(
        "run",
        "Start the demo server of MODEL in the foreground; the remaining arguments go to it "
        "(--host, --port, --max-fds, --sleep-us; see iophase-demo-MODEL --help). It prints "
        "'iophase-demo model=M port=P pid=N' first and a 'stopped ...' line of counters on "
        "Ctrl-C. Exit codes: 2 unknown model, 127 the demo executable cannot be started.");
    auto model = std::make_shared<std::string>();
    run->add_option("model", *model, "One of the names printed by `iophase demo list`")->required();
    run->prefix_command();  // everything after MODEL is the demo's own arguments
    run->footer(
        "Examples:\n"
        "  iophase demo run select\n"
        "  iophase demo run io_uring --port 9000\n"
        "  iophase demo run thread-per-connection --max-fds 256");
    run->callback([run, model, &exit_code] { exit_code = run_model(*model, run->remaining()); });
}

}  // namespace iophase::cli
