// Writes the rich synthetic report (sample_report.h), classified, as JSON to the file named
// by argv[1], for the schema check in tests/unit/schema.cmake.
#include <fstream>
#include <iostream>

#include "model/classify.h"
#include "report/json_report.h"
#include "sample/sample_report.h"

int main(int argc, char **argv) {
    if (argc != 2) {
        std::cerr << "usage: write_sample_report OUT.json\n";
        return 2;
    }
    iophase::Report report = iophase::sample::make_sample_report();
    iophase::classify_all(report);
    std::ofstream out(argv[1]);
    out << iophase::report_to_json(report).dump(2) << '\n';
    out.close();
    if (!out) {
        std::cerr << "write_sample_report: cannot write " << argv[1] << '\n';
        return 1;
    }
    return 0;
}
