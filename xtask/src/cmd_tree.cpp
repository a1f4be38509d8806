// checkpoint, sync and verify-chapters: generated trees and the chapter matrix.
#include <algorithm>
#include <iostream>
#include <map>
#include <optional>

#include "commands.hpp"
#include "error.hpp"
#include "format.hpp"
#include "fsutil.hpp"
#include "testlist.hpp"
#include "text.hpp"
#include "tree.hpp"

namespace xtask {
namespace {

/// Chapters that own lesson regions in reference/ but have no tests: the matrix cannot cover them.
void note_untested_regions(const Repo& repo, const std::vector<Chapter>& tested) {
  std::vector<Chapter> untested;
  for (const auto& chapter : reference_lesson_chapters(repo)) {
    if (std::find(tested.begin(), tested.end(), chapter) == tested.end()) {
      untested.push_back(chapter);
    }
  }
  if (!untested.empty()) {
    std::cout << "note: reference/ has lesson regions of " << describe_chapters(untested)
              << ", which have no tests in tests/; the matrix cannot check them\n";
  }
}

// The matrix's builds give their tests no TIMEOUT (test_timeout "none") so that each run sets its
// own. The chapters a checkpoint has solved get the suite's usual 20 s. The next chapter's tests
// must all fail there, and those that wait for an event its stubs never cause (a flush thread
// that never flushes) fail only at their own 10 s deadline: 5 s calls them failed sooner. At a
// checkpoint the next chapter's code is a stub, and the slowest test of the whole suite passes in
// under 3 s, so no test that would pass is cut off.
constexpr int kSolvedTestTimeoutSeconds = 20;
constexpr int kUnsolvedTestTimeoutSeconds = 5;

/// The tests labelled `label` (a CTest regex), with this time limit each, and their temporary
/// folders in fresh_test_temp_dir(): a test stopped at the limit leaves its folder behind.
LabelRun run_matrix_label(const fs::path& build_dir, const std::string& label,
                          int timeout_seconds) {
  return run_label(build_dir, label, Output::capture,
                   {{"TMPDIR", fresh_test_temp_dir(build_dir).string()}}, timeout_seconds);
}

/// One cell of the chapter matrix: run a label's tests and compare with what the checkpoint needs.
std::string check_label(const fs::path& build_dir, const std::string& checkpoint,
                        const std::string& label, bool must_pass,
                        std::vector<std::string>& violations) {
  LabelRun run = run_matrix_label(
      build_dir, label, must_pass ? kSolvedTestTimeoutSeconds : kUnsolvedTestTimeoutSeconds);
  std::string counts =
      run.counts ? std::to_string(run.counts->passed) + "/" + std::to_string(run.counts->total())
                 : "no results";
  if (must_pass) {
    if (run.passed()) {
      return label + " " + counts + " pass";
    }
    std::cout << run.output;
    violations.push_back("checkpoint " + checkpoint + ": every test of " + label +
                         " must pass, but " + counts + " passed (output above)");
    return label + " " + counts + " FAIL";
  }
  if (run.counts && run.counts->none_passed()) {
    return label + " " + counts + " fail (expected)";
  }
  std::string why = run.counts ? "these passed:" : "CTest found no tests for it";
  for (const auto& name : passed_test_names(run.output)) {
    why += "\n    " + name;
  }
  violations.push_back("checkpoint " + checkpoint + ": every test of " + label +
                       " must fail before its chapter is solved, but " + why);
  return label + " " + counts + " SHOULD FAIL";
}

// The labels that must pass at a checkpoint, in one CTest run: both cores stay busy to the end,
// instead of idling at the tail of each label's run. When every test passed: "27/27" per label,
// from CTest's label summary; otherwise nullopt, and each label runs again on its own to say
// which failed.
std::optional<std::map<std::string, std::string>> labels_that_all_pass(
    const fs::path& build_dir, const std::vector<std::string>& labels) {
  if (labels.empty()) {
    return std::map<std::string, std::string>{};
  }
  LabelRun run =
      run_matrix_label(build_dir, "(" + join(labels, "|") + ")", kSolvedTestTimeoutSeconds);
  if (!run.passed()) {
    return std::nullopt;
  }
  auto counts = label_test_counts(run.output);
  std::map<std::string, std::string> passed;
  for (const auto& label : labels) {
    auto count = counts.find(label);
    if (count == counts.end()) {
      return std::nullopt;  // a label without tests: its own run reports it
    }
    passed[label] = std::to_string(count->second) + "/" + std::to_string(count->second);
  }
  return passed;
}

}  // namespace

int checkpoint(const Repo& repo, const std::string& through_text, const std::string& out_text,
               bool force) {
  auto through = parse_through(through_text, repo.chapters());
  fs::path out = fs::weakly_canonical(fs::absolute(out_text));
  if (auto problem = out_dir_problem(repo, out)) {
    throw UsageError(*problem);
  }
  // A learner's work in a generated tree (the starter!) must never vanish by accident.
  if (auto edited = hand_edited_files(out); !edited.empty() && !force) {
    std::string list;
    for (const auto& file : edited) {
      list += "\n  " + repo.display(out / file);
    }
    throw UsageError("these files of " + repo.display(out) +
                     " were changed by hand since they were generated, and would be "
                     "overwritten or removed:" +
                     list + "\nnothing was written; add --force to overwrite them anyway");
  }
  auto stats = write_tree(render_reference(repo, through), out);
  std::cout << "checkpoint " << checkpoint_name(through) << " -> " << repo.display(out) << ": "
            << stats.written << " files written, " << stats.unchanged << " unchanged, "
            << stats.removed << " removed\n";
  return kExitOk;
}

namespace {

/// `./x sync --check` of the chapter pages: true when each page's generated list of tests is
/// what tests/ holds; otherwise prints a diff per page.
bool check_chapter_pages(const Repo& repo) {
  auto pages = updated_chapter_pages(repo.root(), repo.tests());
  TempDir generated("mini-lsm-pages");
  bool ok = true;
  for (const auto& page : pages) {
    if (!page.changed) {
      continue;
    }
    ok = false;
    std::string name = page.page.generic_string();
    write_if_changed(generated.path() / page.page, page.content);
    run({.argv = {"diff", "-u", "--label", name, "--label", "generated/" + name,
                  (repo.root() / page.page).string(), (generated.path() / page.page).string()}});
  }
  if (ok) {
    std::cout << "the chapter pages list exactly the tests in tests/\n";
  } else {
    std::cout << "error: the list of tests in a chapter page differs from tests/: run ./x sync\n";
  }
  return ok;
}

/// `./x sync` of the chapter pages: rewrites the generated list of tests of each page.
void write_chapter_pages(const Repo& repo) {
  int written = 0;
  auto pages = updated_chapter_pages(repo.root(), repo.tests());
  for (const auto& page : pages) {
    if (page.changed) {
      write_if_changed(repo.root() / page.page, page.content);
      std::cout << "updated the list of tests in " << page.page.generic_string() << "\n";
      ++written;
    }
  }
  std::cout << "chapter pages: " << written << " of " << pages.size() << " updated\n";
}

/// `./x sync --check` of starter/: true when it is what checkpoint none would write.
bool check_starter(const Repo& repo) {
  std::error_code ec;
  if (!fs::exists(repo.starter() / kTreeMarker, ec)) {
    std::cout << "error: starter/ has never been generated (it has no " << kTreeMarker
              << "): run ./x sync\n";
    return false;
  }
  TempDir generated("mini-lsm-sync");
  write_tree(render_reference(repo, std::nullopt), generated.path());
  auto drift = differing_files(generated.path(), repo.starter(), {"tests"});
  if (drift.empty()) {
    std::cout << "starter/ is up to date with reference/\n";
    return true;
  }
  for (const auto& file : drift) {
    std::string name = file.string();
    run({.argv = {"diff", "-uN", "--label", "generated/" + name, "--label", "starter/" + name,
                  (generated.path() / file).string(), (repo.starter() / file).string()}});
  }
  std::cout << "error: starter/ is out of date with reference/: run ./x sync\n";
  return false;
}

}  // namespace

int sync(const Repo& repo, bool check, bool force) {
  if (!check) {
    int code = checkpoint(repo, "none", repo.starter().string(), force);
    write_chapter_pages(repo);
    bool snippets_ok = sync_page_snippets(repo, false);
    return snippets_ok ? code : kExitFailed;
  }
  bool starter_ok = check_starter(repo);
  bool pages_ok = check_chapter_pages(repo);
  bool snippets_ok = sync_page_snippets(repo, true);
  return starter_ok && pages_ok && snippets_ok ? kExitOk : kExitFailed;
}

int verify_chapters(const Repo& repo) {
  auto chapters = repo.chapters();
  if (chapters.empty()) {
    throw UsageError("tests/ has no chapter tests (tests/weekW/dayD_*.cpp)");
  }
  note_untested_regions(repo, chapters);
  const EngineBuild build = checkpoint_build(repo.build_dir(kVerifyFolder), repo.tests());
  if (auto problem = out_dir_problem(repo, build.tree)) {
    throw UsageError(*problem);
  }
  bool with_provided = has_provided_tests(repo.tests());

  std::vector<std::vector<std::string>> matrix;
  std::vector<std::string> violations;
  for (std::size_t i = 0; i <= chapters.size(); ++i) {
    std::optional<Chapter> through;
    if (i > 0) {
      through = chapters[i - 1];
    }
    std::string name = checkpoint_name(through);
    std::cout << "checkpoint " << name << ": rendering and building\n";
    write_tree(render_reference(repo, through), build.tree);
    // A learner who catches up with ./x checkpoint gets this tree, and ./x scheck checks its
    // formatting: a region's markers can leave code that clang-format would lay out otherwise.
    const auto rendered =
        source_files({build.tree / "include", build.tree / "src", build.tree / "bin"});
    if (check_format(rendered, repo.root() / ".clang-format") == FormatResult::unformatted) {
      violations.push_back("checkpoint " + name + ": not clang-format clean (output above)");
    }
    std::vector<std::string> row = {name};
    if (!configure_engine(repo.root(), build)) {
      violations.push_back("checkpoint " + name + ": cmake could not configure the tree");
      matrix.push_back({name, "configure failed"});
      continue;
    }
    if (auto built = build_targets(build.build_dir, {}, Output::capture); !built.ok()) {
      std::cout << built.output;
      violations.push_back("checkpoint " + name + ": the tree does not compile (output above)");
      matrix.push_back({name, "build failed"});
      continue;
    }
    std::vector<std::string> must_pass;
    if (with_provided) {
      must_pass.emplace_back("provided");
    }
    for (std::size_t j = 0; j < i; ++j) {
      must_pass.push_back(chapters[j].id());
    }
    auto passing = labels_that_all_pass(build.build_dir, must_pass);
    for (const auto& label : must_pass) {
      row.push_back(passing ? label + " " + (*passing)[label] + " pass"
                            : check_label(build.build_dir, name, label, true, violations));
    }
    if (i < chapters.size()) {
      row.push_back(check_label(build.build_dir, name, chapters[i].id(), false, violations));
    }
    std::cout << format_table({row});
    matrix.push_back(std::move(row));
  }

  std::cout << "\nchapter matrix (a row per checkpoint: its chapters pass, the next one fails):\n"
            << format_table(matrix);
  for (const auto& violation : violations) {
    std::cout << "error: " << violation << "\n";
  }
  if (!violations.empty()) {
    return kExitFailed;
  }
  std::cout << "verify-chapters: all " << matrix.size() << " checkpoints behave as expected\n";
  return kExitOk;
}

}  // namespace xtask
