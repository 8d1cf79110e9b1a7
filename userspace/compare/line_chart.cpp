#include "compare/line_chart.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include <fmt/format.h>

#include "model/format_numbers.h"

namespace iophase::compare::svg {

namespace {

using markup::Element;

constexpr int kWidth = 620;
constexpr int kHeight = 330;
constexpr int kLeft = 64;    // the y axis' tick labels and title
constexpr int kRight = 170;  // the legend
constexpr int kTop = 16;
constexpr int kBottom = 46;  // the x axis' labels and title
constexpr int kPlotHeight = kHeight - kTop - kBottom;
constexpr int kPlotWidth = kWidth - kLeft - kRight;
constexpr int kLinearTicks = 4;  // intervals of a linear axis
constexpr int kLegendSpacing = 16;

// The y axis: where a value goes, and the values that get a grid line.
struct YAxis {
    std::function<double(double)> y;
    std::vector<double> ticks;
};

// Whole decades around the values, so that every tick is a power of ten.
YAxis log_axis(double smallest, double largest) {
    const double lo = std::pow(10.0, std::floor(std::log10(smallest)));
    double hi = std::pow(10.0, std::ceil(std::log10(largest)));
    if (hi <= lo) {
        hi = lo * 10;
    }
    YAxis axis;
    axis.y = [lo, hi](double v) {
        return kTop + kPlotHeight * (1 - (std::log10(v) - std::log10(lo)) /
                                             (std::log10(hi) - std::log10(lo)));
    };
    for (double tick = lo; tick <= hi * 1.001; tick *= 10) {
        axis.ticks.push_back(tick);
    }
    return axis;
}

// From 0 to the largest value rounded up at its leading digit.
YAxis linear_axis(double largest) {
    const double top = largest > 0 ? largest : 1;
    const double step = std::pow(10.0, std::floor(std::log10(top)));
    const double hi = std::ceil(top / step) * step;
    YAxis axis;
    axis.y = [hi](double v) { return kTop + kPlotHeight * (1 - v / hi); };
    for (int q = 0; q <= kLinearTicks; ++q) {
        axis.ticks.push_back(hi * q / kLinearTicks);
    }
    return axis;
}

bool drawable(const LineChart &chart, const LinePoint &point) {
    return std::isfinite(point.value) && (!chart.log_scale || point.value > 0);
}

Element text_at(double x, double y, std::string_view text) {
    return Element("text").set_fixed("x", x, 2).set_fixed("y", y, 2).text(text);
}

}  // namespace

std::string axis_number(double value) {
    if (value >= 100 || value == std::floor(value)) {
        return with_commas(static_cast<std::uint64_t>(std::llround(std::max(value, 0.0))));
    }
    return value >= 10 ? fmt::format("{:.1f}", value) : fmt::format("{:.2f}", value);
}

void append_line_chart(std::string &out, const LineChart &chart, std::string_view nothing_text) {
    std::vector<double> values;
    for (const Series &series : chart.series) {
        for (const LinePoint &point : series.points) {
            if (drawable(chart, point)) {
                values.push_back(point.value);
            }
        }
    }
    if (chart.categories.empty() || values.empty()) {
        Element("p").set("class", "meta").text(nothing_text).append_to(out);
        return;
    }
    const auto [smallest, largest] = std::minmax_element(values.begin(), values.end());
    const YAxis axis = chart.log_scale ? log_axis(*smallest, *largest) : linear_axis(*largest);
    const std::size_t n = chart.categories.size();
    const auto x = [n](std::size_t i) {
        return n == 1 ? kLeft + kPlotWidth / 2.0
                      : kLeft + static_cast<double>(i) * kPlotWidth / static_cast<double>(n - 1);
    };

    Element svg("svg");
    svg.set("viewBox", fmt::format("0 0 {} {}", kWidth, kHeight))
        .set("width", kWidth)
        .set("height", kHeight)
        .set_all(chart.svg)
        .set("role", "img");
    for (double tick : axis.ticks) {
        const double y = axis.y(tick);
        svg.add(Element("line")
                    .set("class", "grid")
                    .set("x1", kLeft)
                    .set("x2", kWidth - kRight)
                    .set_fixed("y1", y, 2)
                    .set_fixed("y2", y, 2)
                    .set("data-tick", fmt::format("{}", tick)));
        svg.add(text_at(kLeft - 6, y + 4, axis_number(tick))
                    .set("text-anchor", "end")
                    .set("class", "small"));
    }
    svg.add(Element("line")
                .set("class", "axis")
                .set("x1", kLeft)
                .set("x2", kWidth - kRight)
                .set("y1", kHeight - kBottom)
                .set("y2", kHeight - kBottom));
    svg.add(Element("line")
                .set("class", "axis")
                .set("x1", kLeft)
                .set("x2", kLeft)
                .set("y1", kTop)
                .set("y2", kHeight - kBottom));
    for (std::size_t i = 0; i < n; ++i) {
        svg.add(text_at(x(i), kHeight - kBottom + 16, chart.categories[i])
                    .set("text-anchor", "middle")
                    .set("class", "small"));
    }
    svg.add(
        text_at(kLeft + kPlotWidth / 2.0, kHeight - 8, chart.x_title).set("text-anchor", "middle"));
    const double middle = kTop + kPlotHeight / 2.0;
    svg.add(text_at(14, middle, chart.y_title)
                .set("text-anchor", "middle")
                .set("transform", fmt::format("rotate(-90 14 {:.2f})", middle)));

    int legend_y = kTop + 6;
    for (const Series &series : chart.series) {
        Element group("g");
        group.set_all(series.group);
        std::string line;
        std::vector<Element> circles;
        for (const LinePoint &point : series.points) {
            if (!drawable(chart, point)) {
                continue;
            }
            const double px = x(point.category);
            const double py = axis.y(point.value);
            line += fmt::format("{}{:.2f},{:.2f}", line.empty() ? "" : " ", px, py);
            circles.push_back(Element("circle")
                                  .set_fixed("cx", px, 2)
                                  .set_fixed("cy", py, 2)
                                  .set("r", 4)
                                  .set("fill", series.color)
                                  .set("class", "point")
                                  .set("data-value", fmt::format("{}", point.value))
                                  .set_all(point.data)
                                  .title(point.title));
        }
        if (circles.empty()) {
            continue;
        }
        group.add(Element("polyline")
                      .set("points", line)
                      .set("fill", "none")
                      .set("stroke", series.color)
                      .set("stroke-width", 2));
        for (const Element &circle : circles) {
            group.add(circle);
        }
        svg.add(group);
        svg.add(Element("rect")
                    .set("x", kWidth - kRight + 12)
                    .set("y", legend_y - 9)
                    .set("width", 12)
                    .set("height", 3)
                    .set("fill", series.color));
        svg.add(Element("text")
                    .set("x", kWidth - kRight + 30)
                    .set("y", legend_y - 4)
                    .set("class", "small")
                    .text(series.name));
        legend_y += kLegendSpacing;
    }
    svg.append_to(out);
}

}  // namespace iophase::compare::svg
