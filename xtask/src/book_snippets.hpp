// Code that a chapter page quotes from a test, kept equal to the test. In the test, the quoted
// lines stand between two marker comments, `//! [name]` (Doxygen's \snippet markers). In the page,
// a marker line names them and a fenced copy follows, which GitHub shows:
//   <!-- snippet: tests/week2/day6_wal_cli.cpp torn-tail -->
//   ```cpp
//   ...the lines between the markers...
//   ```
// `./x sync` refreshes the copy, `./x sync --check` fails when it differs, and the book replaces
// the marker and the copy by `\snippet tests/week2/day6_wal_cli.cpp torn-tail`, so Doxygen reads
// the test itself.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace xtask {

/// One quoted piece of a test: the file (relative to the repository root) and the marker name.
struct SnippetRef {
  std::string file;
  std::string name;
};

/// The lines between the two `//! [name]` lines of `source` (each with its newline). Throws
/// std::runtime_error when the markers are not there twice.
std::string snippet_of(std::string_view source, std::string_view name);

/// The page with each snippet's fenced copy replaced by `lookup(ref)`. Throws std::runtime_error
/// when a snippet line is malformed or not followed by a fenced block.
std::string refresh_snippets(std::string_view markdown,
                             const std::function<std::string(const SnippetRef&)>& lookup);

/// The page as the book stages it: each snippet line and its fenced copy become one
/// `\snippet FILE NAME` line.
std::string snippets_to_doxygen(std::string_view markdown);

}  // namespace xtask
