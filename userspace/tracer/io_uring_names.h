// Names of io_uring opcodes (IORING_OP_*, lower-cased) for the report.
#pragma once

#include <cstdint>
#include <string>

namespace iophase {

std::string io_uring_opcode_name(std::uint32_t opcode);
// True for the opcodes whose positive result is a byte count (read, recv, send, ...).
bool io_uring_opcode_moves_data(const std::string &name);

}  // namespace iophase
