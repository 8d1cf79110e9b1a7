#include "options.h"

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>

namespace iophase::demo {
namespace {

[[noreturn]] void usage_error(std::string_view model, const std::string &message) {
    std::fprintf(stderr, "iophase-demo-%.*s: %s (try --help)\n", static_cast<int>(model.size()),
                 model.data(), message.c_str());
    std::exit(2);
}

std::uint64_t parse_number(std::string_view model, std::string_view flag, std::string_view text,
                           std::uint64_t max) {
    std::uint64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size() || value > max) {
        usage_error(model, std::string(flag) + " wants a number up to " + std::to_string(max) +
                               ", got '" + std::string(text) + "'");
    }
    return value;
}

void print_help(std::string_view model, bool has_sleep_us) {
    const std::string name = "iophase-demo-" + std::string(model);
    std::printf(
        "Usage: %s [--host ADDR] [--port N] [--max-fds N]%s\n"
        "\n"
        "An echo server of the '%s' I/O model speaking the iophase protocol\n"
        "(docs/protocol.md). Prints 'iophase-demo model=... port=... pid=...' first, and\n"
        "'stopped model=... connections=... messages=... bytes_in=... bytes_out=...' on\n"
        "SIGINT/SIGTERM.\n"
        "\n"
        "Options:\n"
        "  --host ADDR    IPv4 address to listen on (default 127.0.0.1)\n"
        "  --port N       TCP port (default 0: pick a free one)\n"
        "  --max-fds N    RLIMIT_NOFILE soft limit (default: raise it to the hard limit)\n"
        "%s"
        "\n"
        "Examples:\n"
        "  %s --port 9000\n"
        "  %s --max-fds 64\n",
        name.c_str(), has_sleep_us ? " [--sleep-us N]" : "", std::string(model).c_str(),
        has_sleep_us ? "  --sleep-us N   sleep N microseconds between sweeps (default 0: spin)\n"
                     : "",
        name.c_str(), name.c_str());
}

}  // namespace

DemoOptions parse_options(int argc, char **argv, std::string_view model, bool has_sleep_us) {
    DemoOptions options;
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == "-h" || arg == "--help") {
            print_help(model, has_sleep_us);
            std::exit(0);
        }
        // Accept both "--flag value" and "--flag=value".
        std::string_view value;
        const auto equals = arg.find('=');
        if (equals != std::string_view::npos) {
            value = arg.substr(equals + 1);
            arg = arg.substr(0, equals);
        }
        if (arg != "--host" && arg != "--port" && arg != "--max-fds" &&
            !(arg == "--sleep-us" && has_sleep_us)) {
            usage_error(model, "unknown option " + std::string(arg));
        }
        if (equals == std::string_view::npos) {
            if (i + 1 == argc) {
                usage_error(model, "option " + std::string(arg) + " needs a value");
            }
            value = argv[++i];
        }
        if (arg == "--host") {
            options.host = std::string(value);
        } else if (arg == "--port") {
            options.port = static_cast<std::uint16_t>(parse_number(model, arg, value, 65535));
        } else if (arg == "--max-fds") {
            options.max_fds = parse_number(model, arg, value, std::numeric_limits<int>::max());
        } else {
            options.sleep_us = parse_number(model, arg, value, 10'000'000);
        }
    }
    return options;
}

}  // namespace iophase::demo
