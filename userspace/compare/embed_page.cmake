# cmake -DIN=page.html -DOUT=compare_page.cpp -P embed_page.cmake
file(READ ${IN} PAGE)
string(FIND "${PAGE}" ")IOPHASE_PAGE" clash)
if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${IN} contains the raw string's delimiter )IOPHASE_PAGE")
endif()
file(WRITE ${OUT}.tmp
     "// Generated from ${IN} by embed_page.cmake: edit that file instead.\n"
     "#include \"compare/page.h\"\n\nnamespace iophase::compare {\n\n"
     "std::string_view page_template() {\n    return R\"IOPHASE_PAGE(${PAGE})IOPHASE_PAGE\";\n}\n\n"
     "}  // namespace iophase::compare\n")
file(RENAME ${OUT}.tmp ${OUT})
