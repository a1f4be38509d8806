// Tests of book.hpp: labelling chapter pages, the Doxyfile template, staging the pages.
#include "../src/book.hpp"

#include "../../tests/harness/catch.hpp"
#include "../src/fsutil.hpp"

using xtask::add_page_label;
using xtask::fill_placeholders;

TEST_CASE("a chapter page's first heading gets its chapter label", "[xtask]") {
  CHECK(add_page_label("# Day 1: the memtable\n\ntext\n# Later\n", "w1d1") ==
        "# Day 1: the memtable {#w1d1}\n\ntext\n# Later\n");
  CHECK(add_page_label("intro\n\n# Title  \nbody", "w2d6") == "intro\n\n# Title {#w2d6}\nbody");
  CHECK(add_page_label("# Title {#old}\n", "w1d2") == "# Title {#w1d2}\n");
  CHECK(add_page_label("# Title\r\nbody\r\n", "w1d3") == "# Title {#w1d3}\r\nbody\r\n");
}

TEST_CASE("headings in code fences and deeper headings are not the page title", "[xtask]") {
  CHECK(add_page_label("```sh\n# a shell comment\n```\n## Sub\n# Title\n", "w1d1") ==
        "```sh\n# a shell comment\n```\n## Sub\n# Title {#w1d1}\n");
  CHECK_THROWS(add_page_label("## only a subheading\n#nospace\n", "w1d1"));
}

TEST_CASE("Doxyfile placeholders are replaced everywhere", "[xtask]") {
  CHECK(fill_placeholders("INPUT = @BOOK_PAGES@ @REPO_ROOT@/x\nOUT = @BOOK_OUT@ @BOOK_PAGES@\n",
                          {{"BOOK_PAGES", "/p"}, {"REPO_ROOT", "/r"}, {"BOOK_OUT", "/o"}}) ==
        "INPUT = /p /r/x\nOUT = /o /p\n");
  CHECK(fill_placeholders("@A@", {{"A", "@A@@A@"}}) == "@A@@A@");
}

TEST_CASE("book pages are staged with labelled chapter pages and their figures", "[xtask]") {
  xtask::TempDir dir("xtask-test");
  const auto& root = dir.path();
  xtask::write_if_changed(root / "book" / "preface.md", "# Preface\n");
  xtask::write_if_changed(root / "book" / "Doxyfile.in", "x");
  xtask::write_if_changed(root / "week1" / "day2-iterators" / "README.md", "# Iterators\n");
  xtask::write_if_changed(root / "week1" / "day2-iterators" / "merge.svg", "<svg/>");
  xtask::write_if_changed(root / "week1" / "day1-memtable" / "README.md", "# Memtable\n");
  xtask::write_if_changed(root / "week1" / "notes" / "README.md", "# not a chapter\n");

  auto pages = xtask::discover_chapter_pages(root);
  REQUIRE(pages.size() == 2);
  CHECK(pages[0].chapter == xtask::Chapter{1, 1});
  CHECK(pages[1].dir == "week1/day2-iterators");

  auto out = root / "build" / "pages";
  xtask::write_if_changed(out / "stale.md", "old");
  CHECK(xtask::stage_book_pages(root, out) == 3);
  CHECK(xtask::list_files(out) ==
        std::vector<std::filesystem::path>{"preface.md", "week1/day1-memtable/README.md",
                                           "week1/day2-iterators/README.md",
                                           "week1/day2-iterators/merge.svg"});
  CHECK(xtask::read_file(out / "week1/day2-iterators/README.md") == "# Iterators {#w1d2}\n");
}

TEST_CASE("doxygen's warnings and errors are picked out and point at the sources", "[xtask]") {
  auto problems = xtask::doxygen_problems(
      "Searching for files...\n/b/pages/week1/day1-x/README.md:3: warning: unresolved\n"
      "/b/pages/setup.md:7: error: bad\n/r/reference/include/a.hpp:1: warning: w\nerror: e\n",
      "/b/pages", "/r");
  CHECK(problems == std::vector<std::string>{"/r/week1/day1-x/README.md:3: warning: unresolved",
                                             "/r/book/setup.md:7: error: bad",
                                             "/r/reference/include/a.hpp:1: warning: w",
                                             "error: e"});
}
