// grade: build each student's tree against the official tests, in one shared scratch tree and
// build folder, run every test with a time limit, and write the reports (grade_report.hpp).
//
// A student's tree is only read: its include/, src/ and bin/ are mirrored into
// <out>/.scratch/tree, the tests come from the repository's tests/ into <out>/.scratch/tests, and
// everything is built in <out>/.scratch/build. Files are written only when they changed, so
// between two students Ninja rebuilds what differs and the tests compile once per class.
#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>
#include <set>

#include "build.hpp"
#include "error.hpp"
#include "fsutil.hpp"
#include "grade.hpp"
#include "grade_ctest.hpp"
#include "grade_json.hpp"
#include "grade_report.hpp"
#include "grade_swap.hpp"
#include "process.hpp"
#include "testlist.hpp"
#include "text.hpp"

namespace xtask {
namespace {

// Rounds of "build, replace what did not compile by the starter's version": a round per broken
// function is rarely needed, since every error of a round is handled at once.
constexpr int kSubstitutionRounds = 4;
// Compiler errors a report shows for something that does not compile.
constexpr std::size_t kErrorLines = 6;

/// A test file of the scratch suite and the test cases it declares.
struct SuiteFile {
  fs::path relative;  ///< below the scratch tests/: week1/day1_memtable.cpp, extra/mine.cpp
  std::string group;  ///< the chapter ("w1d1"), or the extra file's path below --extra-tests
  bool extra = false;
  std::vector<std::string> test_names;
  std::string target() const { return per_file_test_target(relative); }
};

/// Where grading happens, shared by every tree of a run.
struct Scratch {
  fs::path dir;
  fs::path tree() const { return dir / "tree"; }
  fs::path tests() const { return dir / "tests"; }
  fs::path build() const { return dir / "build"; }
  fs::path tmp() const { return dir / "tmp"; }
};

/// Everything a run needs besides the tree being graded.
struct Run {
  const Repo& repo;
  Scratch scratch;
  std::vector<Chapter> chapters;
  std::vector<SuiteFile> files = {};
  std::vector<std::string> sandbox = {};  ///< the command that isolates the tests, or empty
  int timeout_seconds = 20;
};

using Clock = std::chrono::steady_clock;

long seconds_since(Clock::time_point start) {
  return static_cast<long>(
      std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - start).count());
}

fs::path canonical_dir(const std::string& spec) {
  return fs::weakly_canonical(fs::absolute(spec));
}

std::vector<fs::path> resolve_trees(const std::vector<std::string>& specs) {
  std::vector<fs::path> trees;
  std::set<std::string> names;
  for (const auto& spec : specs) {
    fs::path tree = canonical_dir(spec);
    std::error_code ec;
    if (!fs::is_directory(tree / "include" / "mini_lsm", ec)) {
      throw UsageError(spec + " is not an engine tree (it has no include/mini_lsm)");
    }
    if (!names.insert(tree.filename().string()).second) {
      throw UsageError("two trees are named " + tree.filename().string() +
                       ": their reports would go to the same folder; rename one");
    }
    trees.push_back(tree);
  }
  return trees;
}

fs::path resolve_out(const Repo& repo, const std::string& spec,
                     const std::vector<fs::path>& trees) {
  fs::path out = spec.empty() ? repo.build_dir("grade") : canonical_dir(spec);
  for (const auto& tree : trees) {
    if (is_within(out, tree) || is_within(tree, out)) {
      throw UsageError("--out " + out.string() + " and the tree " + tree.string() +
                       " overlap: a student's tree is never written to");
    }
  }
  if (is_within(out, repo.root()) && !is_within(out, repo.root() / "build")) {
    throw UsageError("--out " + repo.display(out) +
                     " is inside the repository's sources: use a folder under build/ or outside "
                     "the repository");
  }
  return out;
}

/// The official test files of `chapters` and the *.cpp files below `extra_dir`.
std::vector<SuiteFile> suite_files(const Repo& repo, const std::vector<Chapter>& chapters,
                                   const std::string& extra_dir) {
  std::vector<SuiteFile> files;
  for (const Chapter chapter : chapters) {
    for (const auto& file : chapter_test_files(repo.tests(), chapter)) {
      files.push_back({file, chapter.id(), false, default_test_cases(repo.tests() / file)});
    }
  }
  if (extra_dir.empty()) {
    return files;
  }
  fs::path dir = canonical_dir(extra_dir);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw UsageError("--extra-tests " + extra_dir + " is not a directory");
  }
  std::set<std::string> targets;
  for (const auto& file : list_files(dir)) {
    if (file.extension() != ".cpp") {
      continue;
    }
    SuiteFile suite_file{"extra" / file, file.string(), true, default_test_cases(dir / file)};
    if (!targets.insert(suite_file.target()).second) {
      throw UsageError("--extra-tests: two files make the same test program " +
                       suite_file.target() + "; rename one of them");
    }
    files.push_back(std::move(suite_file));
  }
  if (std::none_of(files.begin(), files.end(), [](const SuiteFile& f) { return f.extra; })) {
    throw UsageError("--extra-tests " + extra_dir + " holds no *.cpp file");
  }
  return files;
}

/// Makes the scratch tests/ hold the harness and `files`, nothing else.
void prepare_tests(const Repo& repo, const Run& run, const std::string& extra_dir) {
  std::map<fs::path, fs::path> wanted;  // scratch path -> source
  for (const auto& file : list_files(repo.tests() / "harness")) {
    wanted["harness" / file] = repo.tests() / "harness" / file;
  }
  for (const auto& file : run.files) {
    wanted[file.relative] =
        file.extra ? canonical_dir(extra_dir) / file.relative.lexically_relative("extra")
                   : repo.tests() / file.relative;
  }
  for (const auto& [relative, source] : wanted) {
    write_if_changed(run.scratch.tests() / relative, read_file(source));
  }
  for (const auto& file : list_files(run.scratch.tests())) {
    if (!wanted.contains(file)) {
      fs::remove(run.scratch.tests() / file);
    }
  }
  remove_empty_dirs(run.scratch.tests());
}

/// `unshare` with a network namespace (no network) and a PID namespace (a process the tests
/// leave behind dies with them), when this machine allows it; empty otherwise.
std::vector<std::string> find_sandbox() {
  std::vector<std::string> sandbox = {"unshare", "-r", "-n", "-p", "-f", "--kill-child"};
  if (!find_program("unshare")) {
    return {};
  }
  std::vector<std::string> probe = sandbox;
  probe.emplace_back("true");
  return run({.argv = probe, .output = Output::discard}).ok() ? sandbox
                                                              : std::vector<std::string>{};
}

void progress(std::string_view prefix, std::string_view what) {
  std::cout << prefix << what << std::endl;
}

/// A file of the student's tree that the scratch copy holds: src/ or bin/ below `tree`.
std::optional<fs::path> engine_file(const fs::path& file, const fs::path& tree) {
  for (const char* dir : {"src", "bin"}) {
    if (is_within(file, tree / dir)) {
      return fs::weakly_canonical(file).lexically_relative(fs::weakly_canonical(tree));
    }
  }
  return std::nullopt;
}

/// Builds every test program with `ninja -k 0` (everything that can be built is).
Result build_suite(const Run& run) {
  std::vector<std::string> argv = {"cmake", "--build", run.scratch.build().string(), "--target"};
  for (const auto& file : run.files) {
    argv.push_back(file.target());
  }
  argv.insert(argv.end(), {"--", "-k", "0"});
  return xtask::run({.argv = argv, .output = Output::capture});
}

/// What substitute() did.
struct Substitution {
  std::vector<std::string> notes;
  bool whole_file = false;  ///< the whole file was replaced (or removed): nothing more to try
};

/// Replaces what did not compile in `relative` (an engine file of the scratch tree) by the
/// starter's version: the functions around the errors, or the whole file.
Substitution substitute(const Run& run, const fs::path& relative, std::vector<int> lines,
                        bool whole_file) {
  const fs::path scratch_file = run.scratch.tree() / relative;
  const fs::path starter_file = run.repo.starter() / relative;
  std::error_code ec;
  const bool in_starter = fs::is_regular_file(starter_file, ec);
  if (!whole_file && in_starter) {
    std::string source = read_file(scratch_file);
    const std::string starter = read_file(starter_file);
    std::vector<std::string> notes;
    std::sort(lines.rbegin(), lines.rend());  // bottom up: a swap moves only the lines below it
    std::set<std::string> swapped;
    bool all_swapped = true;
    for (int line : lines) {
      auto result = swap_function(source, line, starter);
      if (!result) {
        all_swapped = false;
        break;
      }
      source = std::move(result->source);
      if (swapped.insert(result->signature).second) {
        notes.push_back(relative.string() + ": `" + result->signature +
                        "` does not compile; graded with the starter's version of it (a stub)");
      }
    }
    if (all_swapped) {
      write_if_changed(scratch_file, source);
      return {notes, false};
    }
  }
  if (in_starter) {
    write_if_changed(scratch_file, read_file(starter_file));
    return {{relative.string() + " does not compile; graded with the starter's whole file"}, true};
  }
  fs::remove(scratch_file);
  return {
      {relative.string() + " does not compile and the starter has no such file; graded without it"},
      true};
}

/// What building one tree left: notes on substitutions, and the output of the last build.
struct BuildOutcome {
  std::vector<std::string> notes;
  std::string output;
  std::vector<CompileError> errors;
};

/// Builds the scratch tree; engine files that do not compile are replaced by the starter's
/// versions (functions first, then whole files) and the build repeated.
BuildOutcome build_with_substitutions(const Run& run) {
  BuildOutcome outcome;
  std::set<fs::path> replaced_whole;
  std::map<fs::path, int> rounds_of_file;
  for (int round = 0;; ++round) {
    Result result = build_suite(run);
    outcome.output = std::move(result.output);
    outcome.errors = parse_compile_errors(outcome.output, run.scratch.build());
    // A header of the tree that does not compile breaks every file that includes it: replacing
    // those files' functions cannot help, so nothing is replaced.
    const fs::path headers = run.scratch.tree() / "include";
    if (std::any_of(outcome.errors.begin(), outcome.errors.end(),
                    [&](const CompileError& error) { return is_within(error.file, headers); })) {
      outcome.notes.push_back(
          "a header under include/ does not compile: nothing was replaced by the starter's code; "
          "every test that needs it fails as \"does not compile\"");
      return outcome;
    }
    std::map<fs::path, std::vector<int>> broken;  // engine file -> error lines
    for (const auto& error : outcome.errors) {
      if (auto file = engine_file(error.file, run.scratch.tree())) {
        broken[*file].push_back(error.line);
      }
    }
    bool changed = false;
    for (auto& [file, lines] : broken) {
      if (replaced_whole.contains(file) || round >= kSubstitutionRounds) {
        continue;  // the starter's file fails too: the cause lies elsewhere (a header)
      }
      bool whole = ++rounds_of_file[file] > 2 || round + 1 == kSubstitutionRounds;
      Substitution done = substitute(run, file, lines, whole);
      if (done.whole_file) {
        replaced_whole.insert(file);
      }
      outcome.notes.insert(outcome.notes.end(), done.notes.begin(), done.notes.end());
      changed = true;
    }
    if (!changed) {
      return outcome;
    }
  }
}

/// Removes a test program and the list of its tests before a tree is built, so that a program
/// that does not build for this tree cannot be the previous tree's. (A dry run of Ninja cannot
/// tell: CMake's check of the globbed directories makes every dry run look dirty.)
void remove_program(const fs::path& build_dir, const std::string& target) {
  const fs::path suite = build_dir / "suite";
  std::error_code ec;
  fs::remove(suite / target, ec);
  if (!fs::is_directory(suite, ec)) {
    return;
  }
  for (const auto& entry : fs::directory_iterator(suite)) {
    std::string name = entry.path().filename().string();
    if (name.starts_with(target + "_tests-") && name.ends_with(".cmake")) {
      fs::remove(entry.path(), ec);
    }
  }
}

/// The compiler errors that explain why `file` did not build: its own, else the first of the
/// build (an engine header, a link error).
std::string why_not_built(const SuiteFile& file, const Run& run, const BuildOutcome& build) {
  std::vector<std::string> lines;
  for (const auto& error : build.errors) {
    if (error.file == (run.scratch.tests() / file.relative).lexically_normal() &&
        lines.size() < kErrorLines) {
      lines.push_back(error.text);
    }
  }
  if (lines.empty()) {
    for (std::string_view line : split_lines(build.output)) {
      bool explains = line.find("error:") != std::string_view::npos ||
                      line.find("undefined reference") != std::string_view::npos;
      if (explains && lines.size() < kErrorLines) {
        lines.emplace_back(line);
      }
    }
  }
  return join(lines, "\n");
}

/// Runs the tests labelled `label` in the sandbox, with the scratch folder as working directory
/// and TMPDIR inside it.
std::vector<TestOutcome> run_tests(const Run& run, const std::string& label) {
  std::vector<std::string> argv = run.sandbox;
  argv.insert(argv.end(),
              {"ctest", "--test-dir", run.scratch.build().string(), "-L", "^" + label + "$",
               "--output-on-failure", "--no-tests=ignore", "-j", "2"});
  Result result = xtask::run({.argv = argv,
                              .cwd = run.scratch.dir,
                              .output = Output::capture,
                              .env = {{"TMPDIR", run.scratch.tmp().string()}}});
  return parse_ctest_results(result.output, run.timeout_seconds);
}

/// The group of `files`: the outcome of each test they declare; a file that was not built fails
/// its tests as "does not compile".
TestGroup collect_group(const std::string& name, const std::vector<const SuiteFile*>& files,
                        std::vector<TestOutcome> ran,
                        const std::map<std::string, std::string>& not_built) {
  TestGroup group{name, {}};
  for (const SuiteFile* file : files) {
    auto missing = not_built.find(file->target());
    for (const auto& test_name : file->test_names) {
      if (missing != not_built.end()) {
        group.tests.push_back({test_name, TestStatus::not_compiled,
                               "does not compile (tests/" + file->relative.string() + ")",
                               missing->second});
        continue;
      }
      auto found = std::find_if(ran.begin(), ran.end(),
                                [&](const TestOutcome& test) { return test.name == test_name; });
      if (found == ran.end()) {
        group.tests.push_back(
            {test_name, TestStatus::not_run, "not run: CTest did not list it", ""});
        continue;
      }
      group.tests.push_back(std::move(*found));
      ran.erase(found);
    }
  }
  return group;
}

void write_reports(const TreeGrade& grade, const fs::path& dir, const std::string& format) {
  write_if_changed(dir / "report.md", markdown_report(grade));
  write_if_changed(dir / "junit.xml", junit_xml(grade));
  if (format == "gradescope") {
    write_if_changed(dir / "results.json", gradescope_json(grade));
  }
}

void configure_scratch(const Run& run) {
  EngineBuild build{.build_dir = run.scratch.build(),
                    .tree = run.scratch.tree(),
                    .tests = run.scratch.tests(),
                    .build_type = kUnattendedBuildType};
  CMakeVariables variables = engine_variables(build);
  variables.emplace_back("MINI_LSM_EXECUTABLE_PER_TEST_FILE", "ON");
  variables.emplace_back("MINI_LSM_TEST_TIMEOUT", std::to_string(run.timeout_seconds));
  if (!configure(run.repo.root(), run.scratch.build(), variables)) {
    throw std::runtime_error("cannot grade: CMake could not configure " +
                             run.scratch.build().string() + " (see above)");
  }
}

/// Grades one tree: mirror, build (with substitutions), run each chapter, collect.
TreeGrade grade_tree(const Run& run, const fs::path& tree, const std::string& prefix) {
  const auto start = Clock::now();
  TreeGrade grade{.tree = tree.filename().string(),
                  .network_isolated = !run.sandbox.empty(),
                  .timeout_seconds = run.timeout_seconds};
  for (const char* dir : {"include", "src", "bin"}) {
    mirror_tree(tree / dir, run.scratch.tree() / dir, {});
  }
  configure_scratch(run);
  std::error_code ec;
  fs::remove_all(run.scratch.tmp(), ec);
  fs::create_directories(run.scratch.tmp());
  progress(prefix, "building");
  for (const auto& file : run.files) {
    remove_program(run.scratch.build(), file.target());
  }
  BuildOutcome build = build_with_substitutions(run);
  grade.notes = build.notes;
  std::map<std::string, std::string> not_built;
  for (const auto& file : run.files) {
    if (!fs::is_regular_file(run.scratch.build() / "suite" / file.target(), ec)) {
      not_built[file.target()] = why_not_built(file, run, build);
    }
  }
  for (const auto& error : build.errors) {
    if (grade.build_errors.size() < kErrorLines) {
      grade.build_errors.push_back(error.text);
    }
  }
  progress(prefix, "built (" + std::to_string(seconds_since(start)) + " s)");
  for (std::size_t index = 0; index < run.chapters.size(); ++index) {
    const std::string chapter = run.chapters[index].id();
    progress(prefix, "running " + chapter + " (" + std::to_string(index + 1) + "/" +
                         std::to_string(run.chapters.size()) + ", " +
                         std::to_string(seconds_since(start)) + " s)");
    std::vector<const SuiteFile*> files;
    for (const auto& file : run.files) {
      if (!file.extra && file.group == chapter) {
        files.push_back(&file);
      }
    }
    grade.chapters.push_back(collect_group(chapter, files, run_tests(run, chapter), not_built));
  }
  std::vector<TestOutcome> extra_ran;
  if (std::any_of(run.files.begin(), run.files.end(), [](const SuiteFile& f) { return f.extra; })) {
    progress(prefix, "running the extra tests");
    extra_ran = run_tests(run, "extra");
  }
  for (const auto& file : run.files) {
    if (file.extra) {
      grade.extra.push_back(collect_group(file.group, {&file}, extra_ran, not_built));
    }
  }
  progress(prefix,
           percent(grade.total_score()) + "% (" + std::to_string(seconds_since(start)) + " s)");
  return grade;
}

}  // namespace

std::vector<Chapter> parse_chapter_range(std::string_view spec, const std::vector<Chapter>& all) {
  if (spec.empty()) {
    return all;
  }
  auto dash = spec.find('-');
  auto first = parse_chapter(spec.substr(0, dash));
  auto last = dash == std::string_view::npos ? first : parse_chapter(spec.substr(dash + 1));
  auto exists = [&](std::optional<Chapter> chapter) {
    return chapter && std::find(all.begin(), all.end(), *chapter) != all.end();
  };
  if (!exists(first) || !exists(last) || *last < *first) {
    throw UsageError("--chapters " + std::string(spec) +
                     ": expected a chapter or a range such as w1d1-w1d4 of the chapters " +
                     describe_chapters(all));
  }
  std::vector<Chapter> chosen;
  std::copy_if(all.begin(), all.end(), std::back_inserter(chosen),
               [&](Chapter chapter) { return *first <= chapter && chapter <= *last; });
  return chosen;
}

std::vector<std::string> default_test_cases(const fs::path& file) {
  std::vector<std::string> names;
  for (const auto& test : parse_test_cases(read_file(file), file.string())) {
    bool hidden =
        test.tags.find("[.") != std::string::npos || test.tags.find("[!hide]") != std::string::npos;
    if (!hidden) {
      names.push_back(test.name);
    }
  }
  return names;
}

std::string per_file_test_target(const fs::path& relative) {
  std::string name = relative.string();
  if (name.ends_with(".cpp")) {
    name.resize(name.size() - 4);
  }
  for (char& c : name) {
    bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    c = word ? c : '_';
  }
  return name + "_tests";
}

int grade(const Repo& repo, const GradeOptions& options) {
  const std::vector<fs::path> trees = resolve_trees(options.trees);
  const fs::path out = resolve_out(repo, options.out, trees);
  Run run{.repo = repo,
          .scratch = {out / ".scratch"},
          .chapters = parse_chapter_range(options.chapters, repo.chapters()),
          .timeout_seconds = options.timeout_seconds};
  run.files = suite_files(repo, run.chapters, options.extra_tests);
  run.sandbox = find_sandbox();
  if (run.sandbox.empty()) {
    std::cout << "grade: note: unshare cannot make a network namespace here: the tests run WITH "
                 "network\n";
  }
  prepare_tests(repo, run, options.extra_tests);
  std::vector<TreeGrade> grades;
  for (std::size_t index = 0; index < trees.size(); ++index) {
    const fs::path& tree = trees[index];
    const std::string prefix = "grade: tree " + std::to_string(index + 1) + "/" +
                               std::to_string(trees.size()) + " " + tree.filename().string() + ": ";
    grades.push_back(grade_tree(run, tree, prefix));
    write_reports(grades.back(), out / grades.back().tree, options.format);
    std::cout << markdown_table(grades.back().chapters, grades.back().total_score());
  }
  write_if_changed(out / "grades.csv", grades_csv(grades));
  std::cout << "grade: reports in " << repo.display(out) << " (grades.csv, <tree>/report.md, "
            << "<tree>/junit.xml" << (options.format == "gradescope" ? ", <tree>/results.json" : "")
            << ")\n";
  return kExitOk;
}

}  // namespace xtask
