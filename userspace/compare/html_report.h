// The self-contained HTML report of a comparison: tables, per model a stacked bar of the
// time budget and the timeline of one measured request (phase 1 and phase 2 marked; the mean
// per message when no request was measured), and the idle-fanin sweep as line charts. Inline SVG
// and CSS, no script; every chart element carries its numbers in data-* attributes and a <title>
// tooltip.
#pragma once

#include <string>

#include "compare/result.h"

namespace iophase::compare {

std::string render_html(const CompareResult &result);

}  // namespace iophase::compare
