// The book builder: stages the Markdown pages for Doxygen and fills in the Doxyfile template.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lesson.hpp"

namespace xtask {

namespace fs = std::filesystem;

/// A chapter page: weekW/dayD-<slug>/README.md (with its figures beside it).
struct ChapterPage {
  Chapter chapter;
  fs::path dir;  ///< relative to the repository root, e.g. week1/day1-memtable
};

/// The chapter pages of the repository, sorted by chapter.
std::vector<ChapterPage> discover_chapter_pages(const fs::path& root);

/// Gives a page a Doxygen label: its first `# ` heading (outside code fences) becomes
/// `# <heading> {#<label>}`, replacing a label it already had. Throws std::runtime_error when
/// the page has no such heading.
std::string add_page_label(std::string_view markdown, std::string_view label);

/// Replaces each `@NAME@` of `values` in `text`.
std::string fill_placeholders(std::string_view text,
                              const std::vector<std::pair<std::string, std::string>>& values);

/// Fills `pages_dir` (emptied first) with book/*.md (and book/ images) and every chapter page
/// with its figures, keeping the weekW/dayD-<slug>/ folders; a chapter page's quoted test code
/// becomes a \snippet of the test (book_snippets.hpp). Returns the number of pages.
int stage_book_pages(const fs::path& root, const fs::path& pages_dir);

/// Where doxygen-awesome-css is installed (Debian or Homebrew), or nullopt.
std::optional<fs::path> find_theme_dir();

/// The lines of Doxygen's output that are warnings or errors, with staged page paths turned back
/// into the files a maintainer edits (<pages_dir>/week1/... -> <root>/week1/..., <pages_dir>/x.md
/// -> <root>/book/x.md; line numbers are unchanged by staging).
std::vector<std::string> doxygen_problems(std::string_view output, const fs::path& pages_dir,
                                          const fs::path& root);

}  // namespace xtask
