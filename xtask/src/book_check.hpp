// ./x book --check: what the checker pages (book/check.js) report about each page of the built
// book, read back and judged. Running Chromium is browser.hpp's business; this file is pure logic.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace xtask {

namespace fs = std::filesystem;

/// What book/check.js found on one page after Chromium rendered it.
struct PageReport {
  std::string page;  ///< the page's file: URL, as the checker page named it
  bool readable = true;
  std::size_t text_chars = 0;
  std::vector<std::string> missing_images;  ///< <img> and <object> URLs that did not load
  std::vector<std::string> links;           ///< local href/src, absolute file: URLs
  std::set<std::string> ids;                ///< the anchors a link may point at
};

/// One thing wrong with the book.
struct BookProblem {
  std::string page;  ///< the page's file name in the book's html/ directory (or a script's)
  std::string what;
  bool operator==(const BookProblem&) const = default;
};

/// The checker page for `pages`: it defines `pages` (their file: URLs) and loads the checker
/// script `script` (a path relative to the checker page).
std::string checker_page(const std::vector<fs::path>& pages, std::string_view script);

/// "file:///tmp/a%20b.html" for /tmp/a b.html (an absolute path): every byte but letters,
/// digits, '/', '-', '_', '.' and '~' percent-encoded.
std::string file_url(const fs::path& path);

/// "%2Fa%20b" -> "/a b". A '%' not followed by two hex digits is kept as it is.
std::string percent_decode(std::string_view text);

/// The file a file: URL names, without its #fragment or ?query ("file:///a/b.html#x" ->
/// "/a/b.html"); nullopt for another scheme.
std::optional<fs::path> path_of_file_url(std::string_view url);

/// The pages of a checker page's --dump-dom output (the lines of its <pre id="report">).
/// `finished` tells whether the checker got to its end (it did not when Chromium stopped early).
std::vector<PageReport> parse_check_report(std::string_view dumped_dom, bool& finished);

/// The console messages in a Chromium log (--enable-logging --log-file), as problems: the page
/// is the file name of the message's source URL, or the URL when it is not under `html_dir`.
/// Chromium's log does not say a message's level, and no page of the book has a reason to print
/// anything, so every message counts.
std::vector<BookProblem> console_problems(std::string_view log, const fs::path& html_dir);

/// The problems of the reports: an unreadable or empty page, an image that did not load, a link
/// to a file that does not exist, or to an #anchor that its (reported) page does not have.
/// Anchors of files that no report describes (an SVG, a script) are not checked.
std::vector<BookProblem> report_problems(const std::vector<PageReport>& reports,
                                         const fs::path& html_dir);

}  // namespace xtask
