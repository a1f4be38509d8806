// Mutants: plausible learner bugs, kept in mutants/*.txt, that `./x mutants` applies one at a time
// to a chapter's checkpoint to measure whether that chapter's tests catch them.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lesson.hpp"

namespace xtask {

/// One plausible bug: in `file` (relative to an engine tree), the lines `find` (exactly once)
/// become the lines `replace`.
struct Mutant {
  Chapter chapter;
  std::string name;         ///< short id, unique in its chapter: "freeze-at-greater"
  std::string description;  ///< one line: what the learner got wrong
  std::filesystem::path file;
  std::string find;     ///< whole lines, each ending in '\n'
  std::string replace;  ///< whole lines, each ending in '\n'; empty deletes `find`
  std::string origin;   ///< "mutants/w1d1.txt:12", for messages
};

/// Parses a mutants file. The format, one block per mutant, blocks separated by blank lines:
///
///     # a comment
///     mutant w1d1 freeze-at-greater: freezes at > instead of >= the target size
///     file src/lsm_storage.cpp
///     -  return memtable.approximate_size() >= options_.target_sst_size;
///     +  return memtable.approximate_size() > options_.target_sst_size;
///
/// `-` lines are found (their text after the `-`, indentation included), `+` lines replace
/// them. Throws std::runtime_error naming `file_name` and the line for anything malformed.
std::vector<Mutant> parse_mutants(std::string_view text, std::string_view file_name);

/// How many times `needle` occurs in `haystack` (overlapping occurrences counted).
std::size_t count_occurrences(std::string_view haystack, std::string_view needle);

/// `content` with the single occurrence of mutant.find replaced by mutant.replace. Throws
/// std::runtime_error naming the mutant when `find` does not occur exactly once.
std::string apply_mutant(const Mutant& mutant, std::string_view content);

/// The longest time, in seconds, that one test took in CTest's output (its "Passed    0.45 sec"
/// lines); 0 when no test passed.
double slowest_passed_test_seconds(std::string_view ctest_output);

/// How the mutants' runs split and time a chapter's tests.
struct MutantTestLimits {
  double quick_seconds = 0.25;  ///< a test this fast on the correct code is a quick one
  int floor_seconds = 3;        ///< no time limit is shorter (a busy machine is slower)
  int ceiling_seconds = 20;     ///< and none is longer
};

/// A chapter's tests as the mutants run them, from their run on the correct code (CTest's
/// output): first the quick ones, and only if they all pass, the slow ones. CTest starts the
/// slowest tests first and, stopping at a failure, still waits for the tests already running: a
/// mutant that a quick test catches would otherwise wait for the slowest test of its chapter.
/// Each pass has its own time limit (mutant_test_timeout of its slowest test), so that a hang in
/// a quick test is found as soon as possible.
struct MutantTestPlan {
  std::vector<int> quick;  ///< CTest numbers ("Test #12")
  int quick_timeout_seconds = 0;
  std::vector<int> slow;
  int slow_timeout_seconds = 0;
};
MutantTestPlan plan_mutant_tests(std::string_view ctest_output, const MutantTestLimits& limits);

/// CTest's `-I` argument that selects exactly these test numbers: "0,0,0,3,5,7".
std::string ctest_numbers_argument(const std::vector<int>& numbers);

/// The time limit for one test of a chapter under a mutant, from the slowest of its tests on the
/// correct code: four times that, never under `floor_seconds` nor over `ceiling_seconds`.
int mutant_test_timeout(double slowest_seconds, int floor_seconds, int ceiling_seconds);

}  // namespace xtask
