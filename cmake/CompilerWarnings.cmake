# dsr_set_warnings(target): the project's warning set, clean by policy: a
# plain build prints no warning with GCC 12 or Clang 14 (Debian 12's), and
# the debug and asan presets (so CI) make any new one an error.
function(dsr_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
                         -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
                         -Woverloaded-virtual)
  # GCC 12 reports both of these inside libstdc++'s std::string once it
  # inlines at -O2 and above, on code that is correct: -Wrestrict on
  # "literal" + std::string (GCC bug 105329) and -Wmaybe-uninitialized on
  # strings in aggregates (bug 107138). GCC 13 no longer does; until then
  # they would only teach readers to skip warnings.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-restrict -Wno-maybe-uninitialized)
  endif()
  if(DSR_WARNINGS_AS_ERRORS)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
