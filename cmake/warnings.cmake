# Project warning set; TRAINBOX_WERROR turns them into errors (CI does).
function(trainbox_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic
                         $<$<CXX_COMPILER_ID:GNU>:-Wshadow=local>
                         -Wnon-virtual-dtor -Wimplicit-fallthrough)
  if(TRAINBOX_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
