# The HTML report's page (compare/page.html: skeleton and style) embedded at build
# time as a raw string: the generated compare_page.cpp defines compare::page_template().
set(COMPARE_PAGE_HTML ${CMAKE_CURRENT_LIST_DIR}/page.html)
set(COMPARE_PAGE_CPP ${CMAKE_CURRENT_BINARY_DIR}/generated/compare_page.cpp)
add_custom_command(
    OUTPUT ${COMPARE_PAGE_CPP}
    COMMAND ${CMAKE_COMMAND} -DIN=${COMPARE_PAGE_HTML} -DOUT=${COMPARE_PAGE_CPP} -P
            ${CMAKE_CURRENT_LIST_DIR}/embed_page.cmake
    DEPENDS ${COMPARE_PAGE_HTML} ${CMAKE_CURRENT_LIST_DIR}/embed_page.cmake
    COMMENT "Embedding compare/page.html")
target_sources(iophase_compare PRIVATE ${COMPARE_PAGE_CPP})
