# Use ccache when the machine has it: rebuilds on 2 cores are the common case.
find_program(DSR_CCACHE ccache)
if(DSR_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER "${DSR_CCACHE}")
endif()
