# Project warning set; TRAINBOX_WERROR turns them into errors (CI does).
function(trainbox_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow=local
                         -Wnon-virtual-dtor -Wimplicit-fallthrough)
  if(TRAINBOX_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
