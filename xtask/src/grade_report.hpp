// ./x grade: what grading one tree found, and the files it is written to (report.md,
// junit.xml, a grades.csv row, Gradescope's results.json). Pure formatting, no I/O.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace xtask {

enum class TestStatus { passed, failed, timed_out, crashed, not_compiled, not_run };

/// One test case of the suite, as run (or not) against one tree.
struct TestOutcome {
  std::string name;
  TestStatus status = TestStatus::not_run;
  /// Why it did not pass, in a few words: "timed out after 20 s", "crashed (SIGSEGV)",
  /// "does not compile", "failed".
  std::string reason = {};
  /// What explains it: the test's output, or the first compiler errors.
  std::string details = {};
  double seconds = 0;
  /// CTest's number of the test in its build ("Test #12"); 0 when it is not known.
  int number = 0;
};

/// The tests of one chapter ("w1d3"), or of one file of the instructor's extra tests.
struct TestGroup {
  std::string name;
  std::vector<TestOutcome> tests;
  int passed() const;
  int total() const { return static_cast<int>(tests.size()); }
  /// passed / total, 0 for an empty group.
  double score() const;
};

/// Everything grading one tree found.
struct TreeGrade {
  std::string tree = {};                       ///< its name (the directory's name)
  std::vector<TestGroup> chapters = {};        ///< the official tests, one group per chapter
  std::vector<TestGroup> extra = {};           ///< the instructor's extra tests, one group per file
  std::vector<std::string> notes = {};         ///< what was done to grade it (substitutions, ...)
  std::vector<std::string> build_errors = {};  ///< the first compiler errors that remained
  bool network_isolated = false;
  int timeout_seconds = 0;
  /// The official score: the mean of the chapters' scores (each chapter weighs the same), 0..1.
  double total_score() const;
};

/// "87.5" for 0.875: scores are shown as percentages with one decimal.
std::string percent(double score);

/// The Markdown table: chapter | passed | total | score, then a total row. `first_column` names
/// what a row is ("chapter", or "file" for the extra tests).
std::string markdown_table(const std::vector<TestGroup>& groups, double total_score,
                           std::string_view first_column = "chapter");

/// The whole report.md: the official table, the extra tests' table, then the problems (notes,
/// compile errors, and every test that did not pass, with its reason and output).
std::string markdown_report(const TreeGrade& grade);

/// `text` safe inside an XML attribute or element: & < > " ' escaped, characters XML forbids
/// (control characters other than tab, newline and carriage return) dropped, invalid UTF-8
/// replaced by U+FFFD.
std::string xml_escape(std::string_view text);

/// junit.xml: a testsuite per chapter (then per extra file), a testcase per test, with a
/// <failure> for a failed test and an <error> for one that timed out, crashed or did not compile.
std::string junit_xml(const TreeGrade& grade);

/// One field of a CSV row (RFC 4180): quoted when it holds a comma, quote, newline or leading or
/// trailing space, with quotes doubled.
std::string csv_field(std::string_view text);

/// grades.csv: a header (tree, each chapter, total, then "extra:<file>" per extra file) and a row
/// per tree with the percentages. Chapters and extra files are those of the first tree.
std::string grades_csv(const std::vector<TreeGrade>& grades);

/// `text` with each invalid UTF-8 byte replaced by U+FFFD (test output is the student's bytes).
std::string valid_utf8(std::string_view text);

/// `text` cut to its first `max_lines` lines, saying how many more there were.
std::string first_lines(std::string_view text, std::size_t max_lines);

}  // namespace xtask
