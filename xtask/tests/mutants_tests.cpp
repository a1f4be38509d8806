// Tests of the mutants file format and of applying a mutant (xtask/src/mutants.hpp).
#include "../src/mutants.hpp"

#include <stdexcept>
#include <string>
#include <vector>

#include "../../tests/harness/catch.hpp"

using xtask::apply_mutant;
using xtask::count_occurrences;
using xtask::ctest_numbers_argument;
using xtask::Mutant;
using xtask::mutant_test_timeout;
using xtask::MutantTestPlan;
using xtask::parse_mutants;
using xtask::plan_mutant_tests;
using xtask::slowest_passed_test_seconds;

namespace {

// The message of the error parse_mutants throws for `text`, or "" when it parses.
std::string parse_error(const std::string& text) {
  try {
    parse_mutants(text, "m.txt");
  } catch (const std::runtime_error& error) {
    return error.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a mutants file parses into chapter, name, description, file and lines", "[mutants]") {
  const auto mutants = parse_mutants(
      "# bugs of day 1\n"
      "\n"
      "mutant w1d1 greater: freezes at > instead of >=\n"
      "file src/a.cpp\n"
      "-  return a >= b;\n"
      "+  return a > b;\n"
      "\n"
      "mutant w1d2 drop-two: deletes two lines\n"
      "file include/b.hpp\n"
      "-x();\n"
      "-y();\n",
      "m.txt");
  REQUIRE(mutants.size() == 2);
  CHECK(mutants[0].chapter.id() == "w1d1");
  CHECK(mutants[0].name == "greater");
  CHECK(mutants[0].description == "freezes at > instead of >=");
  CHECK(mutants[0].file == "src/a.cpp");
  CHECK(mutants[0].find == "  return a >= b;\n");
  CHECK(mutants[0].replace == "  return a > b;\n");
  CHECK(mutants[0].origin == "m.txt:3");
  CHECK(mutants[1].chapter.id() == "w1d2");
  CHECK(mutants[1].find == "x();\ny();\n");
  CHECK(mutants[1].replace.empty());
}

TEST_CASE("malformed mutants are refused with the file and line", "[mutants]") {
  CHECK(parse_error("file src/a.cpp\n") ==
        "m.txt:1: expected `mutant <chapter> <name>: "
        "<description>`");
  CHECK(parse_error("mutant w1d1 x\n") ==
        "m.txt:1: expected `mutant <chapter> <name>: <description>`");
  CHECK(parse_error("mutant w0d1 x: y\n") == "m.txt:1: bad chapter `w0d1`");
  CHECK(parse_error("mutant w1d1 x: \n").find("needs a description") != std::string::npos);
  CHECK(parse_error("mutant w1d1 x: y\n-a\n") ==
        "m.txt:2: a `file` line must come before the "
        "lines to change");
  CHECK(parse_error("mutant w1d1 x: y\nfile f\n+a\n-b\n") ==
        "m.txt:4: every `-` line comes before the `+` lines");
  CHECK(parse_error("mutant w1d1 x: y\nfile f\n").find("no `-` line") != std::string::npos);
  CHECK(parse_error("mutant w1d1 x: y\nfile f\n-a\n+a\n").find("changes nothing") !=
        std::string::npos);
  CHECK(parse_error("mutant w1d1 x: y\nfile f\n-a\n\nmutant w1d1 x: z\nfile f\n-b\n")
            .find("two mutants of w1d1 are named `x`") != std::string::npos);
  CHECK(parse_error("mutant w1d1 x: y\nfile f\nstray\n").find("m.txt:3:") == 0);
}

TEST_CASE("a mutant replaces whole lines that occur exactly once", "[mutants]") {
  Mutant mutant;
  mutant.name = "m";
  mutant.origin = "m.txt:1";
  mutant.file = "src/a.cpp";
  mutant.chapter = {.week = 1, .day = 1};
  mutant.find = "  b();\n";
  mutant.replace = "  c();\n  d();\n";
  CHECK(apply_mutant(mutant, "a();\n  b();\ne();\n") == "a();\n  c();\n  d();\ne();\n");
  CHECK(apply_mutant(mutant, "  b();\n") == "  c();\n  d();\n");
  // "x  b();" ends with the same text but is another line: it does not match.
  CHECK_THROWS_WITH(apply_mutant(mutant, "x  b();\n"),
                    "m.txt:1: the `-` lines of mutant `m` occur 0 times in src/a.cpp at checkpoint "
                    "w1d1 (they must occur exactly once)");
  CHECK_THROWS(apply_mutant(mutant, "  b();\n  b();\n"));
  mutant.replace.clear();
  CHECK(apply_mutant(mutant, "a();\n  b();\n") == "a();\n");
}

TEST_CASE("occurrences are counted, overlapping ones too", "[mutants]") {
  CHECK(count_occurrences("aaa", "aa") == 2);
  CHECK(count_occurrences("abc", "d") == 0);
  CHECK(count_occurrences("\nx\ny\nx\n", "\nx\n") == 2);
}

TEST_CASE("the slowest passed test is read from CTest's result lines", "[mutants]") {
  const std::string output =
      "Test project /b\n"
      "    Start 1: w1d6 a\n"
      "1/3 Test #1: w1d6 a ...........................   Passed    0.45 sec\n"
      "2/3 Test #2: w1d6 b ...........................   Passed    2.07 sec\n"
      "3/3 Test #3: w1d6 c ...........................***Failed    9.50 sec\n"
      "\n67% tests passed, 1 tests failed out of 3\n"
      "Total Test time (real) =  12.02 sec\n";
  CHECK(slowest_passed_test_seconds(output) == 2.07);
  CHECK(slowest_passed_test_seconds("No tests were found!!!\n") == 0);
  // A test named with " Passed " is not a duration.
  CHECK(slowest_passed_test_seconds("1/1 Test #1: x Passed y sec ....   Passed    0.10 sec\n") ==
        0.10);
}

TEST_CASE("a mutant runs the chapter's quick tests first and its slow ones after", "[mutants]") {
  const std::string output =
      "Test project /b\n"
      "    Start 7: w2d5 slow\n"
      "    Start 3: w2d5 a\n"
      "1/4 Test #3: w2d5 a ...........................   Passed    0.02 sec\n"
      "    Start 9: w2d5 b\n"
      "2/4 Test #9: w2d5 b ...........................   Passed    0.25 sec\n"
      "    Start 12: w2d5 c\n"
      "3/4 Test #12: w2d5 c ..........................   Passed    0.26 sec\n"
      "4/4 Test #7: w2d5 slow ........................   Passed    2.47 sec\n"
      "\n100% tests passed, 0 tests failed out of 4\n";
  const MutantTestPlan plan =
      plan_mutant_tests(output, {.quick_seconds = 0.25, .floor_seconds = 3, .ceiling_seconds = 20});
  CHECK(plan.quick == std::vector<int>{3, 9});
  CHECK(plan.quick_timeout_seconds == 3);  // 4 x 0.25 s is under the floor
  CHECK(plan.slow == std::vector<int>{12, 7});
  CHECK(plan.slow_timeout_seconds == 10);  // 4 x 2.47 s, rounded up
  CHECK(ctest_numbers_argument(plan.quick) == "0,0,0,3,9");
  CHECK(ctest_numbers_argument(plan.slow) == "0,0,0,12,7");
  const MutantTestPlan none = plan_mutant_tests("No tests were found!!!\n", {});
  CHECK(none.quick.empty());
  CHECK(none.slow.empty());
}

TEST_CASE("a mutant's time limit is four times the slowest correct test, within bounds",
          "[mutants]") {
  CHECK(mutant_test_timeout(0.3, 5, 20) == 5);
  CHECK(mutant_test_timeout(1.5, 5, 20) == 6);
  CHECK(mutant_test_timeout(2.01, 5, 20) == 9);
  CHECK(mutant_test_timeout(7.0, 5, 20) == 20);
  CHECK(mutant_test_timeout(0, 5, 20) == 5);
}
