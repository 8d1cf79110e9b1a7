// Names of io_uring opcodes (IORING_OP_*, lower-cased) for the report.
#pragma once

#include <cstdint>
#include <string>

namespace iophase {

std::string io_uring_opcode_name(std::uint32_t opcode);

}  // namespace iophase
