// Catch2 v2 / v3 compatibility: every test file includes this header and nothing else from Catch2.
// CMake defines MINI_LSM_CATCH2_V3 when it found Catch2 3.x.
#pragma once

#if defined(MINI_LSM_CATCH2_V3)
#include <catch2/catch_approx.hpp>
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
using Catch::Approx;
#else
#include <catch2/catch.hpp>
#endif
