// The line charts of the compare report: one value per series and x category, drawn as a
// polyline with a point per value, on a linear axis from 0 or a logarithmic one over whole
// decades. A figure says what its categories, series and points are; this says where they go.
// Like svg_chart.h, every text goes through markup::Element, so all of it is escaped.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "compare/markup.h"

namespace iophase::compare::svg {

using markup::Attributes;

struct LinePoint {
    std::size_t category = 0;  // index into LineChart::categories
    double value = 0;
    Attributes data{};  // data-* attributes of its circle, after data-value
    std::string title{};
};

struct Series {
    std::string name{};  // in the legend
    std::string color{};
    Attributes group{};  // the <g> holding its line and points
    std::vector<LinePoint> points{};
};

struct LineChart {
    Attributes svg{};                       // the <svg>'s class and data-* attributes
    std::vector<std::string> categories{};  // the x axis' labels, left to right
    std::string x_title{};
    std::string y_title{};
    bool log_scale = false;  // points at or under 0 cannot be drawn on it and are left out
    std::vector<Series> series{};
};

// The <svg>, or `nothing_text` in a paragraph when the chart has no point to draw.
void append_line_chart(std::string &out, const LineChart &chart, std::string_view nothing_text);

// A tick label or tooltip value: "1,200", "12.5", "0.25".
std::string axis_number(double value);

}  // namespace iophase::compare::svg
