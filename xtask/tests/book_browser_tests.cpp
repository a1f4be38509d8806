// ./x book --check end to end on a tiny book: real headless Chromium, the real book/check.js,
// one page per kind of problem. Skipped (with a message) where Chromium is not installed.
#include <algorithm>

#include "../../tests/harness/catch.hpp"
#include "../src/book_check.hpp"
#include "../src/browser.hpp"
#include "../src/fsutil.hpp"

namespace {

bool has_problem(const std::vector<xtask::BookProblem>& problems, const std::string& page,
                 const std::string& what_starts) {
  return std::any_of(problems.begin(), problems.end(), [&](const xtask::BookProblem& p) {
    return p.page == page && p.what.starts_with(what_starts);
  });
}

}  // namespace

TEST_CASE("headless Chromium finds each kind of problem in a book", "[xtask][chromium]") {
  auto chromium = xtask::find_chromium();
  if (!chromium) {
    WARN("Chromium is not installed: the end-to-end check of ./x book --check is skipped");
    return;
  }
  xtask::TempDir dir("xtask-book");
  auto html = dir.path() / "html";
  auto page = [&](const std::string& name, const std::string& body) {
    xtask::write_if_changed(html / name,
                            "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
                            "<title>t</title></head><body>" +
                                body + "</body></html>\n");
    return html / name;
  };
  xtask::write_if_changed(html / "figure.svg",
                          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\">"
                          "<rect width=\"10\" height=\"10\"/></svg>");
  std::vector<std::filesystem::path> pages = {
      page("good.html",
           "<h1 id=\"top\">fine</h1><a href=\"links.html#here\">x</a><img src=\"figure.svg\">"
           "<object type=\"image/svg+xml\" data=\"figure.svg\"></object>"),
      page("links.html",
           "<p id=\"here\">text</p><a href=\"gone.html\">a</a>"
           "<a href=\"good.html#nowhere\">b</a>"),
      page("image.html",
           "<p>text</p><img src=\"lost.png\">"
           "<object type=\"image/svg+xml\" data=\"lost.svg\"></object>"),
      page("console.html",
           "<p>text</p><script>console.error('boom'); no_such_function();</script>"),
      page("empty.html", "<div>   </div>"),
  };
  xtask::write_if_changed(
      dir.path() / "check" / "check.js",
      xtask::read_file(std::filesystem::path(XTASK_REPO_ROOT) / "book" / "check.js"));
  auto checker = dir.path() / "check" / "part-1.html";
  xtask::write_if_changed(checker, xtask::checker_page(pages, "check.js"));

  auto runs = xtask::dump_doms(*chromium, {xtask::file_url(checker)}, dir.path() / "runs");
  REQUIRE(runs.size() == 1);
  bool finished = false;
  auto reports = xtask::parse_check_report(runs[0].dom, finished);
  INFO(runs[0].output);
  REQUIRE(finished);
  CHECK(reports.size() == pages.size());
  auto problems = xtask::report_problems(reports, html);
  auto console = xtask::console_problems(runs[0].log, html);
  problems.insert(problems.end(), console.begin(), console.end());
  for (const auto& problem : problems) {
    UNSCOPED_INFO(problem.page << ": " << problem.what);
  }

  CHECK_FALSE(has_problem(problems, "good.html", ""));
  CHECK(has_problem(problems, "links.html", "broken link: " + xtask::file_url(html / "gone.html")));
  CHECK(has_problem(
      problems, "links.html",
      "broken link: " + xtask::file_url(html / "good.html") + "#nowhere (no such anchor)"));
  CHECK(
      has_problem(problems, "image.html", "missing image: " + xtask::file_url(html / "lost.png")));
  CHECK(
      has_problem(problems, "image.html", "missing image: " + xtask::file_url(html / "lost.svg")));
  CHECK(has_problem(problems, "console.html", "console: \"boom\""));
  CHECK(has_problem(problems, "console.html", "console: \"Uncaught ReferenceError"));
  CHECK(has_problem(problems, "empty.html", "renders empty"));
  CHECK(problems.size() == 9);  // the image page's broken src links count as well
}
