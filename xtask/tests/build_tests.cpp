// Tests of the pure parts of build.hpp: reading CTest's summary and CMake's cache.
#include "../src/build.hpp"

#include "../../tests/harness/catch.hpp"
#include "../src/commands.hpp"

using xtask::cache_matches;
using xtask::label_test_counts;
using xtask::parse_cmake_cache;
using xtask::parse_ctest_summary;
using xtask::passed_test_names;

TEST_CASE("the ctest summary line gives passed and failed counts", "[xtask]") {
  auto counts = parse_ctest_summary(
      "    Start 1: a\n1/12 Test #1: a ....   Passed    0.01 sec\n\n"
      "75% tests passed, 3 tests failed out of 12\n\nTotal Test time (real) =   0.05 sec\n");
  REQUIRE(counts);
  CHECK(counts->passed == 9);
  CHECK(counts->failed == 3);
  CHECK(counts->total() == 12);
  CHECK_FALSE(counts->all_passed());
  CHECK_FALSE(counts->none_passed());
}

TEST_CASE("the ctest summary is found with all passing, all failing and colours", "[xtask]") {
  auto all = parse_ctest_summary("100% tests passed, 0 tests failed out of 5\n");
  REQUIRE(all);
  CHECK(all->all_passed());
  auto none = parse_ctest_summary("0% tests passed, 1 test failed out of 1\n");
  REQUIRE(none);
  CHECK(none->none_passed());
  auto coloured = parse_ctest_summary(
      "\x1b[0;32m100% tests passed\x1b[0;0m, \x1b[0;32m0 tests failed\x1b[0;0m"
      " out of 4\n");
  REQUIRE(coloured);
  CHECK(coloured->passed == 4);
}

TEST_CASE("output without a ctest summary has no counts", "[xtask]") {
  CHECK_FALSE(parse_ctest_summary("No tests were found!!!\n"));
  CHECK_FALSE(parse_ctest_summary(""));
}

TEST_CASE("the names of passed tests are read from ctest's per-test lines", "[xtask]") {
  auto names = passed_test_names(
      "1/3 Test #1: memtable get returns what put wrote ......   Passed    0.01 sec\n"
      "2/3 Test #2: memtable freeze ..........................***Failed    0.01 sec\n"
      "3/3 Test #3: a rather long name   Passed    0.02 sec\n");
  REQUIRE(names.size() == 2);
  CHECK(names[0] == "memtable get returns what put wrote");
  CHECK(names[1] == "a rather long name");
}

TEST_CASE("a CMake cache is read by variable name", "[xtask]") {
  auto cache = parse_cmake_cache(
      "# This is the CMakeCache file.\n//Engine tree to build\n"
      "MINI_LSM_TREE:PATH=/repo/reference\nMINI_LSM_WERROR:BOOL=ON\n"
      "MINI_LSM_SANITIZE:STRING=\nCMAKE_CXX_COMPILER_LAUNCHER:UNINITIALIZED=ccache\n");
  CHECK(cache.at("MINI_LSM_TREE") == "/repo/reference");
  CHECK(cache.at("MINI_LSM_WERROR") == "ON");
  CHECK(cache.at("MINI_LSM_SANITIZE").empty());
  CHECK(cache.at("CMAKE_CXX_COMPILER_LAUNCHER") == "ccache");
}

TEST_CASE("reconfiguring is needed only when a wanted variable differs", "[xtask]") {
  std::map<std::string, std::string> cache = {{"MINI_LSM_TREE", "/repo/reference"},
                                              {"MINI_LSM_WERROR", "ON"}};
  CHECK(cache_matches(cache, {{"MINI_LSM_TREE", "/repo/reference"}, {"MINI_LSM_WERROR", "ON"}}));
  CHECK_FALSE(cache_matches(cache, {{"MINI_LSM_TREE", "/repo/starter"}}));
  CHECK_FALSE(cache_matches(cache, {{"MINI_LSM_WERROR", "OFF"}}));
  // Empty and OFF also match a variable the cache does not have.
  CHECK(cache_matches(cache, {{"MINI_LSM_SANITIZE", ""}, {"SOMETHING", "OFF"}}));
  CHECK_FALSE(cache_matches(cache, {{"MINI_LSM_SANITIZE", "address"}}));
}

TEST_CASE("every tree and sanitizer gets its own suite build folder", "[xtask]") {
  CHECK(xtask::suite_build_name("reference", "") == "reference");
  CHECK(xtask::suite_build_name("starter", "") == "test-starter");
  CHECK(xtask::suite_build_name("reference", "address") == "asan-reference");
  CHECK(xtask::suite_build_name("starter", "address") == "asan-starter");
  CHECK(xtask::suite_build_name("reference", "thread") == "tsan-reference");
  CHECK(xtask::suite_build_name("my-tree", "thread") == "tsan-my-tree");
}

TEST_CASE("tests that CTest stopped at their timeout are named", "[xtask]") {
  const std::string output =
      "      Start  3: flush thread waits\n"
      " 1/3 Test  #1: memtable get returns what put wrote ....   Passed    0.01 sec\n"
      " 2/3 Test  #2: flush thread waits ...................***Timeout  20.01 sec\n"
      " 3/3 Test  #3: cli \"quoted\" name ... with dots ..***Failed    0.02 sec\n"
      "\n33% tests passed, 2 tests failed out of 3\n";
  CHECK(xtask::timed_out_test_names(output) == std::vector<std::string>{"flush thread waits"});
  CHECK(xtask::timed_out_test_names("100% tests passed, 0 tests failed out of 1\n").empty());

  xtask::LabelRun run{"w1d6", parse_ctest_summary(output), output};
  run.timed_out = xtask::timed_out_test_names(output);
  CHECK(run.describe() == "1/3 passed, 1 timed out");
  CHECK(xtask::summarize({run}) ==
        "  w1d6  1/3 passed, 1 timed out  FAILED\n"
        "timed out (stopped after the per-test timeout; most likely a hang, such as a thread that "
        "waits forever):\n"
        "  w1d6  flush thread waits\n");
}

TEST_CASE("a folder is configured afresh only for another compiler", "[xtask]") {
  const std::map<std::string, std::string> cache = {{"CMAKE_CXX_COMPILER", "/usr/bin/g++"},
                                                    {"CMAKE_BUILD_TYPE", "Debug"}};
  CHECK(xtask::compiler_changes(cache, {{"CMAKE_CXX_COMPILER", "/usr/bin/clang++"}}));
  CHECK_FALSE(xtask::compiler_changes(cache, {{"CMAKE_CXX_COMPILER", "/usr/bin/g++"}}));
  CHECK_FALSE(xtask::compiler_changes(cache, {{"CMAKE_BUILD_TYPE", "Release"}}));
  CHECK_FALSE(xtask::compiler_changes({}, {{"CMAKE_CXX_COMPILER", "/usr/bin/clang++"}}));
}

TEST_CASE("the number of tests of each label is read from ctest's label summary", "[xtask]") {
  const std::string output =
      "100% tests passed, 0 tests failed out of 54\n\n"
      "Label Time Summary:\n"
      "provided    =   0.51 sec*proc (26 tests)\n"
      "w1d1        =   1.20 sec*proc (27 tests)\n"
      "w1d2        =   0.02 sec*proc (1 test)\n\n"
      "Total Test time (real) =   0.98 sec\n";
  const std::map<std::string, int> expected = {{"provided", 26}, {"w1d1", 27}, {"w1d2", 1}};
  CHECK(label_test_counts(output) == expected);
  CHECK(label_test_counts("No tests were found!!!\n").empty());
}
