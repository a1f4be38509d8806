// copy-test, scheck and test: getting the official tests to a tree and running them.
#include <algorithm>
#include <iostream>

#include "commands.hpp"
#include "error.hpp"
#include "format.hpp"
#include "fsutil.hpp"
#include "status_record.hpp"

namespace xtask {
namespace {

/// The labels to run: "provided" (when `with_provided` and the suite has some) and each chapter.
std::vector<std::string> labels_of(const std::vector<Chapter>& chapters, const fs::path& tests_dir,
                                   bool with_provided) {
  std::vector<std::string> labels;
  if (with_provided && has_provided_tests(tests_dir)) {
    labels.emplace_back("provided");
  }
  for (const auto& chapter : chapters) {
    labels.push_back(chapter.id());
  }
  return labels;
}

/// Leaves `record` for ./x status. Not being able to is no reason to fail the check itself.
void record_for_status(const fs::path& file, const ScheckRecord& record) {
  try {
    write_record(file, record);
  } catch (const std::exception& e) {
    std::cout << "note: ./x status will not see these results: " << e.what() << "\n";
  }
}

/// Prints the per-label table under a heading; true when every label passed.
bool report(const std::string& heading, const std::vector<LabelRun>& runs) {
  std::cout << "\nsummary (" << heading << "):\n" << summarize(runs);
  return all_passed(runs);
}

}  // namespace

void copy_official_tests(const Repo& repo, const std::vector<Chapter>& chapters,
                         const fs::path& tests_dir, bool verbose) {
  std::vector<fs::path> files;
  for (const char* shared : {"harness", "provided"}) {
    for (const auto& file : list_files(repo.tests() / shared)) {
      files.push_back(shared / file);
    }
  }
  for (const auto& chapter : chapters) {
    for (const auto& file : chapter_test_files(repo.tests(), chapter)) {
      files.push_back(file);
    }
  }
  for (const auto& file : files) {
    bool copied = write_if_changed(tests_dir / file, read_file(repo.tests() / file));
    if (verbose) {
      std::cout << (copied ? "  copied      " : "  up to date  ") << repo.display(tests_dir / file)
                << "\n";
    }
  }
}

namespace {

// Rewrites the test files of the chapters already in `tests_dir` (other than `copied`) that
// differ from the official ones, saying which.
void refresh_earlier_tests(const Repo& repo, const std::vector<Chapter>& copied,
                           const fs::path& tests_dir) {
  for (const Chapter& chapter : discover_chapters(tests_dir)) {
    if (std::find(copied.begin(), copied.end(), chapter) != copied.end()) {
      continue;
    }
    for (const auto& file : chapter_test_files(repo.tests(), chapter)) {
      if (write_if_changed(tests_dir / file, read_file(repo.tests() / file))) {
        std::cout << "  refreshed   " << repo.display(tests_dir / file) << " (" << chapter.id()
                  << ": the official test changed since it was copied)\n";
      }
    }
  }
}

}  // namespace

std::vector<LabelRun> run_labels(const fs::path& build_dir, const std::vector<std::string>& labels,
                                 Output output, const std::string& sanitize) {
  std::vector<LabelRun> runs;
  for (const auto& label : labels) {
    if (output != Output::capture) {
      std::cout << "\n--- tests of " << label << " ---\n";
    }
    runs.push_back(run_label(build_dir, label, output, sanitizer_env(sanitize)));
  }
  return runs;
}

int copy_test(const Repo& repo, ChapterFilter filter, const std::string& tree_spec) {
  if (!filter.week) {
    throw UsageError("copy-test needs --week (and optionally --day)");
  }
  auto chapters = select_chapters(repo.chapters(), filter, repo.listed_chapters());
  fs::path tree = repo.resolve_tree(tree_spec);
  if (is_within(tree, repo.reference())) {
    throw UsageError("reference/ runs the official tests in place: use ./x test --tree reference");
  }
  copy_official_tests(repo, chapters, tree / "tests", true);
  // A later chapter can change what an earlier chapter's tests may assume (the manifest of
  // week 2 day 5 moves the moment a flush becomes durable), so the official versions of the
  // earlier chapters already in the tree come along.
  refresh_earlier_tests(repo, chapters, tree / "tests");
  std::cout << "copied the tests of " << describe_chapters(chapters) << " into "
            << repo.display(tree / "tests") << "\nnext: ./x scheck" << repo.tree_flag(tree) << "\n";
  return kExitOk;
}

int scheck(const Repo& repo, const std::string& tree_spec) {
  fs::path tree = repo.resolve_tree(tree_spec);
  fs::path tests = tree / "tests";
  auto chapters = discover_chapters(tests);
  if (chapters.empty()) {
    std::cout << "no tests copied yet: run ./x copy-test --week 1 --day 1" << repo.tree_flag(tree)
              << "\n";
    return kExitFailed;
  }
  std::cout << "checking " << repo.display(tree) << " with the tests of "
            << describe_chapters(chapters) << "\n";

  // What ./x status reads. Its time is taken before anything is read, so that an edit made
  // while scheck runs makes these results out of date.
  ScheckRecord record{
      .tree = tree, .started = fs::file_time_type::clock::now(), .copied = chapters};
  auto format = check_format(source_files({tree / "include", tree / "src", tree / "bin"}),
                             repo.root() / ".clang-format");
  record.format = format.result;
  record.format_fix = format.fix;
  EngineBuild build{.build_dir = scheck_build_dir(repo, tree), .tree = tree, .tests = tests};
  auto results_file = record_file(build.build_dir);
  if (!configure_engine(repo.root(), build)) {
    record_for_status(results_file, record);
    return kExitFailed;
  }
  if (!build_targets(build.build_dir, {}).ok()) {
    record_for_status(results_file, record);
    if (format == FormatResult::unformatted) {
      std::cout << format_failure_summary(format, fs::current_path());
    }
    std::cout << "error: " << repo.display(tree)
              << " does not compile: fix the first compiler error above, then run ./x scheck"
              << repo.tree_flag(tree) << " again\n";
    return kExitFailed;
  }
  auto runs = run_labels(build.build_dir, labels_of(chapters, tests, true), Output::tee);
  record.build_ok = true;
  for (const auto& run : runs) {
    record.labels.push_back(record_label(run));
  }
  record_for_status(results_file, record);
  bool passed = report(repo.display(tree), runs);
  if (format == FormatResult::unformatted) {
    std::cout << format_failure_summary(format, fs::current_path());
  }
  return passed && format != FormatResult::unformatted ? kExitOk : kExitFailed;
}

std::string suite_build_name(const std::string& tree_name, const std::string& sanitize) {
  if (sanitize.empty()) {
    return tree_name == "reference" ? tree_name : "test-" + tree_name;
  }
  return (sanitize == "address" ? "asan-" : "tsan-") + tree_name;
}

EngineBuild official_suite_build(const Repo& repo, const fs::path& tree,
                                 const std::string& sanitize) {
  std::string build_name = suite_build_name(tree == repo.reference() ? "reference"
                                            : tree == repo.starter() ? "starter"
                                                                     : tree.filename().string(),
                                            sanitize);
  // The reference is always warning-free, so build/reference uses -Werror (as its preset does).
  return {.build_dir = repo.build_dir(build_name),
          .tree = tree,
          .tests = repo.tests(),
          .werror = tree == repo.reference() && sanitize.empty(),
          .sanitize = sanitize};
}

int test(const Repo& repo, ChapterFilter filter, const std::string& tree_spec,
         const std::string& sanitize) {
  auto chapters = repo.chapters();
  if (!filter.empty()) {
    chapters = select_chapters(chapters, filter, repo.listed_chapters());
  }
  fs::path tree = repo.resolve_tree(tree_spec);
  EngineBuild build = official_suite_build(repo, tree, sanitize);
  auto labels = labels_of(chapters, repo.tests(), filter.empty());
  if (labels.empty()) {
    throw UsageError("tests/ has no tests yet");
  }

  std::vector<std::string> targets;
  for (const auto& label : labels) {
    targets.push_back(test_target(label));
  }
  if (!configure_engine(repo.root(), build)) {
    return kExitFailed;
  }
  if (!build_targets(build.build_dir, targets).ok()) {
    std::cout << "error: the build of " << repo.display(tree) << " with the official tests failed"
              << " (see the compiler errors above)\n";
    return kExitFailed;
  }
  auto runs = run_labels(build.build_dir, labels, Output::tee, sanitize);
  std::string heading = repo.display(tree) + (sanitize.empty() ? "" : ", " + sanitize);
  return report(heading, runs) ? kExitOk : kExitFailed;
}

}  // namespace xtask
