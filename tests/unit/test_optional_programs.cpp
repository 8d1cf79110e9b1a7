// Which BPF program a failed load blames, from libbpf's own messages: the tracer turns that
// one off and retries only when it is an optional program lacking its tracepoint.
#include <gtest/gtest.h>

#include <bpf/libbpf.h>

#include <string>

#include "iophase.skel.h"
#include "tracer/optional_programs.h"

namespace iophase {
namespace {

// What libbpf 1.1 printed here for a tp_btf program whose tracepoint the kernel lacks.
std::string failed_load_log(const std::string &program, const std::string &tracepoint) {
    return "libbpf: prog '" + program + "': failed to find kernel BTF type ID of '" + tracepoint +
           "': -3\nlibbpf: prog '" + program +
           "': failed to prepare load attributes: -3\nlibbpf: prog '" + program +
           "': failed to load: -3\nlibbpf: failed to load object 'iophase_bpf'\n";
}

TEST(MissingOptionalProgram, NamesTheOptionalProgramWhoseTracepointIsMissing) {
    const OptionalProgram *missing =
        missing_optional_program(failed_load_log("on_skb_copy", "skb_copy_datagram_iovec"));
    ASSERT_NE(missing, nullptr);
    EXPECT_STREQ(missing->program, "on_skb_copy");
    EXPECT_NE(std::string(missing->measures).find("copy phase"), std::string::npos);

    missing = missing_optional_program(failed_load_log("on_uring_poll_arm", "io_uring_poll_arm"));
    ASSERT_NE(missing, nullptr);
    EXPECT_STREQ(missing->program, "on_uring_poll_arm");
}

TEST(MissingOptionalProgram, ACoreProgramOrAnotherFailureIsNotRetried) {
    // The syscall tracepoints are the core: without them there is nothing to report.
    EXPECT_EQ(missing_optional_program(failed_load_log("on_sys_enter", "sys_enter")), nullptr);
    EXPECT_EQ(missing_optional_program("libbpf: prog 'on_skb_copy': BPF program load failed: "
                                       "Permission denied\n"),
              nullptr);
    EXPECT_EQ(missing_optional_program(""), nullptr);
}

TEST(MissingOptionalProgram, EveryOptionalProgramExistsInTheBpfObject) {
    // A renamed program would silently lose its fallback. Opening parses the object only:
    // no privileges needed, nothing is loaded.
    iophase_bpf *skel = iophase_bpf::open();
    ASSERT_NE(skel, nullptr);
    for (const auto &optional : optional_programs()) {
        EXPECT_NE(bpf_object__find_program_by_name(skel->obj, optional.program), nullptr)
            << optional.program;
    }
    iophase_bpf::destroy(skel);
}

}  // namespace
}  // namespace iophase
