// ci: every check of the repository in one run, with a table of results at the end.
#include <chrono>
#include <functional>
#include <iostream>

#include "commands.hpp"
#include "format.hpp"
#include "fsutil.hpp"
#include "text.hpp"

namespace xtask {
namespace {

struct CiCheck {
  std::string name;
  std::function<bool()> run;
};

/// Builds everything of `build` (a fresh configure when asked) and optionally runs every test.
bool build_and_test(const Repo& repo, const EngineBuild& build, bool fresh, bool run_tests) {
  if (!configure_engine(repo.root(), build, fresh)) {
    return false;
  }
  if (!build_targets(build.build_dir, {}).ok()) {
    return false;
  }
  if (!run_tests) {
    return true;
  }
  auto runs = std::vector<LabelRun>{
      run_label(build.build_dir, "", Output::tee, sanitizer_env(build.sanitize))};
  std::cout << summarize(runs);
  return all_passed(runs);
}

EngineBuild reference_build(const Repo& repo, const std::string& dir) {
  return {.build_dir = repo.build_dir(dir),
          .tree = repo.reference(),
          .tests = repo.tests(),
          .build_type = kUnattendedBuildType};
}

std::vector<CiCheck> checks(const Repo& repo) {
  // The build of the README's ./x test (build/reference, Debug, -Werror), by g++: crash-test and
  // the book's simulator figures then find their programs built.
  EngineBuild gcc = official_suite_build(repo, repo.reference(), "");
  gcc.cxx_compiler = "g++";
  // ASan+UBSan builds with clang++ and -Werror, so it is also the reference's clang++ build with
  // every warning an error, and its suite run is the suite built by clang++: no separate clang++
  // build is needed. (clang++ also compiles a sanitized file 1.5 to 1.7 times faster than g++.)
  // Its own folder: ./x test --sanitize address builds with the default compiler.
  EngineBuild asan = reference_build(repo, "ci/asan-clang");
  asan.sanitize = "address";
  // -O0 with line tables only (cmake/MiniLsmCompiler.cmake): file and line in a sanitizer's
  // report, at less cost than Debug's full debug information.
  asan.build_type = kUnattendedBuildType;
  asan.werror = true;
  asan.cxx_compiler = "clang++";
  // TSan with clang++ too: its build takes about 40% less CPU than g++'s, and the suite passes
  // under both (595 tests). Its own folder, as ASan's: ./x test --sanitize thread builds with the
  // default compiler.
  EngineBuild tsan = reference_build(repo, "ci/tsan-clang");
  tsan.sanitize = "thread";
  tsan.build_type = kUnattendedBuildType;
  tsan.werror = true;
  tsan.cxx_compiler = "clang++";

  return {
      {"xtask unit tests",
       [&repo] {
         fs::path dir = repo.build_dir("ci/xtask");
         return configure(repo.root() / "xtask", dir,
                          {{"CMAKE_BUILD_TYPE", kUnattendedBuildType}, {"XTASK_WERROR", "ON"}}) &&
                build_targets(dir, {}).ok() && run({.argv = {(dir / "xtask_tests").string()}}).ok();
       }},
      {"reference build -Werror (g++)",
       [&repo, gcc] { return build_and_test(repo, gcc, true, false); }},
      {"reference suite", [&repo, gcc] { return build_and_test(repo, gcc, false, true); }},
      {"asan+ubsan suite, clang++ -Werror",
       [&repo, asan] { return build_and_test(repo, asan, true, true); }},
      {"tsan suite, clang++", [&repo, tsan] { return build_and_test(repo, tsan, true, true); }},
      {"sync --check", [&repo] { return sync(repo, true, false) == kExitOk; }},
      // Also proves that starter/ compiles with every test: sync --check (above) proves starter/
      // is checkpoint none, which verify-chapters builds first with every test of tests/ (by
      // clang++, as the mutants; grade --self-test builds checkpoint w1d3, the stubs of every
      // later chapter, with the default compiler, g++ here, as a learner's ./x scheck does).
      {"verify-chapters (checkpoint none = starter/ with every test)",
       [&repo] { return verify_chapters(repo) == kExitOk; }},
      // Real processes killed with SIGKILL mid-write (week 2 day 6): the long runs the suite's
      // short wal-kill test leaves out, once per sync mode that promises something to check;
      // then batches that must be found whole (week 2 day 7), and power cuts on the
      // fault-injecting file system.
      {"crash-test (1000 rounds always, 300 manual, 300 batch, 500 power-loss)",
       [&repo] {
         CrashTestOptions always;
         always.rounds = 1000;
         CrashTestOptions manual;
         manual.rounds = 300;
         manual.wal_sync = "manual";
         manual.seed = 2;
         CrashTestOptions batches;
         batches.rounds = 300;
         batches.batch = true;
         batches.seed = 3;
         CrashTestOptions power;
         power.rounds = 500;
         power.power_loss = true;
         return crash_test(repo, always) == kExitOk && crash_test(repo, manual) == kExitOk &&
                crash_test(repo, batches) == kExitOk && crash_test(repo, power) == kExitOk;
       }},
      // libFuzzer on each decoder of the reference (fuzz/), from its seeds and a fixed seed, so
      // that runs of the same build try the same inputs. A finding is a real bug of a decoder
      // (or of a property), never a timing accident: no input is judged by how long it takes
      // under 10 s.
      {"fuzz (5000 inputs for each decoder, seed 1)",
       [&repo] {
         FuzzOptions options;
         options.runs = 5000;
         options.seed = 1;
         return fuzz(repo, options) == kExitOk;
       }},
      // ./x grade end to end: four trees made from checkpoint w1d3 (intact, a compile error, a
      // hang, a crash) graded on w1d1-w1d4 with a 3 s limit; exact tables expected.
      {"grade --self-test", [&repo] { return grade_self_test(repo) == kExitOk; }},
      {"mutants (90% caught per chapter)", [&repo] { return mutants(repo, "", 90) == kExitOk; }},
      {"format",
       [&repo] {
         auto files = source_files(
             {repo.reference(), repo.tests(), repo.root() / "xtask", repo.root() / "fuzz"});
         auto starter = source_files({repo.starter()}, {"tests"});
         files.insert(files.end(), starter.begin(), starter.end());
         return check_format(files, repo.root() / ".clang-format") == FormatResult::clean;
       }},
      {"book (built, then every page opened in headless Chromium)",
       [&repo] { return book(repo, {.check = true}) == kExitOk; }},
  };
}

}  // namespace

int ci(const Repo& repo) {
  auto all = checks(repo);
  std::vector<std::vector<std::string>> rows = {{"check", "result", "seconds"}};
  int passed = 0;
  for (std::size_t i = 0; i < all.size(); ++i) {
    std::cout << "\n==== ci " << i + 1 << "/" << all.size() << ": " << all[i].name << " ====\n";
    auto start = std::chrono::steady_clock::now();
    bool ok = false;
    try {
      ok = all[i].run();
    } catch (const std::exception& e) {
      std::cout << "error: " << e.what() << "\n";
    }
    rows.push_back({all[i].name, ok ? "passed" : "FAILED",
                    format_seconds(std::chrono::steady_clock::now() - start)});
    passed += ok ? 1 : 0;
  }
  std::cout << "\n" << format_table(rows);
  int failed = static_cast<int>(all.size()) - passed;
  std::cout << "ci: " << passed << " passed, " << failed << " failed" << std::endl;
  return failed == 0 ? kExitOk : kExitFailed;
}

}  // namespace xtask
