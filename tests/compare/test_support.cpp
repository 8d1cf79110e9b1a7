#include "test_support.h"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

namespace iophase::compare::testing {

namespace {

std::string chromium_flags() {
    return " --headless --no-sandbox --disable-gpu --disable-background-networking"
           " --disable-component-update --disable-sync --no-first-run";
}

}  // namespace

bool in_ci() {
    const char *ci = std::getenv("CI");
    return ci != nullptr && std::string(ci) == "true";
}

std::optional<std::string> root_missing_reason() {
    if (geteuid() == 0) {
        return std::nullopt;
    }
    return std::string("needs root to load BPF programs (run the compare tests with sudo)");
}

CommandResult run_command(const std::string &command) {
    CommandResult result;
    FILE *pipe = popen((command + " 2>&1").c_str(), "r");
    if (pipe == nullptr) {
        throw std::runtime_error("cannot run: " + command);
    }
    std::array<char, 4096> buffer{};
    std::size_t n = 0;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
        result.output.append(buffer.data(), n);
    }
    const int status = pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

std::string read_file(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read " + path);
    }
    std::stringstream content;
    content << in.rdbuf();
    return content.str();
}

void write_file(const std::string &path, const std::string &content) {
    std::ofstream out(path, std::ios::binary);
    out << content;
    if (!out) {
        throw std::runtime_error("cannot write " + path);
    }
}

TempDir::TempDir() {
    char pattern[] = "/tmp/iophase-compare-test-XXXXXX";
    if (mkdtemp(pattern) == nullptr) {
        throw std::runtime_error("mkdtemp failed");
    }
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

std::optional<std::string> chromium_path() {
    for (const char *candidate : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
        if (access(candidate, X_OK) == 0) {
            return std::string(candidate);
        }
    }
    return std::nullopt;
}

std::string chromium_dump_dom(const std::string &html_path) {
    const auto browser = chromium_path();
    if (!browser) {
        throw std::runtime_error("chromium is not installed (apt-get install -y chromium)");
    }
    TempDir profile;
    TempDir out;
    const std::string dom_path = out.path() + "/dom.html";
    const std::string command = "timeout 90 " + *browser + chromium_flags() +
                                " --user-data-dir=" + profile.path() + " --dump-dom file://" +
                                html_path + " > " + dom_path + " 2>/dev/null";
    const int status = std::system(command.c_str());
    if (status != 0) {
        throw std::runtime_error("chromium --dump-dom failed: " + command);
    }
    return read_file(dom_path);
}

std::vector<Attributes> elements(const std::string &html, const std::string &tag,
                                 const Attributes &required) {
    const std::regex element("<" + tag + R"((\s[^>]*)?>)", std::regex::icase);
    const std::regex attribute(R"(([\w:-]+)="([^"]*)\")");
    std::vector<Attributes> found;
    for (auto it = std::sregex_iterator(html.begin(), html.end(), element);
         it != std::sregex_iterator(); ++it) {
        Attributes attributes;
        const std::string inside = (*it)[1].str();
        for (auto at = std::sregex_iterator(inside.begin(), inside.end(), attribute);
             at != std::sregex_iterator(); ++at) {
            attributes[(*at)[1].str()] = (*at)[2].str();
        }
        found.push_back(std::move(attributes));
    }
    return having(found, required);
}

std::vector<Attributes> having(const std::vector<Attributes> &all, const Attributes &required) {
    std::vector<Attributes> kept;
    for (const Attributes &attributes : all) {
        bool matches = true;
        for (const auto &[name, value] : required) {
            const auto present = attributes.find(name);
            matches = matches && present != attributes.end() && present->second == value;
        }
        if (matches) {
            kept.push_back(attributes);
        }
    }
    return kept;
}

}  // namespace iophase::compare::testing
