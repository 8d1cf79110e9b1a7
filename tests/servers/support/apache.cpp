#include "support/apache.h"

#include "support/config_file.h"
#include "support/http_load.h"
#include "support/server.h"

namespace servertest {

std::vector<std::string> apache_command(const bpftest::TempDir &dir, int port,
                                        const std::string &mpm, const std::string &tuning) {
    const std::string root = open_for_workers(dir, "www");
    write_index_page(root);
    const std::string modules = "/usr/lib/apache2/modules/";
    const std::string config = write_file(dir.file("apache2.conf"), R"(
ServerRoot )" + dir.file("") + R"(
ServerName 127.0.0.1
Listen 127.0.0.1:)" + std::to_string(port) + R"(
PidFile )" + dir.file("apache2.pid") + R"(
DefaultRuntimeDir )" + open_for_workers(dir, "run") + R"(
ErrorLog )" + dir.file("error.log") + R"(
LogLevel warn
LoadModule mpm_)" + mpm + "_module " + modules + "mod_mpm_" + mpm + R"(.so
LoadModule authz_core_module )" + modules + R"(mod_authz_core.so
User www-data
Group www-data
DocumentRoot )" + root + R"(
<Directory />
    AllowOverride None
    Require all granted
</Directory>
)" + tuning);
    return {kApache, "-f", config, "-DFOREGROUND"};
}

const std::vector<Invariant> kApacheRequest = {
    {"read", "socket", 2}, {"writev", "socket", 1},  {"poll", nullptr, 1},
    {"fcntl", nullptr, 2}, {"shutdown", nullptr, 1}, {"munmap", nullptr, 1},
};

}  // namespace servertest
