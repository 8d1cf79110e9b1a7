// The columns of the comparison table, defined once for both of its renderings: the text
// table that `iophase compare` prints (table.cpp) and the table of the HTML report
// (html_report.cpp). A column says its heading, its unit, and how a row's value is taken and
// formatted.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "compare/row.h"

namespace iophase::compare {

// Which rendering a cell is for: the text table is narrow, so a few columns show less there.
enum class Table { Text, Html };

struct Cell {
    std::string text{};
    bool flagged = false;  // a value that is wrong (a label that does not match its model)
};

struct Column {
    std::string_view heading{};       // in the HTML table
    std::string_view text_heading{};  // in the text table, with the unit; "": not shown there
    int text_width = 0;               // in the text table; 0: unpadded (the last column)
    bool left = false;                // aligned left (names) rather than right (numbers)
    std::string_view unit{};          // after every value in the HTML table
    std::string_view title{};         // what it counts: the HTML heading's tooltip, or ""
    Cell (*cell)(const Row &row, Table table) = nullptr;
};

// Every column in order. The first kIdentityColumns name the run and are shown for every row;
// a row that did not run shows why in place of the others.
const std::vector<Column> &table_columns();
constexpr std::size_t kIdentityColumns = 2;

}  // namespace iophase::compare
