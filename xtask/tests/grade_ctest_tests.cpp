// Tests of grade_ctest.hpp and grade.hpp's pure helpers: CTest's per-test results, chapter
// ranges and test program names.
#include "../src/grade_ctest.hpp"

#include <string>

#include "../../tests/harness/catch.hpp"
#include "../src/error.hpp"
#include "../src/grade.hpp"

using xtask::TestStatus;

namespace {

// What CTest 3.25 printed for a run with -j2 and --output-on-failure (shortened).
const std::string kOutput =
    "Test project /s/build\n"
    "      Start  1: memtable get returns what put wrote\n"
    "      Start  2: scan, with bounds [a, b)\n"
    " 1/6 Test  #1: memtable get returns what put wrote ....   Passed    0.01 sec\n"
    "      Start  3: engine hangs\n"
    " 2/6 Test  #2: scan, with bounds [a, b) .................***Failed    0.02 sec\n"
    "Filters: scan\\, with bounds [a\\, b)\n"
    "/s/tests/week1/day2_scan.cpp:10: FAILED:\n"
    "  REQUIRE( keys == expected )\n"
    "\n"
    "      Start  4: engine crashes\n"
    " 3/6 Test  #3: engine hangs .............................***Timeout  20.01 sec\n"
    " 4/6 Test  #4: engine crashes ...........................***Exception: SegFault  0.03 sec\n"
    "FAILED: due to a fatal error condition: SIGSEGV\n"
    " 5/6 Test  #5: engine aborts ............................Subprocess aborted***Exception:   "
    "0.05 sec\n"
    " 6/6 Test  #6: killed near the limit ....................Subprocess killed***Exception:  "
    "19.70 sec\n"
    "\n"
    "50% tests passed, 3 tests failed out of 6\n"
    "\n"
    "The following tests FAILED:\n"
    "\t  2 - scan, with bounds [a, b) (Failed)\n";

}  // namespace

TEST_CASE("CTest's result lines give each test's name, status, reason and output",
          "[xtask][grade]") {
  auto tests = xtask::parse_ctest_results(kOutput, 20);
  REQUIRE(tests.size() == 6);
  CHECK(tests[0].name == "memtable get returns what put wrote");
  CHECK(tests[0].status == TestStatus::passed);
  CHECK(tests[0].details.empty());
  CHECK(tests[1].name == "scan, with bounds [a, b)");
  CHECK(tests[1].status == TestStatus::failed);
  CHECK(tests[1].reason == "failed");
  CHECK(tests[1].details ==
        "Filters: scan\\, with bounds [a\\, b)\n/s/tests/week1/day2_scan.cpp:10: FAILED:\n"
        "  REQUIRE( keys == expected )");
  CHECK(tests[1].seconds == Approx(0.02));
  CHECK(tests[1].number == 2);
  CHECK(tests[5].number == 6);
  CHECK(tests[2].status == TestStatus::timed_out);
  CHECK(tests[2].reason == "timed out after 20 s");
  CHECK(tests[2].details.empty());
  CHECK(tests[3].status == TestStatus::crashed);
  CHECK(tests[3].reason == "crashed (SIGSEGV)");
  CHECK(tests[3].details == "FAILED: due to a fatal error condition: SIGSEGV");
  CHECK(tests[4].reason == "crashed (SIGABRT)");
  CHECK(tests[5].status == TestStatus::timed_out);  // CTest's kill at the limit, seen as SIGKILL
}

TEST_CASE("a SIGKILL well before the time limit is a crash", "[xtask][grade]") {
  auto tests = xtask::parse_ctest_results(
      " 1/1 Test  #1: t ....Subprocess killed***Exception:   1.00 sec\n", 20);
  REQUIRE(tests.size() == 1);
  CHECK(tests[0].reason == "crashed (SIGKILL)");
}

TEST_CASE("chapter ranges pick the chapters between both ends", "[xtask][grade]") {
  const std::vector<xtask::Chapter> all = {{1, 1}, {1, 2}, {1, 3}, {2, 1}};
  CHECK(xtask::parse_chapter_range("", all) == all);
  CHECK(xtask::parse_chapter_range("w1d2-w2d1", all) ==
        std::vector<xtask::Chapter>{{1, 2}, {1, 3}, {2, 1}});
  CHECK(xtask::parse_chapter_range("w1d3", all) == std::vector<xtask::Chapter>{{1, 3}});
  for (const char* bad : {"w1d3-w1d1", "w1d9", "w1d1-w9d9", "1-3", "w1d1-", "w1d1,w1d2"}) {
    CHECK_THROWS_AS(xtask::parse_chapter_range(bad, all), xtask::UsageError);
  }
}

TEST_CASE("a test file's program is named as cmake/suite names it", "[xtask][grade]") {
  CHECK(xtask::per_file_test_target("week1/day1_memtable.cpp") == "week1_day1_memtable_tests");
  CHECK(xtask::per_file_test_target("extra/my-tests/a.b.cpp") == "extra_my_tests_a_b_tests");
}
