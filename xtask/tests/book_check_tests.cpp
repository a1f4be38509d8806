// Tests of book_check.hpp: the checker page, reading its report back, and what counts as a
// problem (a broken link or anchor, a missing image, a console message, an empty page).
#include "../src/book_check.hpp"

#include "../../tests/harness/catch.hpp"
#include "../src/fsutil.hpp"

using xtask::BookProblem;
using xtask::file_url;
using xtask::PageReport;

namespace {

/// A --dump-dom output around a report, with Chromium's stderr noise before it.
std::string dumped(const std::string& report) {
  return "[1:2:ERROR:dbus/bus.cc:405] Failed to connect\n<html><head></head><body>"
         "<pre id=\"report\">" +
         report + "</pre><script>const pages = [];</script></body></html>\n";
}

}  // namespace

TEST_CASE("file URLs are percent-encoded and read back", "[xtask]") {
  CHECK(file_url("/tmp/a b/c#1.html") == "file:///tmp/a%20b/c%231.html");
  CHECK(xtask::percent_decode("%2Fa%20b%zz%4") == "/a b%zz%4");
  CHECK(xtask::path_of_file_url("file:///tmp/a%20b/x.html#frag?q") == "/tmp/a b/x.html");
  CHECK(xtask::path_of_file_url("file:///tmp/x.html?q=1#a") == "/tmp/x.html");
  CHECK_FALSE(xtask::path_of_file_url("https://example.org/x.html"));
}

TEST_CASE("the checker page lists the pages as file URLs and loads the script", "[xtask]") {
  auto html = xtask::checker_page({"/b/html/index.html", "/b/html/a b.html"}, "check.js");
  CHECK(html.find("\"file:///b/html/index.html\",") != std::string::npos);
  CHECK(html.find("\"file:///b/html/a%20b.html\",") != std::string::npos);
  CHECK(html.find("<pre id=\"report\"></pre>") != std::string::npos);
  CHECK(html.find("<script src=\"check.js\"></script>") != std::string::npos);
}

TEST_CASE("the checker's report is read back page by page", "[xtask]") {
  bool finished = false;
  auto reports = xtask::parse_check_report(
      dumped("page file%3A%2F%2F%2Fh%2Fa.html\ntext 12\nimage file%3A%2F%2F%2Fh%2Fx.svg\n"
             "link file%3A%2F%2F%2Fh%2Fb.html%23top\nid top\nid a%20b\n"
             "page file%3A%2F%2F%2Fh%2Fb.html\nunreadable\nfinished\n"),
      finished);
  CHECK(finished);
  REQUIRE(reports.size() == 2);
  CHECK(reports[0].page == "file:///h/a.html");
  CHECK(reports[0].text_chars == 12);
  CHECK(reports[0].missing_images == std::vector<std::string>{"file:///h/x.svg"});
  CHECK(reports[0].links == std::vector<std::string>{"file:///h/b.html#top"});
  CHECK(reports[0].ids == std::set<std::string>{"top", "a b"});
  CHECK(reports[0].readable);
  CHECK_FALSE(reports[1].readable);

  xtask::parse_check_report(dumped("page file%3A%2F%2F%2Fh%2Fa.html\ntext 3\n"), finished);
  CHECK_FALSE(finished);  // Chromium stopped before the checker got to the end
  CHECK(xtask::parse_check_report("no report at all", finished).empty());
  CHECK_FALSE(finished);
}

TEST_CASE("every console message of a page is a problem, named by its page", "[xtask]") {
  auto problems = xtask::console_problems(
      "[9:9:1202/045254.3:ERROR:dbus/bus.cc:405] Failed to connect to the bus\n"
      "[9:9:1202/045255.7:INFO:CONSOLE:14] \"Uncaught ReferenceError: f is not defined\", "
      "source: file:///b/html/w2d6.html (14)\n"
      "[9:9:1202/045255.8:INFO:CONSOLE:2] \"boom\", source: file:///usr/share/x.js (2)\n",
      "/b/html");
  CHECK(problems == std::vector<BookProblem>{
                        {"w2d6.html", "console: \"Uncaught ReferenceError: f is not defined\""},
                        {"/usr/share/x.js", "console: \"boom\""}});
}

TEST_CASE("broken links and anchors, missing images and empty pages are problems", "[xtask]") {
  xtask::TempDir dir("xtask-test");
  auto html = dir.path() / "html";
  xtask::write_if_changed(html / "a.html", "<p>a</p>");
  xtask::write_if_changed(html / "b.html", "<p id=top>b</p>");
  xtask::write_if_changed(html / "figure.svg", "<svg/>");

  PageReport a;
  a.page = file_url(html / "a.html");
  a.text_chars = 5;
  a.links = {file_url(html / "b.html") + "#top", file_url(html / "b.html") + "#gone",
             file_url(html / "missing.html"), file_url(html / "figure.svg") + "#any",
             file_url(html / "a.html") + "#"};
  a.missing_images = {file_url(html / "lost.png")};
  PageReport b;
  b.page = file_url(html / "b.html");
  b.ids = {"top"};
  PageReport c;
  c.page = file_url(html / "c.html");
  c.readable = false;

  auto problems = xtask::report_problems({a, b, c}, html);
  CHECK(problems ==
        std::vector<BookProblem>{
            {"a.html", "missing image: " + file_url(html / "lost.png")},
            {"a.html", "broken link: " + file_url(html / "b.html") + "#gone (no such anchor)"},
            {"a.html", "broken link: " + file_url(html / "missing.html") + " (no such file)"},
            {"b.html", "renders empty: no text in the body"},
            {"c.html", "the page did not load"}});

  a.missing_images.clear();
  a.links = {file_url(html / "b.html") + "#top"};
  b.text_chars = 1;
  CHECK(xtask::report_problems({a, b}, html).empty());
}
