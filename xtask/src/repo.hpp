// The course repository: where things live, which chapters exist, which tree a command works on.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lesson.hpp"

namespace xtask {

namespace fs = std::filesystem;

/// The chapter of an official test file, from its path relative to tests/:
/// "week1/day1_memtable.cpp" -> w1d1. Anything else (harness/..., provided/...) -> nullopt.
std::optional<Chapter> chapter_of_test_file(const fs::path& relative);

/// The chapters that have at least one test file `weekW/dayD_<topic>.cpp` below `tests_dir`,
/// sorted. This is the definition of "the chapters that exist".
std::vector<Chapter> discover_chapters(const fs::path& tests_dir);

/// The test files of one chapter, relative to `tests_dir`, sorted.
std::vector<fs::path> chapter_test_files(const fs::path& tests_dir, Chapter chapter);

/// True when `tests_dir/provided/` holds at least one test file.
bool has_provided_tests(const fs::path& tests_dir);

/// A short list for messages: consecutive days collapse, "w1d1..w1d7, w2d1, w2d3".
std::string describe_chapters(const std::vector<Chapter>& chapters);

/// --week/--day of a command, when given.
struct ChapterFilter {
  std::optional<int> week = std::nullopt;
  std::optional<int> day = std::nullopt;
  bool empty() const { return !week && !day; }
};

/// A row of the chapter table in the repository's README.md: `| w2d1 | Title | What | coming |`.
struct ListedChapter {
  Chapter chapter;
  std::string title;   ///< without Markdown link syntax
  std::string status;  ///< "available", "coming", ...
};

/// The rows of README.md's chapter table (rows whose first cell is a chapter id), in order.
std::vector<ListedChapter> parse_chapter_table(std::string_view readme);

/// The chapters of `all` that match `filter` (all of them for an empty filter). Throws UsageError
/// when nothing matches: it names the missing chapter or week, says "coming" when `listed` (the
/// README's table) has it without tests yet, and lists the chapters that exist.
std::vector<Chapter> select_chapters(const std::vector<Chapter>& all, ChapterFilter filter,
                                     const std::vector<ListedChapter>& listed = {});

/// "none" or an existing chapter id, as taken by `checkpoint --through`. nullopt = none.
/// Throws UsageError listing the valid values otherwise.
std::optional<Chapter> parse_through(std::string_view text, const std::vector<Chapter>& all);

/// "none" for nullopt, else the chapter id.
std::string checkpoint_name(std::optional<Chapter> through);

class Repo {
 public:
  explicit Repo(const fs::path& root);

  const fs::path& root() const { return root_; }
  fs::path reference() const { return root_ / "reference"; }
  fs::path starter() const { return root_ / "starter"; }
  fs::path tests() const { return root_ / "tests"; }
  fs::path build_dir(std::string_view name) const { return root_ / "build" / name; }

  /// The chapters that exist (from the official tests/).
  std::vector<Chapter> chapters() const { return discover_chapters(tests()); }

  /// The chapter table of README.md (empty when there is none).
  std::vector<ListedChapter> listed_chapters() const;

  /// `reference`, `starter`, or a directory (relative to the working directory) holding an engine
  /// tree. Throws UsageError when it is not a tree.
  fs::path resolve_tree(std::string_view spec) const;

  /// A path for messages: relative to the repository root when inside it ("starter/"), else as is.
  std::string display(const fs::path& path) const;

  /// The ./x arguments that select `tree` again, for hints: "" for starter/, else " --tree X".
  std::string tree_flag(const fs::path& tree) const;

 private:
  fs::path root_;
};

}  // namespace xtask
