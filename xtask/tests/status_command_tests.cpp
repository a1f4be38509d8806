// ./x status end to end on a small repository made in a temp dir: the command reads the tree, the
// README's titles and scheck's record, and prints the screen, without building anything.
#include <chrono>
#include <iostream>
#include <sstream>

#include "../../tests/harness/catch.hpp"
#include "../src/commands.hpp"
#include "../src/fsutil.hpp"
#include "../src/status_record.hpp"

namespace {

namespace fs = std::filesystem;

/// Collects what is printed on std::cout while it lives.
class CapturedOutput {
 public:
  CapturedOutput() : saved_(std::cout.rdbuf(text_.rdbuf())) {}
  ~CapturedOutput() { std::cout.rdbuf(saved_); }
  CapturedOutput(const CapturedOutput&) = delete;
  CapturedOutput& operator=(const CapturedOutput&) = delete;
  std::string text() const { return text_.str(); }

 private:
  std::ostringstream text_;
  std::streambuf* saved_;
};

/// A course of two chapters, and a starter with w1d1's tests copied and one stub of it left.
struct FixtureRepo {
  xtask::TempDir dir{"xtask-status-repo"};
  fs::path root = dir.path();
  fs::path starter = root / "starter";

  FixtureRepo() {
    xtask::write_if_changed(root / "README.md",
                            "| Chapter | Title | What | Status |\n|---|---|---|---|\n"
                            "| w1d1 | [The memtable](week1/day1/README.md) | x | available |\n"
                            "| w1d2 | [Merge iterators](week1/day2/README.md) | y | available |\n");
    xtask::write_if_changed(root / "tests/week1/day1_memtable.cpp", "// official\n");
    xtask::write_if_changed(root / "tests/week1/day2_merge.cpp", "// official\n");
    xtask::write_if_changed(starter / "include/mini_lsm/memtable.hpp", "#pragma once\n");
    xtask::write_if_changed(starter / "src/memtable.cpp",
                            "void put() {\n  // TODO(w1d1): insert\n  throw 1;\n}\n");
    xtask::write_if_changed(starter / "src/merge.cpp", "// TODO(w1d2): a\n// TODO(w1d2): b\n");
    xtask::write_if_changed(starter / "tests/week1/day1_memtable.cpp", "// official\n");
  }

  /// Every file of the repository with its content, to prove that status changes none.
  std::map<fs::path, std::string> snapshot() const {
    std::map<fs::path, std::string> files;
    for (const auto& file : xtask::list_files(root)) {
      files[file] = xtask::read_file(root / file);
    }
    return files;
  }

  fs::path record() const { return root / "build/scheck-starter/scheck-results.txt"; }
};

std::string status_of(const FixtureRepo& repo, const std::string& tree = "starter") {
  CapturedOutput output;
  CHECK(xtask::status(xtask::Repo(repo.root), tree, false) == xtask::kExitOk);
  return output.text();
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("status of a tree never checked: copied tests not run, stubs per chapter", "[xtask]") {
  FixtureRepo repo;
  auto before = repo.snapshot();
  auto text = status_of(repo);
  INFO(text);
  CHECK(contains(text, "status of starter/: 1 of 2 chapters copied, 0 passing\n"));
  CHECK(contains(text, "no ./x scheck results for this tree yet\n"));
  CHECK(contains(text, "  w1d1     copied, not run yet  1           The memtable\n"));
  CHECK(contains(text, "  w1d2     tests not copied     2           Merge iterators\n"));
  CHECK(contains(text, "next: run the tests you copied: ./x scheck\n"));
  CHECK(repo.snapshot() == before);
}

TEST_CASE("status reads scheck's record, and says when the tree changed since", "[xtask]") {
  FixtureRepo repo;
  auto tree = fs::weakly_canonical(repo.starter);
  xtask::ScheckRecord record{.tree = tree,
                             .started = fs::file_time_type::clock::now() + std::chrono::seconds(5),
                             .build_ok = true,
                             .format = xtask::FormatResult::clean,
                             .copied = {xtask::Chapter{1, 1}}};
  record.labels.push_back(
      {.label = "w1d1", .counts = xtask::TestCounts{2, 1}, .failing = {"put then get"}});
  xtask::write_record(repo.record(), record);

  auto text = status_of(repo);
  INFO(text);
  CHECK(contains(text, "  w1d1     copied, failing 1 of 3  1           The memtable\n"));
  CHECK(contains(text, "failing in w1d1:\n  put then get\n"));
  CHECK(contains(text, "next: implement the 1 TODO(w1d1) in src/memtable.cpp, then ./x scheck\n"));
  CHECK_FALSE(contains(text, "older than"));

  // The learner edits a file after the run.
  xtask::write_if_changed(repo.starter / "src/memtable.cpp", "void put() { map_.insert(); }\n");
  fs::last_write_time(repo.starter / "src/memtable.cpp", record.started + std::chrono::seconds(1));
  text = status_of(repo);
  CHECK(contains(text,
                 "these results are older than your last edit of src/memtable.cpp: run ./x status "
                 "--run or ./x scheck\n"));
  CHECK(contains(text, "  w1d1     copied, failing 1 of 3  0"));

  // Then passes, and copies the next chapter's tests without running them.
  record.started += std::chrono::seconds(10);
  record.labels[0] = {.label = "w1d1", .counts = xtask::TestCounts{3, 0}};
  xtask::write_record(repo.record(), record);
  text = status_of(repo);
  CHECK(contains(text, "  w1d1     passing (3 tests)  0"));
  CHECK(contains(text,
                 "next: copy the tests of w1d2 (Merge iterators): ./x copy-test --week 1 "
                 "--day 2\n"));
  xtask::write_if_changed(repo.starter / "tests/week1/day2_merge.cpp", "// official\n");
  text = status_of(repo);
  CHECK(contains(text, "these results are older than the copy of the tests of w1d2"));
  CHECK(contains(text, "  w1d2     copied, not run yet  2"));
}

TEST_CASE("status treats a damaged record as none", "[xtask]") {
  FixtureRepo repo;
  xtask::write_if_changed(repo.record(), "mini-lsm-scheck-results 1\ntree /x\nstarted 12");
  auto text = status_of(repo);
  CHECK(contains(text, "no ./x scheck results for this tree yet\n"));
}

TEST_CASE("status refuses the reference and what is not a tree", "[xtask]") {
  FixtureRepo repo;
  xtask::write_if_changed(repo.root / "reference/include/mini_lsm/memtable.hpp", "\n");
  xtask::write_if_changed(repo.root / "reference/src/memtable.cpp", "\n");
  CapturedOutput quiet;
  CHECK_THROWS_AS(xtask::status(xtask::Repo(repo.root), "reference", false), xtask::UsageError);
  CHECK_THROWS_AS(xtask::status(xtask::Repo(repo.root), (repo.root / "nowhere").string(), false),
                  xtask::UsageError);
}
