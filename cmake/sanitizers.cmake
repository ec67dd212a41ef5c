# TRAINBOX_SANITIZE=ON builds everything with AddressSanitizer + UBSan.
if(TRAINBOX_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# TRAINBOX_FUZZ=ON (clang only) instruments everything for libFuzzer and adds the fuzz/ targets;
# build it in its own folder (make fuzz / make fuzz-smoke), together with TRAINBOX_SANITIZE.
option(TRAINBOX_FUZZ "Build the libFuzzer targets of fuzz/ (clang)" OFF)
if(TRAINBOX_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "TRAINBOX_FUZZ needs clang (CXX=clang++)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
