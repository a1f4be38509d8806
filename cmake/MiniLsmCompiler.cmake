# Compiler settings shared by the engine, its binaries and the test suite.

include(Ccache)

# mini_lsm_settings carries warnings and sanitizer flags to every target that links it.
add_library(mini_lsm_settings INTERFACE)
target_compile_options(mini_lsm_settings INTERFACE -Wall -Wextra -Wpedantic)
if(MINI_LSM_WERROR)
  target_compile_options(mini_lsm_settings INTERFACE -Werror)
endif()

# A learner tree is full of stubs whose parameters and constants are not used yet; that is not a
# defect.
get_filename_component(_tree_real "${MINI_LSM_TREE}" REALPATH)
get_filename_component(_reference_real "${CMAKE_CURRENT_SOURCE_DIR}/reference" REALPATH)
if(NOT _tree_real STREQUAL _reference_real)
  target_compile_options(mini_lsm_settings INTERFACE -Wno-unused-parameter
    $<$<CXX_COMPILER_ID:Clang>:-Wno-unused-private-field -Wno-unused-const-variable>)
endif()

if(MINI_LSM_SANITIZE STREQUAL "address")
  set(_sanitize_flags -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
elseif(MINI_LSM_SANITIZE STREQUAL "thread")
  set(_sanitize_flags -fsanitize=thread -fno-omit-frame-pointer)
elseif(NOT MINI_LSM_SANITIZE STREQUAL "")
  message(FATAL_ERROR "MINI_LSM_SANITIZE must be address, thread or empty, not '${MINI_LSM_SANITIZE}'")
endif()
if(_sanitize_flags AND CMAKE_BUILD_TYPE STREQUAL "Unattended")
  # A sanitizer's report needs the file and line of each frame, which line tables alone give, at
  # half the cost of full debug information (CI's sanitizer builds; on a day-6 test file under
  # ASan: 3.2 s to compile without, 4.3 s with line tables, 5.2 s with -g).
  target_compile_options(mini_lsm_settings INTERFACE
    $<IF:$<CXX_COMPILER_ID:Clang>,-gline-tables-only,-g1>)
endif()
if(_sanitize_flags)
  target_compile_options(mini_lsm_settings INTERFACE ${_sanitize_flags})
  target_link_options(mini_lsm_settings INTERFACE ${_sanitize_flags})
endif()
