// The bar charts of the compare report, one component for every figure: horizontal bars of
// stacked segments, a label column at their left, notes at their right, a 0-100% axis under
// them and a legend above. A figure says what its bars, segments and labels are; this says where
// they go. Every text goes through markup::Element, so all of it is escaped.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "compare/markup.h"

namespace iophase::compare::svg {

using markup::Attributes;
using markup::Element;

// The horizontal geometry, shared by every chart so that their bars line up on the page.
constexpr int kChartWidth = 1000;
constexpr int kLabelWidth = 190;  // the label column, left of the bars
constexpr int kBarWidth = 600;    // the 100% tick
constexpr int kBarHeight = 16;

// The x of a point `share` of the way along a bar (1: the 100% tick).
inline double bar_x(double share) {
    return kLabelWidth + share * kBarWidth;
}

// The vertical layout of a chart's rows.
struct RowLayout {
    int height{};       // of one row
    int bar_offset{};   // from a row's top to its bar's (room for marks above the bar)
    int note_x{};       // where the notes right of the bars start
    int note_offset{};  // the first note's baseline below its bar's top; the next ones 12 px apart
};

// The top of the bar of row `index`.
int bar_top(const RowLayout &layout, std::size_t index);

struct LegendEntry {
    std::string label{};
    std::string color{};
};

// One rect of a bar, placed in shares of the bar's full width.
struct Segment {
    std::string css_class{};
    double share = 0;              // its width
    std::optional<double> from{};  // where it starts; unset: where the previous one ended
    std::string color{};
    Attributes data{};  // data-* attributes, after the geometry
    std::string title{};
};

// A line of text right of a bar.
struct Note {
    std::string text{};
    Attributes data{};
};

// One row of a chart.
struct Bar {
    std::string label{};  // in the label column
    Attributes group{};   // the <g> holding the row (class, data-*); empty: the row has none
    std::optional<std::string> missing{};  // why there is no bar, written in its place
    std::vector<Segment> segments{};
    std::vector<Element> marks{};  // the figure's own shapes over or above the bar
    std::string caption{};         // a line under the bar, or ""
    std::vector<Note> notes{};
};

struct Chart {
    Attributes svg{};  // the <svg>'s class and data-* attributes
    RowLayout layout{};
    std::string axis_unit{};  // what 100% stands for
    std::vector<LegendEntry> legend{};
    std::vector<Bar> bars{};
};

// The legend (an HTML block) followed by the <svg>.
void append_chart(std::string &out, const Chart &chart);

}  // namespace iophase::compare::svg
