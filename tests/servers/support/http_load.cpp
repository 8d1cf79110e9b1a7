#include "support/http_load.h"

#include <gtest/gtest.h>

#include "support/client.h"
#include "support/config_file.h"

namespace servertest {

Work ab_load(const bpftest::TempDir &dir, int port, const ClientShape &shape) {
    const int requests = shape.requests;
    const auto run =
        run_client(dir, "ab",
                   {kAb, "-n", std::to_string(requests), "-c", std::to_string(shape.clients),
                    "http://127.0.0.1:" + std::to_string(port) + "/index.html"});
    EXPECT_EQ(run.exit_code, 0) << run.output;
    const long long complete = number_after(run.output, "Complete requests:");
    EXPECT_EQ(complete, requests) << run.output;
    EXPECT_EQ(number_after(run.output, "Failed requests:"), 0) << run.output;
    EXPECT_EQ(run.output.find("Non-2xx responses"), std::string::npos) << run.output;
    const auto done = static_cast<std::uint64_t>(complete < 0 ? 0 : complete);
    return Work{done, done};
}

void write_index_page(const std::string &dir) {
    write_file(dir + "/index.html", "<html><body>iophase server test</body></html>\n");
}

}  // namespace servertest
