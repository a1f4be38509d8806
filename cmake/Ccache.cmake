# Compile through ccache when it is installed: rebuilds after switching trees or checkpoints then
# reuse earlier results. Included by the root project and by xtask/, so neither the xtask nor ./x
# has to pass -DCMAKE_CXX_COMPILER_LAUNCHER.
find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER "${CCACHE_PROGRAM}")
endif()
