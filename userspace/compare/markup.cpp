#include "compare/markup.h"

#include <fmt/format.h>

namespace iophase::compare::markup {

std::string escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

Element &Element::set(std::string_view attribute, std::string_view value) {
    attributes_ += fmt::format(" {}=\"{}\"", attribute, escape(value));
    return *this;
}

Element &Element::set_fixed(std::string_view attribute, double value, int decimals) {
    return set(attribute, fmt::format("{:.{}f}", value, decimals));
}

Element &Element::set_all(const Attributes &attributes) {
    for (const auto &[attribute, value] : attributes) {
        set(attribute, value);
    }
    return *this;
}

Element &Element::text(std::string_view text) {
    content_ += escape(text);
    has_content_ = true;
    return *this;
}

Element &Element::add(const Element &child) {
    child.append_to(content_);
    has_content_ = true;
    return *this;
}

std::string Element::start_tag() const {
    return "<" + name_ + attributes_ + ">";
}

std::string Element::str() const {
    if (!has_content_) {
        return "<" + name_ + attributes_ + "/>";
    }
    return start_tag() + content_ + "</" + name_ + ">";
}

}  // namespace iophase::compare::markup
