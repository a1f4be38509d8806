// ./x status: where a learner stands, from what the tree holds and what the last ./x scheck
// recorded. Everything here is pure (no files, no clock), so that every rule has a unit test;
// cmd_status.cpp gathers the inputs.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "lesson.hpp"
#include "status_record.hpp"
#include "status_tree.hpp"

namespace xtask {

enum class ChapterState {
  not_copied,    ///< its test files are not in the tree's tests/
  not_run,       ///< copied, but the last scheck did not run them (or there is none)
  build_failed,  ///< copied, and the last scheck could not build the tree
  no_results,    ///< copied and run, but CTest reported no counts (a crash of CTest, no tests)
  failing,       ///< copied, some of its tests fail
  passing,       ///< copied, every test passes
};

/// One chapter's line of the status.
struct ChapterRow {
  Chapter chapter;
  std::string title;
  ChapterState state = ChapterState::not_copied;
  int failed = 0;  ///< failing only
  int total = 0;   ///< failing and passing
  std::vector<std::string> failing_tests = {};
  std::vector<TodoFile> todos = {};  ///< the files that still hold its TODO markers

  int todo_count() const;
  bool copied() const { return state != ChapterState::not_copied; }
};

/// The row of `chapter` given whether its tests are in the tree, the last scheck's record
/// (nullptr: none, or not about this tree) and the TODO markers of the tree.
ChapterRow chapter_row(Chapter chapter, std::string title, bool copied, const ScheckRecord* record,
                       const TodoMap& todos);

/// "passing (12 tests)", "copied, failing 3 of 12", "tests not copied", ...
std::string describe_state(const ChapterRow& row);

/// Why `record` no longer tells how the tree stands, or nullopt when it still does: tests of a
/// chapter copied after it ran ("older than the copy of the tests of w1d2"), or a file of
/// include/, src/, bin/ or tests/ changed after it started ("older than your last edit of
/// src/wal.cpp", "older than the copy of tests/week1/day1_memtable.cpp").
std::optional<std::string> stale_reason(const ScheckRecord& record,
                                        const std::vector<Chapter>& copied_now,
                                        const std::optional<ChangedFile>& newest);

/// "12 seconds ago", "5 minutes ago", "3 hours ago", "2 days ago".
std::string describe_age(std::filesystem::file_time_type::duration age);

/// The next thing to do, as one sentence with the command to run. `rows` are in course order;
/// `record` (nullptr: none) adds the formatting and the provided tests; `tree_flag` is what
/// selects the tree again on the command line ("" for starter/, " --tree DIR" otherwise).
std::string next_step(const std::vector<ChapterRow>& rows, const ScheckRecord* record,
                      const std::string& tree_flag);

/// What cmd_status.cpp reads from the disk and the clock.
struct StatusInput {
  std::filesystem::path tree;  ///< absolute
  std::string tree_display;    ///< "starter/", "/tmp/st-w1d1"
  std::string tree_flag;
  std::vector<std::pair<Chapter, std::string>> chapters;  ///< the course's, with their titles
  std::vector<Chapter> copied;                            ///< the chapters in the tree's tests/
  TodoMap todos;
  std::optional<ScheckRecord> record;  ///< the last scheck in the tree's build folder
  std::optional<ChangedFile> newest;
  std::filesystem::file_time_type now;
};

/// The whole status screen.
std::string render_status(const StatusInput& input);

}  // namespace xtask
