// grade --self-test: four trees made from checkpoint w1d3, graded on w1d1-w1d4, whose tables
// must come out exactly as expected. It proves the promises of ./x grade end to end: an intact
// tree scores exactly its chapters, a compile error in one function costs only its chapter, and
// a hang and a crash are reported as such instead of stopping the run.
#include <iostream>
#include <map>
#include <stdexcept>

#include "error.hpp"
#include "fsutil.hpp"
#include "grade.hpp"
#include "grade_report.hpp"
#include "text.hpp"
#include "tree.hpp"

namespace xtask {
namespace {

// Short, so that the hanging tree costs a few seconds; the intact code needs well under 1 s a test.
constexpr int kTimeoutSeconds = 3;

/// One change to a file of the checkpoint: `find` (which must occur) becomes `replace`.
struct Edit {
  fs::path file;
  std::string find;
  std::string replace;
};

/// A tree to make: checkpoint w1d3 with `edits`; how many tests of each chapter must fail
/// (w1d4 always fails whole: its code is still a stub), and a phrase its report must hold.
struct Case {
  std::string name;
  std::vector<Edit> edits;
  std::map<std::string, int> failing;
  std::string must_mention;
};

std::vector<Case> cases() {
  return {
      {"intact", {}, {}, "a limit of 3 s"},
      {"compile-error-w1d2",
       {{"src/merge_iterator.cpp", "  return current().key();\n",
         "  return current().key() + no_such_name;\n"}},
       {{"w1d2", 26}},
       "`std::string_view MergeIterator::key() const` does not compile; graded with the "
       "starter's version of it (a stub)"},
      {"hang-w1d1",
       {{"src/lsm_storage.cpp", "#include <utility>\n", "#include <thread>\n#include <utility>\n"},
        {"src/lsm_storage.cpp", "  const WriteOp write_op = WriteOp::del(key);\n",
         // A minute is "never" for a test limited to 3 s; a CLI process that a killed test
         // leaves behind (where unshare cannot give the tests a PID namespace) still ends.
         // Only for one key, which one test of w1d1 and one of w1d2 delete: each hang costs
         // the whole limit, and one per chapter proves what a hang does.
         "  for (int i = 0; key == \"never-written\" && i < 3000; ++i) {  // a minute\n"
         "    std::this_thread::sleep_for(std::chrono::milliseconds(20));\n"
         "  }\n"
         "  const WriteOp write_op = WriteOp::del(key);\n"}},
       {{"w1d1", 1}, {"w1d2", 1}},
       "timed out after 3 s"},
      {"crash-w1d1",
       {{"src/memtable.cpp", "  if (auto value = map_->find(key)) {\n",
         "  std::abort();  // a get that crashes\n  if (auto value = map_->find(key)) {\n"}},
       {{"w1d1", 21}},
       "crashed (SIGABRT)"},
  };
}

/// The table the case's report must start with: every test of w1d1..w1d3 passes but the
/// `failing` ones, no test of w1d4 passes.
std::string expected_table(const Repo& repo, const Case& c) {
  std::vector<TestGroup> groups;
  for (int day = 1; day <= 4; ++day) {
    const Chapter chapter{1, day};
    TestGroup group{chapter.id(), {}};
    for (const auto& file : chapter_test_files(repo.tests(), chapter)) {
      for (const auto& name : default_test_cases(repo.tests() / file)) {
        group.tests.push_back({name, TestStatus::passed});
      }
    }
    auto failing = c.failing.find(chapter.id());
    int fail = day == 4 ? group.total() : failing == c.failing.end() ? 0 : failing->second;
    for (int i = 0; i < fail && i < group.total(); ++i) {
      group.tests[static_cast<std::size_t>(i)].status = TestStatus::failed;
    }
    groups.push_back(std::move(group));
  }
  double sum = 0;
  for (const auto& group : groups) {
    sum += group.score();
  }
  return markdown_table(groups, sum / static_cast<double>(groups.size()));
}

/// Every file of a tree with its content, to prove that grading wrote nothing into it.
std::map<fs::path, std::string> snapshot(const fs::path& tree) {
  std::map<fs::path, std::string> files;
  for (const auto& file : list_files(tree)) {
    files[file] = read_file(tree / file);
  }
  return files;
}

/// The problems of one graded case, or nothing when it came out as expected.
std::vector<std::string> check_case(const Repo& repo, const Case& c, const fs::path& out) {
  std::vector<std::string> problems;
  const std::string report = read_file(out / c.name / "report.md");
  const std::string table = expected_table(repo, c);
  if (report.find(table) == std::string::npos) {
    problems.push_back(c.name + ": the table is not\n" + table + "report.md:\n" + report);
  }
  if (report.find(c.must_mention) == std::string::npos) {
    problems.push_back(c.name + ": report.md does not say `" + c.must_mention + "`");
  }
  return problems;
}

void make_tree(const Repo& repo, const Case& c, const fs::path& dir) {
  if (auto problem = out_dir_problem(repo, dir)) {
    throw std::runtime_error(*problem);
  }
  write_tree(render_reference(repo, Chapter{1, 3}), dir);
  for (const Edit& edit : c.edits) {
    std::string source = read_file(dir / edit.file);
    auto at = source.find(edit.find);
    if (at == std::string::npos) {
      throw std::runtime_error("grade self-test: " + edit.file.string() +
                               " at checkpoint w1d3 has no `" + edit.find +
                               "` to change any more; update grade_self_test.cpp");
    }
    source.replace(at, edit.find.size(), edit.replace);
    write_if_changed(dir / edit.file, source);
  }
}

}  // namespace

int grade_self_test(const Repo& repo) {
  const fs::path base = repo.build_dir("grade-self-test");
  GradeOptions options{
      .chapters = "w1d1-w1d4", .out = (base / "out").string(), .timeout_seconds = kTimeoutSeconds};
  std::map<fs::path, std::map<fs::path, std::string>> before;
  for (const Case& c : cases()) {
    const fs::path tree = base / "trees" / c.name;
    make_tree(repo, c, tree);
    before[tree] = snapshot(tree);
    options.trees.push_back(tree.string());
  }
  if (grade(repo, options) != kExitOk) {
    std::cout << "grade self-test: FAILED: grade did not finish\n";
    return kExitFailed;
  }
  std::vector<std::string> problems;
  for (const Case& c : cases()) {
    auto found = check_case(repo, c, base / "out");
    problems.insert(problems.end(), found.begin(), found.end());
  }
  for (const auto& [tree, files] : before) {
    if (snapshot(tree) != files) {
      problems.push_back(tree.string() + " changed while it was graded");
    }
  }
  for (const auto& problem : problems) {
    std::cout << "grade self-test: " << problem << "\n";
  }
  std::cout << "grade self-test: " << (problems.empty() ? "passed" : "FAILED") << " ("
            << cases().size() << " trees)\n";
  return problems.empty() ? kExitOk : kExitFailed;
}

}  // namespace xtask
