// Tests of status_record.hpp: the file in which ./x scheck leaves its results for ./x status.
#include "../src/status_record.hpp"

#include "../../tests/harness/catch.hpp"
#include "../src/fsutil.hpp"

using xtask::Chapter;
using xtask::FormatResult;
using xtask::parse_record;
using xtask::ScheckRecord;
using xtask::TestCounts;

namespace {

ScheckRecord sample_record() {
  ScheckRecord record{.tree = "/home/learner/mini-lsm/starter",
                      .started = std::filesystem::file_time_type(
                          std::filesystem::file_time_type::duration(123456789)),
                      .build_ok = true,
                      .format = FormatResult::unformatted,
                      .format_fix = "clang-format -i starter/src/memtable.cpp",
                      .copied = {Chapter{1, 1}, Chapter{1, 2}}};
  record.labels.push_back({.label = "provided", .counts = TestCounts{4, 0}});
  record.labels.push_back({.label = "w1d1", .counts = TestCounts{12, 0}});
  record.labels.push_back({.label = "w1d2",
                           .counts = TestCounts{7, 3},
                           .failing = {"merge iterator: the newest source wins", "scan [a, c]",
                                       "fused iterator throws after an error"}});
  return record;
}

void check_same(const ScheckRecord& got, const ScheckRecord& want) {
  CHECK(got.tree == want.tree);
  CHECK(got.started == want.started);
  CHECK(got.build_ok == want.build_ok);
  CHECK(got.format == want.format);
  CHECK(got.format_fix == want.format_fix);
  CHECK(got.copied == want.copied);
  REQUIRE(got.labels.size() == want.labels.size());
  for (std::size_t i = 0; i < got.labels.size(); ++i) {
    CHECK(got.labels[i].label == want.labels[i].label);
    REQUIRE(got.labels[i].counts.has_value() == want.labels[i].counts.has_value());
    if (got.labels[i].counts) {
      CHECK(got.labels[i].counts->passed == want.labels[i].counts->passed);
      CHECK(got.labels[i].counts->failed == want.labels[i].counts->failed);
    }
    CHECK(got.labels[i].failing == want.labels[i].failing);
  }
}

}  // namespace

TEST_CASE("a scheck record reads back as it was written", "[xtask]") {
  auto record = sample_record();
  auto parsed = parse_record(xtask::serialize_record(record));
  REQUIRE(parsed);
  check_same(*parsed, record);
  CHECK(parsed->find("w1d2") == &parsed->labels[2]);
  CHECK(parsed->find("w1d3") == nullptr);
}

TEST_CASE("a record of a failed build and of a label without counts reads back", "[xtask]") {
  ScheckRecord failed_build{.tree = "/t", .build_ok = false, .copied = {Chapter{2, 7}}};
  auto parsed = parse_record(xtask::serialize_record(failed_build));
  REQUIRE(parsed);
  check_same(*parsed, failed_build);

  ScheckRecord no_counts{.tree = "/t", .build_ok = true, .format = FormatResult::clean};
  no_counts.labels.push_back({.label = "w1d1", .counts = std::nullopt});
  parsed = parse_record(xtask::serialize_record(no_counts));
  REQUIRE(parsed);
  check_same(*parsed, no_counts);
}

TEST_CASE("a test name with a line break stays on its line", "[xtask]") {
  auto record = sample_record();
  record.labels[2].failing = {"two\nlines"};
  auto parsed = parse_record(xtask::serialize_record(record));
  REQUIRE(parsed);
  CHECK(parsed->labels[2].failing == std::vector<std::string>{"two lines"});
}

TEST_CASE("a damaged, cut or foreign record is no record", "[xtask]") {
  std::string good = xtask::serialize_record(sample_record());
  REQUIRE(parse_record(good));

  CHECK_FALSE(parse_record(""));
  CHECK_FALSE(parse_record("not a record at all\n"));
  // Another version of the layout.
  std::string other_version = good;
  other_version.replace(other_version.find("results 1"), 9, "results 2");
  CHECK_FALSE(parse_record(other_version));
  // Cut short anywhere before its end line is complete.
  for (std::size_t length = 0; length + 1 < good.size(); ++length) {
    INFO(length);
    CHECK_FALSE(parse_record(good.substr(0, length)));
  }
  CHECK_FALSE(parse_record(good + "label w1d3 1 1\n"));  // after the end
  // Lines that make no sense.
  for (const char* bad :
       {"label w1d1 13 12\n", "label w1d1 -1 12\n", "label w1d1 x 12\n", "label w9d0 1 1\n",
        "label w1d1\n", "copied week1\n", "build maybe\n", "format pretty\n", "started soon\n",
        "failing w1d5 a test\n", "frobnicate 1\n", "\x01\x02\x03\n"}) {
    INFO(bad);
    std::string damaged = good;
    damaged.insert(damaged.rfind("end\n"), bad);
    CHECK_FALSE(parse_record(damaged));
  }
}

TEST_CASE("a record file that is missing or unreadable is no record", "[xtask]") {
  xtask::TempDir dir("xtask-status");
  auto file = dir.path() / "scheck-results.txt";
  CHECK_FALSE(xtask::read_record(file));
  std::filesystem::create_directory(file);  // a directory where the file should be
  CHECK_FALSE(xtask::read_record(file));
  std::filesystem::remove(file);

  xtask::write_record(file, sample_record());
  auto read = xtask::read_record(file);
  REQUIRE(read);
  check_same(*read, sample_record());
  CHECK_FALSE(std::filesystem::exists(dir.path() / "scheck-results.txt.tmp"));
}

TEST_CASE("the names of failing tests are read from ctest's per-test lines", "[xtask]") {
  auto names = xtask::failed_test_names(
      "      Start  1: memtable get returns what put wrote\n"
      " 1/5 Test  #1: memtable get returns what put wrote ......   Passed    0.01 sec\n"
      " 2/5 Test  #2: memtable freeze ........................***Failed    0.01 sec\n"
      " 3/5 Test  #3: a hang ...............................***Timeout  20.01 sec\n"
      " 4/5 Test  #4: a crash ......***Exception: SegFault  0.02 sec\n"
      "\x1b[0;31m 5/5 Test  #5: scan [a, c] ...***Failed\x1b[0;0m    0.01 sec\n"
      "\n60% tests passed, 4 tests failed out of 5\n");
  CHECK(names == std::vector<std::string>{"memtable freeze", "a hang", "a crash", "scan [a, c]"});
  CHECK(xtask::failed_test_names("100% tests passed, 0 tests failed out of 2\n").empty());
}

TEST_CASE("a label's run is recorded with its counts and failing tests", "[xtask]") {
  xtask::LabelRun run{.label = "w1d1",
                      .counts = TestCounts{1, 1},
                      .output =
                          " 1/2 Test  #1: put ....   Passed    0.01 sec\n"
                          " 2/2 Test  #2: get ....***Failed    0.01 sec\n"};
  auto recorded = xtask::record_label(run);
  CHECK(recorded.label == "w1d1");
  REQUIRE(recorded.counts);
  CHECK(recorded.counts->passed == 1);
  CHECK(recorded.counts->failed == 1);
  CHECK(recorded.failing == std::vector<std::string>{"get"});
}

TEST_CASE("the record lives in scheck's build folder of the tree", "[xtask]") {
  xtask::Repo repo("/course");
  auto dir = xtask::scheck_build_dir(repo, "/tmp/st-w1d1");
  CHECK(dir == "/course/build/scheck-st-w1d1");
  CHECK(xtask::record_file(dir) == "/course/build/scheck-st-w1d1/scheck-results.txt");
  CHECK(xtask::scheck_build_dir(repo, repo.starter()) == "/course/build/scheck-starter");
}
