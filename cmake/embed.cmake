# trainbox_embed_file(<out.cc> <symbol> <file>): compiles a file's bytes into the binary as
# `std::string_view <symbol>()` in namespace trainbox::embedded.
function(trainbox_embed_file out_cc symbol input)
  add_custom_command(
    OUTPUT ${out_cc}
    COMMAND ${CMAKE_COMMAND} -DINPUT=${input} -DOUTPUT=${out_cc} -DSYMBOL=${symbol}
            -P ${PROJECT_SOURCE_DIR}/cmake/embed_run.cmake
    DEPENDS ${input} ${PROJECT_SOURCE_DIR}/cmake/embed_run.cmake
    VERBATIM)
endfunction()
