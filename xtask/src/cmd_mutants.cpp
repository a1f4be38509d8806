// mutants: apply each plausible learner bug of mutants/*.txt to its chapter's checkpoint, one at
// a time, and count how many the chapter's own tests catch. The chapter matrix proves that each
// day's tests need that day's code; this proves that they notice when that code is wrong.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <iostream>
#include <map>
#include <mutex>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "build.hpp"
#include "commands.hpp"
#include "fsutil.hpp"
#include "mutants.hpp"
#include "process.hpp"
#include "text.hpp"
#include "tree.hpp"

namespace xtask {

namespace {

// A test that runs longer under a mutant than its time limit counts as failed (a hang is a
// failure), so the whole run stays bounded even when a bug makes a test wait forever. The limit
// is four times the slowest test of the chapter on the correct code (of its quick or of its slow
// tests, see MutantTestPlan), and at least 3 s so that a busy machine cannot make a correct test
// miss it: a hang then costs seconds instead of the 20 s a fixed limit needed (about half of a
// whole run's time went to mutants that hang, before). The checkpoint's own run, before any
// mutant, has the ceiling.
constexpr MutantTestLimits kLimits{
    .quick_seconds = 0.25, .floor_seconds = 3, .ceiling_seconds = 20};

// Chapters are tried by this many workers at once, each in its own tree and build folder. A
// mutant costs one compile of one file, a link and a short test run, mostly on one core, so two
// workers keep both cores of a small machine busy and halve the run.
constexpr std::size_t kWorkers = 2;

std::vector<Mutant> load_mutants(const Repo& repo) {
  std::vector<Mutant> all;
  const fs::path dir = repo.root() / "mutants";
  for (const fs::path& file : list_files(dir)) {
    if (file.extension() != ".txt") {
      continue;
    }
    const std::string name = "mutants/" + file.string();
    for (Mutant& mutant : parse_mutants(read_file(dir / file), name)) {
      all.push_back(std::move(mutant));
    }
  }
  return all;
}

const RenderedFile& find_file(const std::vector<RenderedFile>& files, const Mutant& mutant) {
  for (const RenderedFile& file : files) {
    if (file.path == mutant.file) {
      return file;
    }
  }
  throw std::runtime_error(mutant.origin + ": no file " + mutant.file.string() +
                           " in the engine tree");
}

// The mutant must change code that the chapter itself adds: its `-` lines are in the checkpoint
// of the chapter and not in the checkpoint before it.
void check_belongs_to_chapter(const Mutant& mutant, const std::vector<RenderedFile>& at_chapter,
                              const std::vector<RenderedFile>& before) {
  apply_mutant(mutant, find_file(at_chapter, mutant).content);  // throws unless found once
  for (const RenderedFile& file : before) {
    if (file.path == mutant.file && count_occurrences("\n" + file.content, "\n" + mutant.find)) {
      throw std::runtime_error(mutant.origin + ": mutant `" + mutant.name +
                               "` changes code that exists before " + mutant.chapter.id() +
                               ", so it is not that chapter's code");
    }
  }
}

enum class Verdict { caught, survived, invalid };

struct Outcome {
  const Mutant* mutant;
  Verdict verdict;
  std::string detail;
};

// Runs the tests that `selection` picks (ctest's -L or -I with its argument), stopping at the
// first failure, each with `timeout_seconds`.
Result run_tests(const fs::path& build_dir, std::vector<std::string> selection,
                 int timeout_seconds) {
  std::vector<std::string> argv = {"ctest", "--test-dir", build_dir.string()};
  argv.insert(argv.end(), selection.begin(), selection.end());
  argv.insert(argv.end(), {"--stop-on-failure", "--no-tests=error", "-j", "2", "--timeout",
                           std::to_string(timeout_seconds)});
  return run({.argv = std::move(argv),
              .output = Output::capture,
              .env = {{"TMPDIR", fresh_test_temp_dir(build_dir).string()}}});
}

// Whether a test of `plan` fails or hangs: its quick tests first, then, if they all pass, its
// slow ones (see MutantTestPlan), each pass stopping at its first failure.
bool tests_catch_mutant(const fs::path& build_dir, const MutantTestPlan& plan) {
  const std::pair<const std::vector<int>&, int> passes[] = {
      {plan.quick, plan.quick_timeout_seconds}, {plan.slow, plan.slow_timeout_seconds}};
  for (const auto& [numbers, timeout_seconds] : passes) {
    if (!numbers.empty() &&
        !run_tests(build_dir, {"-I", ctest_numbers_argument(numbers)}, timeout_seconds).ok()) {
      return true;
    }
  }
  return false;
}

Outcome try_mutant(const Mutant& mutant, const fs::path& tree, const fs::path& build_dir,
                   const std::string& original, const MutantTestPlan& plan) {
  write_if_changed(tree / mutant.file, apply_mutant(mutant, original));
  Outcome outcome{&mutant, Verdict::survived, {}};
  if (!build_targets(build_dir, {test_target(mutant.chapter.id())}, Output::capture).ok()) {
    outcome = {&mutant, Verdict::invalid, "does not compile"};
  } else if (tests_catch_mutant(build_dir, plan)) {
    outcome.verdict = Verdict::caught;
  }
  write_if_changed(tree / mutant.file, original);
  return outcome;
}

// Tries the mutants of one chapter in `work_dir` (its tree/ and build/), reporting on `out`.
std::vector<Outcome> run_chapter(const Repo& repo, Chapter chapter,
                                 const std::vector<const Mutant*>& mutants,
                                 std::optional<Chapter> previous, const fs::path& work_dir,
                                 std::ostream& out) {
  const std::vector<RenderedFile> files = render_reference(repo, chapter);
  const std::vector<RenderedFile> before = render_reference(repo, previous);
  for (const Mutant* mutant : mutants) {
    check_belongs_to_chapter(*mutant, files, before);
  }
  const EngineBuild build = checkpoint_build(work_dir, repo.tests());
  if (auto problem = out_dir_problem(repo, build.tree)) {
    throw UsageError(*problem);
  }
  write_tree(files, build.tree);
  const auto start = std::chrono::steady_clock::now();
  if (!configure_engine(repo.root(), build) ||
      !build_targets(build.build_dir, {test_target(chapter.id())}, Output::capture).ok()) {
    throw std::runtime_error("checkpoint " + chapter.id() + " does not build");
  }
  out << "  checkpoint " << chapter.id() << " built in "
      << format_seconds(std::chrono::steady_clock::now() - start) << " s\n";
  const Result correct =
      run_tests(build.build_dir, {"-L", "^" + chapter.id() + "$"}, kLimits.ceiling_seconds);
  if (!correct.ok()) {
    throw std::runtime_error("the tests of " + chapter.id() + " fail at its own checkpoint, " +
                             "before any mutant: fix that first (./x verify-chapters)");
  }
  const MutantTestPlan plan = plan_mutant_tests(correct.output, kLimits);
  out << "  " << plan.quick.size() << " tests of at most " << kLimits.quick_seconds
      << " s run first (a test over " << plan.quick_timeout_seconds << " s counts as hung)";
  if (!plan.slow.empty()) {
    out << ", then " << plan.slow.size() << " slower ones (its slowest takes "
        << slowest_passed_test_seconds(correct.output) << " s; over " << plan.slow_timeout_seconds
        << " s counts as hung)";
  }
  out << "\n";
  std::vector<Outcome> outcomes;
  for (std::size_t index = 0; index < mutants.size(); ++index) {
    const Mutant& mutant = *mutants[index];
    out << "  " << chapter.id() << " " << index + 1 << "/" << mutants.size() << " " << mutant.name
        << ": " << std::flush;
    const auto start = std::chrono::steady_clock::now();
    outcomes.push_back(
        try_mutant(mutant, build.tree, build.build_dir, find_file(files, mutant).content, plan));
    const Outcome& outcome = outcomes.back();
    out << (outcome.verdict == Verdict::caught     ? "caught"
            : outcome.verdict == Verdict::survived ? "SURVIVED"
                                                   : "INVALID (" + outcome.detail + ")")
        << " (" << format_seconds(std::chrono::steady_clock::now() - start) << " s)\n";
  }
  return outcomes;
}

// One chapter's share of the run.
struct ChapterJob {
  Chapter chapter;
  std::optional<Chapter> previous;
  std::vector<const Mutant*> mutants;
  std::vector<Outcome> outcomes;
  std::exception_ptr error;
};

// Runs every job on up to kWorkers threads, the chapters with the most mutants first, so that no
// worker is left alone with a big chapter at the end. With one worker the progress of each
// mutant is printed as it happens; with more, each chapter's report is printed whole when it
// ends, so that the lines of two chapters never interleave.
//
// The first worker works in verify-chapters' folder, whose builds have the same settings: after
// ./x verify-chapters (as in CI) it holds the last checkpoint with every test program built, so
// the biggest chapter starts without a build and no test file is compiled again there.
void run_jobs(const Repo& repo, std::vector<ChapterJob>& jobs) {
  const std::size_t workers = std::min(kWorkers, jobs.size());
  std::vector<std::size_t> order(jobs.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&jobs](std::size_t a, std::size_t b) {
    return jobs[a].mutants.size() > jobs[b].mutants.size();
  });
  std::atomic<std::size_t> next_job{0};
  std::mutex print;
  const auto work = [&](std::size_t worker) {
    const fs::path work_dir = repo.build_dir(worker == 0 ? std::string(kVerifyFolder)
                                                         : "mutants-" + std::to_string(worker + 1));
    for (std::size_t next = next_job++; next < jobs.size(); next = next_job++) {
      ChapterJob& job = jobs[order[next]];
      std::ostringstream buffered;
      std::ostream& out = workers == 1 ? std::cout : buffered;
      out << "mutants of " << job.chapter.id() << ": " << job.mutants.size() << "\n";
      try {
        job.outcomes = run_chapter(repo, job.chapter, job.mutants, job.previous, work_dir, out);
      } catch (...) {
        job.error = std::current_exception();
      }
      const std::lock_guard lock(print);
      std::cout << buffered.str() << std::flush;
    }
  };
  std::vector<std::jthread> threads;
  for (std::size_t worker = 1; worker < workers; ++worker) {
    threads.emplace_back(work, worker);
  }
  work(0);
}

std::string percent(int part, int whole) {
  return whole == 0 ? "-" : std::to_string(part * 100 / whole) + "%";
}

}  // namespace

int mutants(const Repo& repo, const std::string& only_chapter, int min_percent) {
  const std::vector<Mutant> all = load_mutants(repo);
  const std::vector<Chapter> chapters = repo.chapters();
  std::optional<Chapter> wanted;
  if (!only_chapter.empty()) {
    wanted = parse_chapter(only_chapter);
    if (!wanted) {
      throw UsageError("bad chapter `" + only_chapter + "`; expected one like w1d4");
    }
  }
  std::vector<std::vector<std::string>> table = {{"chapter", "mutants", "caught", "score"}};
  std::vector<Outcome> failures;
  bool below_goal = false;
  std::optional<Chapter> previous;
  const auto start = std::chrono::steady_clock::now();
  std::vector<ChapterJob> jobs;
  for (const Chapter chapter : chapters) {
    if (!wanted || *wanted == chapter) {
      ChapterJob job{chapter, previous, {}, {}, nullptr};
      for (const Mutant& mutant : all) {
        if (mutant.chapter == chapter) {
          job.mutants.push_back(&mutant);
        }
      }
      jobs.push_back(std::move(job));
    }
    previous = chapter;
  }
  run_jobs(repo, jobs);
  for (const ChapterJob& job : jobs) {
    if (job.error) {
      std::rethrow_exception(job.error);
    }
    int caught = 0;
    for (const Outcome& outcome : job.outcomes) {
      caught += outcome.verdict == Verdict::caught ? 1 : 0;
      if (outcome.verdict != Verdict::caught) {
        failures.push_back(outcome);
      }
    }
    const int total = static_cast<int>(job.mutants.size());
    below_goal = below_goal || total == 0 || caught * 100 < min_percent * total;
    table.push_back(
        {job.chapter.id(), std::to_string(total), std::to_string(caught), percent(caught, total)});
  }
  if (wanted && table.size() == 1) {
    throw UsageError("no chapter " + wanted->id() + " in tests/: " + describe_chapters(chapters));
  }
  std::cout << "\n" << format_table(table);
  for (const Outcome& outcome : failures) {
    std::cout << (outcome.verdict == Verdict::survived ? "survived: " : "invalid:  ")
              << outcome.mutant->origin << " " << outcome.mutant->chapter.id() << " "
              << outcome.mutant->name << ": " << outcome.mutant->description << "\n";
  }
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start)
          .count();
  const bool invalid = std::any_of(failures.begin(), failures.end(), [](const Outcome& outcome) {
    return outcome.verdict == Verdict::invalid;
  });
  std::cout << "mutants: " << seconds << " s; goal: at least " << min_percent
            << "% caught in every chapter" << (below_goal ? " (NOT met)" : " (met)") << "\n";
  return below_goal || invalid ? kExitFailed : kExitOk;
}

}  // namespace xtask
