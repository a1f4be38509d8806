// Chapter pages list their day's tests in a generated block, so that the page and tests/ cannot
// disagree: `./x sync` rewrites the block from the TEST_CASEs of tests/weekW/dayD_*.cpp, and
// `./x sync --check` fails when a page's block is not what it would write.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "lesson.hpp"

namespace xtask {

namespace fs = std::filesystem;

/// One Catch2 TEST_CASE: its name and its tags as written ("[w1d1][memtable]"), both with the
/// string literals' escapes resolved.
struct TestCase {
  std::string name;
  std::string tags;
};

/// Every `TEST_CASE("name", "tags")` of a C++ source, in order. Comments, string and character
/// literals are skipped while looking for them; adjacent literals are concatenated; escapes such
/// as \" and \\ are resolved. Throws std::runtime_error naming `file_name` and the line when a
/// TEST_CASE's name is not a string literal.
std::vector<TestCase> parse_test_cases(std::string_view source, std::string_view file_name);

/// The opening and closing lines of the generated block in a chapter page.
inline constexpr std::string_view kTestsBegin = "<!-- tests:begin";
inline constexpr std::string_view kTestsEnd = "<!-- tests:end -->";

/// The generated block (markers included, ending with a newline) for the test files `files`
/// (paths relative to `tests_dir`, e.g. week1/day1_memtable.cpp): per file a line naming it and
/// a list item per TEST_CASE with its tags.
std::string render_test_block(const fs::path& tests_dir, const std::vector<fs::path>& files);

/// `page` with the lines from the begin marker to the end marker replaced by `block`. Throws
/// std::runtime_error (naming `page_name`) unless the page has exactly one begin marker followed
/// by exactly one end marker, each on a line of its own.
std::string replace_test_block(std::string_view page, std::string_view page_name,
                               std::string_view block);

/// A chapter page as it should be: its path relative to the repository root and its content.
struct PageUpdate {
  fs::path page;
  std::string content;
  bool changed = false;
};

/// For every chapter page (weekW/dayD-*/README.md) of `root`, the page with its test block
/// regenerated from `tests_dir`. Throws std::runtime_error for a page without a block, or for a
/// chapter that has tests but no page.
std::vector<PageUpdate> updated_chapter_pages(const fs::path& root, const fs::path& tests_dir);

}  // namespace xtask
