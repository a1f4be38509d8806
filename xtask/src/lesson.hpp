// Lesson regions: how one reference source yields the starter and every chapter checkpoint.
//
// A region is opened by a marker line `// @lesson <chapter> <function>: <hint>` (a stub region) or
// `// @lesson <chapter> solution-only` (a drop region), may continue with
// `// @lesson <chapter> replaces: <hint>` (a newer variant), and is closed by `// @lesson end`.
// A hint goes on over the comment lines right after its marker that start with `//` and at least
// three spaces (`//   more of the hint`).
// Rendering a file through chapter T keeps the newest variant whose chapter is <= T and turns a
// region whose first chapter is later than T into a stub (or into nothing, for a drop region).
// CONTRIBUTING.md at the repository root describes the syntax and the rules in full.
#pragma once

#include <compare>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace xtask {

// A chapter of the course: week 1..9, day 1..9, written "w<week>d<day>".
struct Chapter {
  int week = 0;
  int day = 0;

  auto operator<=>(const Chapter&) const = default;

  std::string id() const;     // "w1d1"
  std::string title() const;  // "week 1 day 1"
};

// Later than every chapter: rendering through it yields the full reference.
inline constexpr Chapter kAfterEveryChapter{99, 99};

// "w1d1" -> {1, 1}; anything else (w0d1, w1d0, w10d1, W1D1, w1d1x, ...) -> nullopt.
std::optional<Chapter> parse_chapter(std::string_view id);

// A malformed lesson marker or region. what() is "<file>:<line>: <what is wrong>".
class LessonError : public std::runtime_error {
 public:
  LessonError(std::string file, int line, const std::string& what);

  std::string file;
  int line;  // 1-based
};

// Renders `source` through `through` (nullopt = before every chapter, i.e. the starter).
// Throws LessonError on malformed markers; `file_name` only appears in error messages.
std::string render_lessons(std::string_view source, std::string_view file_name,
                           std::optional<Chapter> through);

// The chapters that own at least one region variant in `source`, sorted and unique.
// Throws LessonError on malformed markers.
std::vector<Chapter> lesson_chapters(std::string_view source, std::string_view file_name);

}  // namespace xtask
