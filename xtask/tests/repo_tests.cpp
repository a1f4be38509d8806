// Tests of repo.hpp: which chapters exist, and which ones a --week/--day filter selects.
#include "../src/repo.hpp"

#include "../../tests/harness/catch.hpp"
#include "../src/error.hpp"
#include "../src/fsutil.hpp"

using xtask::Chapter;
using xtask::chapter_of_test_file;
using xtask::describe_chapters;
using xtask::discover_chapters;
using xtask::select_chapters;
using xtask::UsageError;

namespace {

void touch(const std::filesystem::path& path) {
  xtask::write_if_changed(path, "// test\n");
}

const std::vector<Chapter> kChapters = {{1, 1}, {1, 2}, {1, 3}, {2, 1}, {2, 3}};

}  // namespace

TEST_CASE("a test file's chapter comes from weekW/dayD_<topic>.cpp", "[xtask]") {
  CHECK(chapter_of_test_file("week1/day1_memtable.cpp") == Chapter{1, 1});
  CHECK(chapter_of_test_file("week2/day6_wal_recovery.cpp") == Chapter{2, 6});
  CHECK_FALSE(chapter_of_test_file("harness/catch.hpp"));
  CHECK_FALSE(chapter_of_test_file("provided/skiplist.cpp"));
  CHECK_FALSE(chapter_of_test_file("week1/day1.cpp"));
  CHECK_FALSE(chapter_of_test_file("week1/day1_.cpp"));
  CHECK_FALSE(chapter_of_test_file("week1/day1_memtable.hpp"));
  CHECK_FALSE(chapter_of_test_file("week0/day1_x.cpp"));
  CHECK_FALSE(chapter_of_test_file("week10/day1_x.cpp"));
  CHECK_FALSE(chapter_of_test_file("week1/sub/day1_x.cpp"));
}

TEST_CASE("chapters are discovered from the test files of a tests dir", "[xtask]") {
  xtask::TempDir dir("xtask-test");
  auto tests = dir.path() / "tests";
  touch(tests / "harness" / "catch.hpp");
  touch(tests / "provided" / "skiplist.cpp");
  touch(tests / "week2" / "day1_compaction.cpp");
  touch(tests / "week1" / "day2_iterators.cpp");
  touch(tests / "week1" / "day1_memtable.cpp");
  touch(tests / "week1" / "day1_engine.cpp");
  touch(tests / "week1" / "README.md");

  CHECK(discover_chapters(tests) == std::vector<Chapter>{{1, 1}, {1, 2}, {2, 1}});
  CHECK(xtask::chapter_test_files(tests, {1, 1}) ==
        std::vector<std::filesystem::path>{"week1/day1_engine.cpp", "week1/day1_memtable.cpp"});
  CHECK(xtask::has_provided_tests(tests));
  CHECK(discover_chapters(dir.path() / "missing").empty());
  CHECK_FALSE(xtask::has_provided_tests(dir.path() / "missing"));
}

TEST_CASE("chapter lists collapse consecutive days", "[xtask]") {
  CHECK(describe_chapters(kChapters) == "w1d1..w1d3, w2d1, w2d3");
  CHECK(describe_chapters({{1, 1}}) == "w1d1");
  CHECK(describe_chapters({}) == "(none)");
}

TEST_CASE("a filter selects a chapter, a week or everything", "[xtask]") {
  CHECK(select_chapters(kChapters, {}) == kChapters);
  CHECK(select_chapters(kChapters, {.week = 2}) == std::vector<Chapter>{{2, 1}, {2, 3}});
  CHECK(select_chapters(kChapters, {.week = 1, .day = 2}) == std::vector<Chapter>{{1, 2}});
}

TEST_CASE("a filter that matches no chapter names it and lists what exists", "[xtask]") {
  CHECK_THROWS_WITH(select_chapters(kChapters, {.week = 2, .day = 2}),
                    "there is no chapter w2d2; chapters that exist: w1d1..w1d3, w2d1, w2d3");
  CHECK_THROWS_WITH(select_chapters(kChapters, {.week = 9}),
                    "there is no week 9; chapters that exist: w1d1..w1d3, w2d1, w2d3");
  CHECK_THROWS_AS(select_chapters(kChapters, {.day = 1}), UsageError);
  CHECK_THROWS_AS(select_chapters({}, {}), UsageError);
}

TEST_CASE("day 0 and week 0 are chapters that do not exist, not a range error", "[xtask]") {
  CHECK_THROWS_WITH(select_chapters(kChapters, {.week = 1, .day = 0}),
                    "there is no chapter w1d0; chapters that exist: w1d1..w1d3, w2d1, w2d3");
  CHECK_THROWS_WITH(select_chapters(kChapters, {.week = 0}),
                    "there is no week 0; chapters that exist: w1d1..w1d3, w2d1, w2d3");
}

TEST_CASE("the README's chapter table gives ids, titles and statuses", "[xtask]") {
  auto rows = xtask::parse_chapter_table(
      "# Course\n\n"
      "| Chapter | Title | What you build | Status |\n"
      "|---|---|---|---|\n"
      "| w1d1 | [The memtable](week1/day1-memtable/README.md) | A table | available |\n"
      "| w2d1 | Full compaction | Merging every SST | coming |\r\n"
      "| Preset | Builds |\n"
      "| `reference` | the reference |\n");
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].chapter == Chapter{1, 1});
  CHECK(rows[0].title == "The memtable");
  CHECK(rows[0].status == "available");
  CHECK(rows[1].chapter == Chapter{2, 1});
  CHECK(rows[1].title == "Full compaction");
  CHECK(rows[1].status == "coming");
}

TEST_CASE("a chapter or week the README lists without tests is coming", "[xtask]") {
  const std::vector<Chapter> written = {{1, 1}, {1, 2}};
  const std::vector<xtask::ListedChapter> listed = {{{1, 1}, "The memtable", "available"},
                                                    {{1, 2}, "Iterators", "available"},
                                                    {{2, 1}, "Full compaction", "coming"},
                                                    {{2, 2}, "Simple leveled", "coming"}};
  CHECK_THROWS_WITH(select_chapters(written, {.week = 2, .day = 1}, listed),
                    "chapter w2d1 (Full compaction) is coming: the README lists it, but it is "
                    "not written yet; chapters that exist: w1d1..w1d2");
  CHECK_THROWS_WITH(select_chapters(written, {.week = 2}, listed),
                    "week 2 is coming: the README lists w2d1..w2d2, but they are not written "
                    "yet; chapters that exist: w1d1..w1d2");
  CHECK_THROWS_WITH(select_chapters(written, {.week = 2, .day = 3}, listed),
                    "there is no chapter w2d3; chapters that exist: w1d1..w1d2");
}

TEST_CASE("--through takes none or an existing chapter", "[xtask]") {
  CHECK(xtask::parse_through("none", kChapters) == std::nullopt);
  CHECK(xtask::parse_through("w2d3", kChapters) == Chapter{2, 3});
  CHECK_THROWS_AS(xtask::parse_through("w2d2", kChapters), UsageError);
  CHECK_THROWS_AS(xtask::parse_through("all", kChapters), UsageError);
  CHECK(xtask::checkpoint_name(std::nullopt) == "none");
  CHECK(xtask::checkpoint_name(Chapter{1, 4}) == "w1d4");
}

TEST_CASE("a tree must have include/ and src/", "[xtask]") {
  xtask::TempDir dir("xtask-test");
  xtask::Repo repo(dir.path());
  CHECK_THROWS_WITH(repo.resolve_tree("starter"),
                    "starter/ has not been generated yet: run ./x sync");
  touch(repo.reference() / "include" / "mini_lsm" / "a.hpp");
  touch(repo.reference() / "src" / "a.cpp");
  CHECK(repo.resolve_tree("reference") == repo.reference());
  CHECK(repo.display(repo.reference()) == "reference/");
  CHECK(repo.tree_flag(repo.reference()) == " --tree reference");
  CHECK(repo.tree_flag(repo.starter()).empty());
}
