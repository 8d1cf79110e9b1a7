// Process and thread names (the kernel's comm, /proc/PID/cmdline) are bytes: the kernel cuts a
// comm at 15 bytes, in the middle of a UTF-8 character if need be, and a name may hold any byte,
// a newline or an ESC included. These make such a name safe to print or to put in JSON while
// keeping every byte visible (docs/report.md, "Names").
#pragma once

#include <string>
#include <string_view>

namespace iophase {

// `bytes` as valid UTF-8: well-formed UTF-8 characters are kept, and every byte that is not
// part of one becomes the four characters \xNN (lower-case hex), e.g. "\xff".
std::string utf8_escaped(std::string_view bytes);

// utf8_escaped(), and control characters escaped too, so that a name cannot move the cursor,
// change colours or start a line: \n, \r, \t, other C0 controls and DEL as \xNN, C1 controls
// (U+0080 to U+009F) as \u0080 to \u009f.
std::string terminal_escaped(std::string_view bytes);

}  // namespace iophase
