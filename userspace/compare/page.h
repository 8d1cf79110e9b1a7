// The HTML report's page: userspace/compare/page.html, embedded at build time (page.cmake).
// Its placeholders {{header}}, {{scenarios}}, {{fanin}} and {{data}} are filled by
// render_html.
#pragma once

#include <string_view>

namespace iophase::compare {

std::string_view page_template();

}  // namespace iophase::compare
