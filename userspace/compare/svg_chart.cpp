#include "compare/svg_chart.h"

#include <fmt/format.h>

namespace iophase::compare::svg {

namespace {

constexpr int kChartTop = 4;     // above the first row
constexpr int kAxisHeight = 38;  // the tick labels and the line saying what 100% is
constexpr int kChartBottom = 8;
constexpr int kTextBaseline = kBarHeight - 3;  // a line of text level with a bar
constexpr int kNoteSpacing = 12;
constexpr int kCaptionBelow = kBarHeight + 12;
constexpr int kTickStep = 25;  // percent

// A line of small text at (x, y).
Element small_text(int x, int y, std::string_view text) {
    return Element("text").set("class", "small").set("x", x).set("y", y).text(text);
}

void append_legend(std::string &out, const std::vector<LegendEntry> &legend) {
    out += "<div class=\"legend\">";
    for (const LegendEntry &entry : legend) {
        Element("span")
            .add(Element("span")
                     .set("class", "swatch")
                     .set("style", "background:" + entry.color)
                     .text(""))
            .text(entry.label)
            .append_to(out);
    }
    out += "</div>\n";
}

// Grid lines and tick labels from the top of the chart down to `bottom`, then what 100% is.
void append_axis(std::string &out, int bottom, std::string_view unit_of_100) {
    for (int tick = 0; tick <= 100; tick += kTickStep) {
        const double x = bar_x(tick / 100.0);
        Element("line")
            .set("class", "grid")
            .set_fixed("x1", x, 1)
            .set_fixed("x2", x, 1)
            .set("y1", 0)
            .set("y2", bottom)
            .append_to(out);
        Element("text")
            .set("class", "small")
            .set_fixed("x", x, 1)
            .set("y", bottom + 14)
            .set("text-anchor", "middle")
            .text(fmt::format("{}%", tick))
            .append_to(out);
    }
    small_text(kLabelWidth, bottom + 30, fmt::format("100% = {}", unit_of_100)).append_to(out);
}

// The elements of one row, in drawing order.
std::vector<Element> row_elements(const Bar &bar, const RowLayout &layout, int top) {
    std::vector<Element> row;
    row.push_back(Element("text")
                      .set("x", kLabelWidth - 8)
                      .set("y", top + kTextBaseline)
                      .set("text-anchor", "end")
                      .text(bar.label));
    if (bar.missing) {
        row.push_back(small_text(kLabelWidth + 4, top + kTextBaseline, *bar.missing));
        return row;
    }
    double from = 0;
    for (const Segment &segment : bar.segments) {
        from = segment.from.value_or(from);
        row.push_back(Element("rect")
                          .set("class", segment.css_class)
                          .set_fixed("x", bar_x(from), 2)
                          .set("y", top)
                          .set_fixed("width", segment.share * kBarWidth, 2)
                          .set("height", kBarHeight)
                          .set("fill", segment.color)
                          .set_all(segment.data)
                          .title(segment.title));
        from += segment.share;
    }
    row.insert(row.end(), bar.marks.begin(), bar.marks.end());
    if (!bar.caption.empty()) {
        row.push_back(small_text(kLabelWidth, top + kCaptionBelow, bar.caption));
    }
    int note_y = top + layout.note_offset;
    for (const Note &note : bar.notes) {
        row.push_back(Element("text")
                          .set("class", "small")
                          .set("x", layout.note_x)
                          .set("y", note_y)
                          .set_all(note.data)
                          .text(note.text));
        note_y += kNoteSpacing;
    }
    return row;
}

}  // namespace

int bar_top(const RowLayout &layout, std::size_t index) {
    return kChartTop + static_cast<int>(index) * layout.height + layout.bar_offset;
}

void append_chart(std::string &out, const Chart &chart) {
    append_legend(out, chart.legend);
    const int rows_height = static_cast<int>(chart.bars.size()) * chart.layout.height;
    const int height = rows_height + kAxisHeight + kChartBottom;
    out += Element("svg")
               .set_all(chart.svg)
               .set("viewBox", fmt::format("0 0 {} {}", kChartWidth, height))
               .set("width", kChartWidth)
               .set("height", height)
               .set("role", "img")
               .start_tag();
    out += "\n";
    append_axis(out, rows_height + kChartTop, chart.axis_unit);
    for (std::size_t i = 0; i < chart.bars.size(); ++i) {
        const Bar &bar = chart.bars[i];
        const std::vector<Element> row = row_elements(bar, chart.layout, bar_top(chart.layout, i));
        if (bar.group.empty()) {
            for (const Element &element : row) {
                element.append_to(out);
            }
        } else {
            Element group("g");
            group.set_all(bar.group);
            for (const Element &element : row) {
                group.add(element);
            }
            group.append_to(out);
        }
        out += "\n";
    }
    out += "</svg>\n";
}

}  // namespace iophase::compare::svg
