// Tests of book_snippets.hpp: the lines between a test's markers, refreshing a page's fenced
// copy, and the \snippet line the book stages instead.
#include "../src/book_snippets.hpp"

#include "../../tests/harness/catch.hpp"
#include "../src/book.hpp"
#include "../src/fsutil.hpp"

using xtask::SnippetRef;

namespace {

const std::string kTest =
    "TEST_CASE(\"x\") {\n"
    "  //! [torn]\n"
    "  auto a = 1;\n"
    "  CHECK(a == 1);\n"
    "  //! [torn]\n"
    "}\n";

const std::string kPage =
    "# Page\n"
    "text\n"
    "<!-- snippet: tests/week2/x.cpp torn -->\n"
    "```cpp\n"
    "  stale line\n"
    "```\n"
    "after\n";

}  // namespace

TEST_CASE("a snippet is the lines between its two markers", "[xtask]") {
  CHECK(xtask::snippet_of(kTest, "torn") == "  auto a = 1;\n  CHECK(a == 1);\n");
  CHECK_THROWS(xtask::snippet_of(kTest, "other"));
  CHECK_THROWS(xtask::snippet_of("  //! [one]\nx\n", "one"));  // never closed
}

TEST_CASE("./x sync refreshes a page's fenced copy from the test", "[xtask]") {
  std::vector<std::string> asked;
  auto refreshed = xtask::refresh_snippets(kPage, [&](const SnippetRef& ref) {
    asked.push_back(ref.file + " " + ref.name);
    return xtask::snippet_of(kTest, ref.name);
  });
  CHECK(refreshed ==
        "# Page\ntext\n<!-- snippet: tests/week2/x.cpp torn -->\n```cpp\n  auto a = 1;\n"
        "  CHECK(a == 1);\n```\nafter\n");
  CHECK(asked == std::vector<std::string>{"tests/week2/x.cpp torn"});
  // Refreshing again changes nothing: that is what ./x sync --check compares.
  CHECK(xtask::refresh_snippets(refreshed, [](const SnippetRef&) {
          return xtask::snippet_of(kTest, "torn");
        }) == refreshed);
  CHECK(xtask::refresh_snippets("no snippets\n", [](const SnippetRef&) { return "x"; }) ==
        "no snippets\n");
}

TEST_CASE("malformed snippet lines and missing copies are errors", "[xtask]") {
  auto lookup = [](const SnippetRef&) { return std::string(); };
  CHECK_THROWS(xtask::refresh_snippets("<!-- snippet: only-a-file -->\n```\n```\n", lookup));
  CHECK_THROWS(xtask::refresh_snippets("<!-- snippet: a.cpp x -->\ntext\n", lookup));
  CHECK_THROWS(
      xtask::refresh_snippets("<!-- snippet: a.cpp x -->\n```cpp\nnever closed\n", lookup));
}

TEST_CASE("the book stages a snippet as Doxygen's \\snippet of the test", "[xtask]") {
  CHECK(xtask::snippets_to_doxygen(kPage) ==
        "# Page\ntext\n\\snippet tests/week2/x.cpp torn\nafter\n");
}

TEST_CASE("a staged chapter page quotes its tests through \\snippet", "[xtask]") {
  xtask::TempDir dir("xtask-test");
  xtask::write_if_changed(dir.path() / "week2" / "day6-wal" / "README.md", kPage);
  xtask::stage_book_pages(dir.path(), dir.path() / "pages");
  CHECK(xtask::read_file(dir.path() / "pages" / "week2" / "day6-wal" / "README.md") ==
        "# Page {#w2d6}\ntext\n\\snippet tests/week2/x.cpp torn\nafter\n");
}
