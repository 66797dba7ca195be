# Turns a text file into a C++ source defining `extern const char* const kViewerPage`.
# Split into chunks: compilers cap the length of one string literal.
file(READ ${IN} CONTENT HEX)
string(LENGTH "${CONTENT}" HEXLEN)
set(BODY "")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," BODY "${CONTENT}")
file(WRITE ${OUT} "// Generated from ${IN}; do not edit.\n#include <cstddef>\nextern const char kViewerPage[];\nextern const std::size_t kViewerPageSize;\nconst char kViewerPage[] = {${BODY} 0x00};\nconst std::size_t kViewerPageSize = sizeof(kViewerPage) - 1;\n")
