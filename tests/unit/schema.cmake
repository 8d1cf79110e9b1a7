# The JSON report validates against docs/report.schema.json (python3-jsonschema, installed by
# tools/setup.sh), and the schema rejects broken reports. Included from tests/unit/CMakeLists.txt.
add_executable(write_sample_report ${CMAKE_CURRENT_SOURCE_DIR}/sample/write_sample_report.cpp)
target_link_libraries(write_sample_report PRIVATE iophase_tracer)
target_include_directories(write_sample_report PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})

set(IOPHASE_SAMPLE_REPORT ${CMAKE_CURRENT_BINARY_DIR}/sample_report.json)
add_test(NAME schema.write_sample_report
         COMMAND write_sample_report ${IOPHASE_SAMPLE_REPORT})
set_tests_properties(schema.write_sample_report PROPERTIES
                     LABELS unit FIXTURES_SETUP iophase_sample_report)
add_test(NAME schema.sample_report_validates
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/sample/validate_report.py
                 ${CMAKE_SOURCE_DIR}/docs/report.schema.json ${IOPHASE_SAMPLE_REPORT})
set_tests_properties(schema.sample_report_validates PROPERTIES
                     LABELS unit FIXTURES_REQUIRED iophase_sample_report)
