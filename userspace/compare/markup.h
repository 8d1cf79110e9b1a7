// Writing HTML and SVG elements for the compare report: an element is built from named
// attributes and its content, and every attribute value and text is escaped on the way in, so
// a caller can neither forget it nor do it twice.
#pragma once

#include <concepts>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace iophase::compare::markup {

// `text` as HTML or SVG text or attribute value: & < > " escaped.
std::string escape(std::string_view text);

// Attributes in the order they are written: name and (unescaped) value.
using Attributes = std::vector<std::pair<std::string, std::string>>;

// One element, written <name a="v" ...>content</name>, or <name a="v" .../> when nothing was
// ever put in it (SVG's shapes; an HTML element that must be closed gets text("")).
class Element {
  public:
    explicit Element(std::string_view name) : name_(name) {}

    Element &set(std::string_view attribute, std::string_view value);
    Element &set(std::string_view attribute, std::integral auto value) {
        return set(attribute, std::to_string(value));
    }
    // A coordinate or measure with a fixed number of decimals.
    Element &set_fixed(std::string_view attribute, double value, int decimals);
    Element &set_all(const Attributes &attributes);

    Element &text(std::string_view text);
    Element &add(const Element &child);
    // The tooltip of an SVG element.
    Element &title(std::string_view text) { return add(Element("title").text(text)); }

    // The start tag alone, for an element whose content is written after it.
    std::string start_tag() const;
    std::string str() const;
    void append_to(std::string &out) const { out += str(); }

  private:
    std::string name_;
    std::string attributes_;  // written: ` name="value"` each
    std::string content_;     // written
    bool has_content_ = false;
};

}  // namespace iophase::compare::markup
