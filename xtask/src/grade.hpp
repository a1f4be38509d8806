// ./x grade: grading students' engine trees with the official tests, for instructors.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lesson.hpp"
#include "repo.hpp"

namespace xtask {

namespace fs = std::filesystem;

struct GradeOptions {
  std::vector<std::string> trees = {};
  std::string chapters = {};        ///< "w1d1-w2d7", "w1d3" or empty (every chapter)
  std::string out = {};             ///< empty: build/grade
  std::string extra_tests = {};     ///< a directory of the instructor's own test files, or empty
  std::string format = "markdown";  ///< or "gradescope" (also results.json)
  int timeout_seconds = 20;
};

/// The chapters of `all` that `spec` names: "w1d1-w1d4" (both ends included), "w1d3", or every
/// chapter when empty. Throws UsageError for anything else, or for a range that names a chapter
/// that does not exist.
std::vector<Chapter> parse_chapter_range(std::string_view spec, const std::vector<Chapter>& all);

/// The CMake target of a test file in the one-executable-per-file suite
/// (cmake/suite/CMakeLists.txt): "week1/day1_memtable.cpp" -> "week1_day1_memtable_tests".
std::string per_file_test_target(const fs::path& relative);

/// The names of the test cases of a test file that Catch2 runs by default (not the hidden ones,
/// tagged [.something]).
std::vector<std::string> default_test_cases(const fs::path& file);

/// Grades each tree (see ./x grade --help); the exit code is 0 when grading finished.
int grade(const Repo& repo, const GradeOptions& options);

/// Grades four trees made from checkpoint w1d3 (as is, with a compile error in a w1d2 function,
/// with a w1d1 function that hangs, with one that crashes) and checks the exact tables. Exit
/// code 0 when every table is as expected.
int grade_self_test(const Repo& repo);

}  // namespace xtask
