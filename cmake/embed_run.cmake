file(READ ${INPUT} hex HEX)
string(LENGTH "${hex}" hex_len)
math(EXPR size "${hex_len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE ${OUTPUT} "// Generated from ${INPUT}; do not edit.\n#include <string_view>\n"
  "namespace trainbox::embedded {\nnamespace { const unsigned char kData[] = {${bytes} 0}; }\n"
  "std::string_view ${SYMBOL}() { return {reinterpret_cast<const char*>(kData), ${size}}; }\n}\n")
