// The inline style sheet and script of the HTML report. Kept apart from the C++ that writes
// the markup so each reads as what it is. Nothing here fetches anything.
#pragma once

#include <string_view>

namespace iophase::compare {

std::string_view html_style();
// Builds the script-drawn charts (the idle-fanin line charts) from the JSON embedded in the
// page's <script id="iophase-data" type="application/json">.
std::string_view html_script();

}  // namespace iophase::compare
