// Tests of status.hpp: the rules of ./x status (a chapter's state, out-of-date results, the next
// step) and the screen they make.
#include "../src/status.hpp"

#include <chrono>

#include "../../tests/harness/catch.hpp"

using xtask::Chapter;
using xtask::ChapterRow;
using xtask::ChapterState;
using xtask::FormatResult;
using xtask::next_step;
using xtask::ScheckRecord;
using xtask::TestCounts;
using xtask::TodoMap;

namespace {

using FileTime = std::filesystem::file_time_type;

const Chapter kW1d1{1, 1};
const Chapter kW1d2{1, 2};
const Chapter kW1d3{1, 3};

FileTime at_second(int second) {
  return FileTime(std::chrono::duration_cast<FileTime::duration>(std::chrono::seconds(second)));
}

/// A record of a successful build in which w1d1 passed 12 of 12 and w1d2 passed 7 of 10.
ScheckRecord built_record() {
  ScheckRecord record{
      .tree = "/t", .started = at_second(1000), .build_ok = true, .copied = {kW1d1, kW1d2}};
  record.labels.push_back({.label = "w1d1", .counts = TestCounts{12, 0}});
  record.labels.push_back(
      {.label = "w1d2", .counts = TestCounts{7, 3}, .failing = {"t1", "t2", "t3"}});
  return record;
}

ChapterRow row(Chapter chapter, ChapterState state, int todos = 0, std::string title = "") {
  ChapterRow result{.chapter = chapter, .title = std::move(title), .state = state};
  if (todos > 0) {
    result.todos.push_back({"src/memtable.cpp", todos});
  }
  if (state == ChapterState::passing) {
    result.total = 12;
  }
  return result;
}

}  // namespace

TEST_CASE("a chapter whose tests are not in the tree is not copied, whatever was recorded",
          "[xtask]") {
  auto record = built_record();
  auto result = xtask::chapter_row(kW1d1, "The memtable", false, &record, {});
  CHECK(result.state == ChapterState::not_copied);
  CHECK(result.title == "The memtable");
  CHECK(xtask::describe_state(result) == "tests not copied");
}

TEST_CASE("a copied chapter's state comes from the recorded results", "[xtask]") {
  auto record = built_record();
  TodoMap todos{{kW1d2, {{"src/merge_iterator.cpp", 4}, {"src/lsm_iterator.cpp", 2}}}};

  auto passing = xtask::chapter_row(kW1d1, "", true, &record, todos);
  CHECK(passing.state == ChapterState::passing);
  CHECK(passing.total == 12);
  CHECK(passing.todo_count() == 0);
  CHECK(xtask::describe_state(passing) == "passing (12 tests)");

  auto failing = xtask::chapter_row(kW1d2, "", true, &record, todos);
  CHECK(failing.state == ChapterState::failing);
  CHECK(failing.failed == 3);
  CHECK(failing.total == 10);
  CHECK(failing.failing_tests == std::vector<std::string>{"t1", "t2", "t3"});
  CHECK(failing.todo_count() == 6);
  CHECK(failing.todos.size() == 2);
  CHECK(xtask::describe_state(failing) == "copied, failing 3 of 10");
}

TEST_CASE("a copied chapter without results of its own is not run, failed to build or unknown",
          "[xtask]") {
  auto record = built_record();
  // Copied after the last scheck (w1d3 is not among the chapters it ran), or no scheck at all.
  auto copied_since = xtask::chapter_row(kW1d3, "", true, &record, {});
  CHECK(copied_since.state == ChapterState::not_run);
  CHECK(xtask::describe_state(copied_since) == "copied, not run yet");
  CHECK(xtask::chapter_row(kW1d1, "", true, nullptr, {}).state == ChapterState::not_run);

  auto broken = record;
  broken.build_ok = false;
  broken.labels.clear();
  auto build_failed = xtask::chapter_row(kW1d1, "", true, &broken, {});
  CHECK(build_failed.state == ChapterState::build_failed);
  CHECK(xtask::describe_state(build_failed) == "copied, build failed");

  auto no_counts = record;
  no_counts.labels[0].counts.reset();
  CHECK(xtask::chapter_row(kW1d1, "", true, &no_counts, {}).state == ChapterState::no_results);
  auto missing_label = record;
  missing_label.labels.erase(missing_label.labels.begin());
  auto unknown = xtask::chapter_row(kW1d1, "", true, &missing_label, {});
  CHECK(unknown.state == ChapterState::no_results);
  CHECK(xtask::describe_state(unknown) == "copied, no results");
  auto zero_tests = record;
  zero_tests.labels[0].counts = TestCounts{0, 0};
  CHECK(xtask::chapter_row(kW1d1, "", true, &zero_tests, {}).state == ChapterState::no_results);
}

TEST_CASE("one passing test is not 'tests'", "[xtask]") {
  auto one = row(kW1d1, ChapterState::passing);
  one.total = 1;
  CHECK(xtask::describe_state(one) == "passing (1 test)");
}

TEST_CASE("results are fresh until a file changes or tests are copied after they started",
          "[xtask]") {
  auto record = built_record();
  std::vector<Chapter> copied = {kW1d1, kW1d2};
  CHECK_FALSE(xtask::stale_reason(record, copied, std::nullopt));
  CHECK_FALSE(
      xtask::stale_reason(record, copied, xtask::ChangedFile{"src/wal.cpp", at_second(999)}));
  // An edit in the same instant as the start is not later than it.
  CHECK_FALSE(
      xtask::stale_reason(record, copied, xtask::ChangedFile{"src/wal.cpp", at_second(1000)}));

  CHECK(xtask::stale_reason(record, copied, xtask::ChangedFile{"src/wal.cpp", at_second(1001)}) ==
        "older than your last edit of src/wal.cpp");
  CHECK(xtask::stale_reason(record, copied,
                            xtask::ChangedFile{"tests/week1/day1_memtable.cpp", at_second(1001)}) ==
        "older than the copy of tests/week1/day1_memtable.cpp");
  // Chapters copied since come first: they say more than the file that changed last.
  CHECK(xtask::stale_reason(record, {kW1d1, kW1d2, kW1d3},
                            xtask::ChangedFile{"src/wal.cpp", at_second(1001)}) ==
        "older than the copy of the tests of w1d3");
  // A chapter whose tests were removed since does not make the results older.
  CHECK_FALSE(xtask::stale_reason(record, {kW1d1}, std::nullopt));
}

TEST_CASE("the age of results is said in the unit a person would use", "[xtask]") {
  using namespace std::chrono_literals;
  CHECK(xtask::describe_age(-5s) == "just now");
  CHECK(xtask::describe_age(500ms) == "just now");
  CHECK(xtask::describe_age(1s) == "1 second ago");
  CHECK(xtask::describe_age(119s) == "119 seconds ago");
  CHECK(xtask::describe_age(120s) == "2 minutes ago");
  CHECK(xtask::describe_age(119min) == "119 minutes ago");
  CHECK(xtask::describe_age(2h) == "2 hours ago");
  CHECK(xtask::describe_age(47h) == "47 hours ago");
  CHECK(xtask::describe_age(72h) == "3 days ago");
}

TEST_CASE("next step: nothing copied means copying the first chapter's tests", "[xtask]") {
  std::vector<ChapterRow> rows = {row(kW1d1, ChapterState::not_copied, 16),
                                  row(kW1d2, ChapterState::not_copied, 17)};
  CHECK(next_step(rows, nullptr, "") ==
        "copy the tests of the first chapter: ./x copy-test --week 1 --day 1");
  CHECK(next_step(rows, nullptr, " --tree /tmp/t") ==
        "copy the tests of the first chapter: ./x copy-test --week 1 --day 1 --tree /tmp/t");
  CHECK(next_step({}, nullptr, "") == "nothing to do: the course has no chapters yet");
}

TEST_CASE("next step: the first copied chapter that does not pass says what to fix", "[xtask]") {
  auto with = [](ChapterState state, int todos) {
    return std::vector<ChapterRow>{row(kW1d1, ChapterState::passing), row(kW1d2, state, todos),
                                   row(kW1d3, ChapterState::failing, 9)};
  };
  CHECK(next_step(with(ChapterState::not_run, 3), nullptr, "") ==
        "run the tests you copied: ./x scheck");
  CHECK(next_step(with(ChapterState::build_failed, 3), nullptr, " --tree t") ==
        "make your tree compile: ./x scheck --tree t shows the compiler errors; fix the first "
        "one");
  CHECK(next_step(with(ChapterState::no_results, 3), nullptr, "") ==
        "./x scheck found no results for the tests of w1d2: run it and read what CTest says");
  CHECK(next_step(with(ChapterState::failing, 3), nullptr, "") ==
        "implement the 3 TODO(w1d2) in src/memtable.cpp, then ./x scheck");
  CHECK(next_step(with(ChapterState::failing, 0), nullptr, "") ==
        "every TODO(w1d2) is gone, but tests of w1d2 fail: ./x scheck shows what they expected; "
        "fix that, then ./x scheck");

  auto several_files = with(ChapterState::failing, 0);
  several_files[1].todos = {{"src/a.cpp", 2}, {"src/b.cpp", 1}, {"src/c.cpp", 4}};
  CHECK(next_step(several_files, nullptr, "") ==
        "implement the 7 TODO(w1d2) in src/a.cpp (2), src/b.cpp (1) and src/c.cpp (4), then "
        "./x scheck");
}

TEST_CASE("next step: when every copied chapter passes, the next chapter's tests", "[xtask]") {
  std::vector<ChapterRow> rows = {row(kW1d1, ChapterState::passing),
                                  row(kW1d2, ChapterState::not_copied, 17, "Merge iterators"),
                                  row(kW1d3, ChapterState::not_copied, 14, "Blocks")};
  CHECK(next_step(rows, nullptr, "") ==
        "copy the tests of w1d2 (Merge iterators): ./x copy-test --week 1 --day 2");

  // A tree caught up with ./x checkpoint may start later: the course goes on after the last
  // copied chapter, not back to the skipped ones.
  rows = {row(kW1d1, ChapterState::not_copied), row(kW1d2, ChapterState::passing),
          row(kW1d3, ChapterState::not_copied, 14, "Blocks")};
  CHECK(next_step(rows, nullptr, " --tree t") ==
        "copy the tests of w1d3 (Blocks): ./x copy-test --week 1 --day 3 --tree t");
  // Only chapters before it are left: the first of them.
  rows = {row(kW1d1, ChapterState::not_copied, 0, "The memtable"),
          row(kW1d2, ChapterState::passing), row(kW1d3, ChapterState::passing)};
  CHECK(next_step(rows, nullptr, "") ==
        "copy the tests of w1d1 (The memtable): ./x copy-test --week 1 --day 1");
  // Without a title from the README.
  rows = {row(kW1d1, ChapterState::passing), row(kW1d2, ChapterState::not_copied)};
  CHECK(next_step(rows, nullptr, "") == "copy the tests of w1d2: ./x copy-test --week 1 --day 2");
}

TEST_CASE("next step: formatting and the provided tests come before the next chapter", "[xtask]") {
  std::vector<ChapterRow> rows = {row(kW1d1, ChapterState::passing),
                                  row(kW1d2, ChapterState::not_copied)};
  auto record = built_record();
  record.format = FormatResult::unformatted;
  record.format_fix = "clang-format -i starter/src/memtable.cpp";
  CHECK(next_step(rows, &record, "") ==
        "format your code (clang-format -i starter/src/memtable.cpp), then ./x scheck");
  record.format_fix.clear();
  CHECK(next_step(rows, &record, "") ==
        "format your code (clang-format -i <the files it names>), then ./x scheck");

  record.format = FormatResult::clean;
  record.labels.push_back({.label = "provided", .counts = TestCounts{3, 1}});
  CHECK(next_step(rows, &record, "") ==
        "the provided tests fail: ./x scheck shows which; they test code the course gives you, "
        "so undo your changes there");
  record.labels.back().counts = TestCounts{4, 0};
  CHECK(next_step(rows, &record, "") == "copy the tests of w1d2: ./x copy-test --week 1 --day 2");
}

TEST_CASE("next step: every chapter passing is the end of the course", "[xtask]") {
  std::vector<ChapterRow> rows = {row(kW1d1, ChapterState::passing),
                                  row(kW1d2, ChapterState::passing)};
  CHECK(next_step(rows, nullptr, "") ==
        "nothing: every chapter passes. Congratulations! ./x test --tree starter runs the "
        "official tests, the check that counts");
  CHECK(next_step(rows, nullptr, " --tree /tmp/t").find("./x test --tree /tmp/t runs") !=
        std::string::npos);
}

TEST_CASE("the status screen shows every chapter, the results' age and the next step", "[xtask]") {
  auto record = built_record();
  record.labels.push_back({.label = "provided", .counts = TestCounts{4, 0}});
  xtask::StatusInput input{
      .tree = "/t",
      .tree_display = "/t",
      .tree_flag = " --tree /t",
      .chapters = {{kW1d1, "The memtable"}, {kW1d2, "Merge iterators"}, {kW1d3, "Blocks"}},
      .copied = {kW1d1, kW1d2},
      .todos = {{kW1d2, {{"src/merge_iterator.cpp", 5}}}, {kW1d3, {{"src/block.cpp", 14}}}},
      .record = record,
      .newest = xtask::ChangedFile{"src/merge_iterator.cpp", at_second(900)},
      .now = at_second(1000 + 180)};
  CHECK(xtask::render_status(input) ==
        "status of /t: 2 of 3 chapters copied, 1 passing\n"
        "last ./x scheck, started 3 minutes ago: the build succeeded\n"
        "\n"
        "  chapter   tests                    TODOs left  title\n"
        "  w1d1      passing (12 tests)       0           The memtable\n"
        "  w1d2      copied, failing 3 of 10  5           Merge iterators\n"
        "  w1d3      tests not copied         14          Blocks\n"
        "  provided  passing (4 tests)                    the tests of the given code\n"
        "\n"
        "failing in w1d2:\n"
        "  t1\n"
        "  t2\n"
        "  t3\n"
        "next: implement the 5 TODO(w1d2) in src/merge_iterator.cpp, then ./x scheck --tree /t\n");

  // The tree changed after the results: they are shown, with the line that says so.
  input.newest = xtask::ChangedFile{"src/merge_iterator.cpp", at_second(1100)};
  auto text = xtask::render_status(input);
  CHECK(text.find("these results are older than your last edit of src/merge_iterator.cpp: run "
                  "./x status --run --tree /t or ./x scheck --tree /t\n") != std::string::npos);
  CHECK(text.find("copied, failing 3 of 10") != std::string::npos);

  // Past three names, the rest is counted.
  input.record->labels[1].failing.push_back("t4");
  input.record->labels[1].failing.push_back("t5");
  CHECK(xtask::render_status(input).find("failing in w1d2:\n  t1\n  t2\n  t3\n  and 2 more\n") !=
        std::string::npos);
}

TEST_CASE("the status screen without results, or with another tree's, says there are none",
          "[xtask]") {
  xtask::StatusInput input{.tree = "/t",
                           .tree_display = "starter/",
                           .tree_flag = "",
                           .chapters = {{kW1d1, "The memtable"}},
                           .copied = {kW1d1},
                           .todos = {{kW1d1, {{"src/memtable.cpp", 16}}}},
                           .record = std::nullopt,
                           .newest = std::nullopt,
                           .now = at_second(1000 + 3 * 3600)};
  std::string expected =
      "status of starter/: 1 of 1 chapter copied, 0 passing\n"
      "no ./x scheck results for this tree yet\n"
      "\n"
      "  chapter  tests                TODOs left  title\n"
      "  w1d1     copied, not run yet  16          The memtable\n"
      "\n"
      "next: run the tests you copied: ./x scheck\n";
  CHECK(xtask::render_status(input) == expected);

  auto other_tree = built_record();
  other_tree.tree = "/elsewhere/t";
  input.record = other_tree;
  CHECK(xtask::render_status(input) == expected);

  auto broken = built_record();
  broken.build_ok = false;
  broken.format = FormatResult::unformatted;
  broken.labels.clear();
  input.record = broken;
  input.record->tree = "/t";
  auto text = xtask::render_status(input);
  CHECK(text.find("last ./x scheck, started 3 hours ago: the build FAILED, formatting FAILED\n") !=
        std::string::npos);
  CHECK(text.find("w1d1     copied, build failed") != std::string::npos);
}
