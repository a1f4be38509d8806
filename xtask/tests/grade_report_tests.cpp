// Tests of grade_report.hpp and grade_json.hpp: the Markdown table, JUnit XML, CSV and
// Gradescope's results.json, and the escaping each needs.
#include "../src/grade_report.hpp"

#include <string>

#include "../../tests/harness/catch.hpp"
#include "../src/grade_json.hpp"

using xtask::TestGroup;
using xtask::TestOutcome;
using xtask::TestStatus;
using xtask::TreeGrade;

namespace {

TestGroup group(const std::string& name, int passed, int failed) {
  TestGroup result{name, {}};
  for (int i = 0; i < passed + failed; ++i) {
    result.tests.push_back({"test " + std::to_string(i),
                            i < passed ? TestStatus::passed : TestStatus::failed,
                            i < passed ? "" : "failed", i < passed ? "" : "REQUIRE(x == 1)"});
  }
  return result;
}

TreeGrade sample() {
  TreeGrade grade{.tree = "alice", .timeout_seconds = 20};
  grade.chapters = {group("w1d1", 4, 0), group("w1d2", 1, 3)};
  grade.chapters[1].tests[2] = {"hangs <forever> & \"ever\"", TestStatus::timed_out,
                                "timed out after 20 s", ""};
  grade.chapters[1].tests[3] = {"crashes", TestStatus::crashed, "crashed (SIGSEGV)", "boom"};
  return grade;
}

}  // namespace

TEST_CASE("a chapter's score is passed / total; the total is the mean of the chapters",
          "[xtask][grade]") {
  TreeGrade grade = sample();
  CHECK(grade.chapters[0].score() == 1.0);
  CHECK(grade.chapters[1].score() == 0.25);
  CHECK(grade.total_score() == 0.625);  // not 5 / 8 tests by accident: equal weights
  grade.chapters.push_back(group("w1d3", 0, 8));
  CHECK(grade.total_score() == Approx(1.25 / 3));
  CHECK(TestGroup{"empty", {}}.score() == 0.0);
  CHECK(TreeGrade{}.total_score() == 0.0);
}

TEST_CASE("the Markdown table has a row per chapter and a total row", "[xtask][grade]") {
  TreeGrade grade = sample();
  CHECK(xtask::markdown_table(grade.chapters, grade.total_score()) ==
        "| chapter | passed | total | score |\n"
        "|---|---:|---:|---:|\n"
        "| w1d1 | 4 | 4 | 100.0% |\n"
        "| w1d2 | 1 | 4 | 25.0% |\n"
        "| **total** | 5 | 8 | **62.5%** |\n");
}

TEST_CASE("the report lists notes, compile errors and every test that did not pass",
          "[xtask][grade]") {
  TreeGrade grade = sample();
  grade.notes = {"src/a.cpp: `void f()` does not compile; graded with the starter's version"};
  std::string report = xtask::markdown_report(grade);
  CHECK(report.starts_with("# Grade of alice\n"));
  CHECK(report.find("- src/a.cpp: `void f()` does not compile") != std::string::npos);
  CHECK(report.find("- w1d2 `test 1`: failed\n\n  ```\n  REQUIRE(x == 1)\n  ```") !=
        std::string::npos);
  CHECK(report.find("`crashes`: crashed (SIGSEGV)") != std::string::npos);
  CHECK(report.find("timed out after 20 s") != std::string::npos);
  CHECK(report.find("WITH network") != std::string::npos);
  CHECK(report.find("`test 0`") == std::string::npos);  // passed tests are not problems
}

TEST_CASE("a tree where everything passed has no problems section", "[xtask][grade]") {
  TreeGrade grade{.tree = "bob", .network_isolated = true, .timeout_seconds = 5};
  grade.chapters = {group("w1d1", 2, 0)};
  std::string report = xtask::markdown_report(grade);
  CHECK(report.find("## Problems") == std::string::npos);
  CHECK(report.find("without network") != std::string::npos);
}

TEST_CASE("extra tests get their own table and never change the official total", "[xtask][grade]") {
  TreeGrade grade = sample();
  double official = grade.total_score();
  grade.extra = {group("mine.cpp", 0, 2)};
  CHECK(grade.total_score() == official);
  std::string report = xtask::markdown_report(grade);
  CHECK(report.find("## Extra tests (not part of the official score)\n\n| file | passed | "
                    "total | score |\n|---|---:|---:|---:|\n| mine.cpp | 0 | 2 | 0.0% |") !=
        std::string::npos);
}

TEST_CASE("XML escaping covers markup, quotes, forbidden control bytes and bad UTF-8",
          "[xtask][grade]") {
  CHECK(xtask::xml_escape("a<b>&\"c\"'d'") == "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;");
  CHECK(xtask::xml_escape("tab\tnew\nline\x01\x1b[0m") == "tab\tnew\nline[0m");
  CHECK(xtask::xml_escape("caf\xc3\xa9 \xff") == "caf\xc3\xa9 \xef\xbf\xbd");
}

TEST_CASE("JUnit XML has a testsuite per chapter and failure or error elements", "[xtask][grade]") {
  std::string xml = xtask::junit_xml(sample());
  CHECK(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"alice\">"));
  CHECK(xml.find("<testsuite name=\"w1d1\" tests=\"4\" failures=\"0\" errors=\"0\"") !=
        std::string::npos);
  CHECK(xml.find("<testsuite name=\"w1d2\" tests=\"4\" failures=\"2\" errors=\"2\"") ==
        std::string::npos);
  CHECK(xml.find("<testsuite name=\"w1d2\" tests=\"4\" failures=\"1\" errors=\"2\"") !=
        std::string::npos);
  CHECK(xml.find("<testcase classname=\"official.w1d1\" name=\"test 0\" time=\"0.000\"/>") !=
        std::string::npos);
  CHECK(xml.find("<failure message=\"failed\">REQUIRE(x == 1)</failure>") != std::string::npos);
  CHECK(xml.find("name=\"hangs &lt;forever&gt; &amp; &quot;ever&quot;\"") != std::string::npos);
  CHECK(xml.find("<error message=\"crashed (SIGSEGV)\">boom</error>") != std::string::npos);
  CHECK(xml.ends_with("  </testsuite>\n</testsuites>\n"));
}

TEST_CASE("CSV fields are quoted only when they must be", "[xtask][grade]") {
  CHECK(xtask::csv_field("alice") == "alice");
  CHECK(xtask::csv_field("smith, al") == "\"smith, al\"");
  CHECK(xtask::csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(xtask::csv_field("two\nlines") == "\"two\nlines\"");
  CHECK(xtask::csv_field(" padded") == "\" padded\"");
  CHECK(xtask::csv_field("") == "");
}

TEST_CASE("grades.csv has a row per tree with each chapter, the total and the extras",
          "[xtask][grade]") {
  TreeGrade alice = sample();
  alice.extra = {group("mine.cpp", 1, 1)};
  TreeGrade bob = sample();
  bob.tree = "bob, jr";
  bob.chapters[0] = group("w1d1", 0, 4);
  bob.extra = {group("mine.cpp", 2, 0)};
  CHECK(xtask::grades_csv({alice, bob}) ==
        "tree,w1d1,w1d2,total,extra:mine.cpp\n"
        "alice,100.0,25.0,62.5,50.0\n"
        "\"bob, jr\",0.0,25.0,12.5,100.0\n");
  CHECK(xtask::grades_csv({}) == "tree\n");
}

TEST_CASE("long output is cut to its first lines, saying how many more", "[xtask][grade]") {
  CHECK(xtask::first_lines("a\nb\nc\n", 2) == "a\nb\n... (1 more lines)\n");
  CHECK(xtask::first_lines("a\nb", 5) == "a\nb\n");
}

TEST_CASE("JSON strings escape quotes, backslashes and control characters", "[xtask][grade]") {
  CHECK(xtask::json_string("plain") == "\"plain\"");
  CHECK(xtask::json_string("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(xtask::json_string("l1\nl2\tt\r\b\f") == "\"l1\\nl2\\tt\\r\\b\\f\"");
  CHECK(xtask::json_string(std::string("nul\0esc\x1b", 8)) == "\"nul\\u0000esc\\u001b\"");
  CHECK(xtask::json_string("caf\xc3\xa9\xc3") == "\"caf\xc3\xa9\xef\xbf\xbd\"");
}

TEST_CASE("the JSON writer puts commas between members and elements", "[xtask][grade]") {
  xtask::JsonWriter json;
  json.begin_object().key("a").number(1).key("b").begin_array();
  json.number(0.5).string("x").begin_object().end_object().begin_array().end_array();
  json.end_array().key("c").number(1.0 / 3).key("d").number(-0.00001).end_object();
  CHECK(json.text() == "{\"a\":1,\"b\":[0.5,\"x\",{},[]],\"c\":0.3333,\"d\":0}");
}

TEST_CASE("results.json is what Gradescope reads: score, tests with max_score", "[xtask][grade]") {
  TreeGrade grade = sample();
  grade.extra = {group("private/mine.cpp", 1, 0)};
  std::string json = xtask::gradescope_json(grade);
  CHECK(json.starts_with("{\"score\":62.5,\"output\":\"| chapter | passed |"));
  CHECK(json.find("\"output_format\":\"md\",\"visibility\":\"visible\",\"tests\":[") !=
        std::string::npos);
  CHECK(json.find("{\"name\":\"w1d1\",\"score\":50,\"max_score\":50,\"output\":\"4/4 tests "
                  "passed\",\"visibility\":\"visible\"}") != std::string::npos);
  CHECK(json.find("{\"name\":\"w1d2\",\"score\":12.5,\"max_score\":50,\"output\":\"1/4 tests "
                  "passed\\n- test 1: failed\\n- hangs <forever> & \\\"ever\\\": timed out after "
                  "20 s\\n- crashes: crashed (SIGSEGV)\",\"visibility\":\"visible\"}") !=
        std::string::npos);
  CHECK(json.find("{\"name\":\"extra: private/mine.cpp\",\"score\":0,\"max_score\":0,") !=
        std::string::npos);
  CHECK(json.find("\"visibility\":\"after_published\"}]}") != std::string::npos);
}
