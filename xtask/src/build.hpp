// Configuring and building an engine tree with CMake, and running its tests with CTest.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "process.hpp"

namespace xtask {

namespace fs = std::filesystem;

/// One engine build: the root CMakeLists.txt building `tree` against the tests in `tests`.
/// The build type of builds that no one debugs (the chapter matrix, mutants, CI's plain builds):
/// CMake has no flags for it, so -O0 without debug information. The same code as Debug, built
/// and linked about a third faster, which the thousands of rebuilds of ./x mutants add up.
inline constexpr const char* kUnattendedBuildType = "Unattended";

struct EngineBuild {
  fs::path build_dir;
  fs::path tree;
  fs::path tests;
  std::string build_type = "Debug";  ///< or kUnattendedBuildType
  bool werror = false;
  std::string sanitize = {};      ///< "", "address" (ASan+UBSan) or "thread"
  std::string cxx_compiler = {};  ///< "" = CMake's choice, else a program on PATH
  bool quick_rebuilds = false;    ///< precompiled engine headers, gold (MINI_LSM_QUICK_REBUILDS)
  /// MINI_LSM_TEST_TIMEOUT: "" = its default; "none" = the tests get no TIMEOUT property, so that
  /// `ctest --timeout N` (which never overrides the property) sets each run's limit.
  std::string test_timeout = {};
  /// MINI_LSM_FUZZ: the libFuzzer targets of fuzz/ (./x fuzz), clang++ only.
  bool fuzz = false;
};

/// The folder under build/ of ./x verify-chapters, which ./x mutants' first worker shares.
inline constexpr const char* kVerifyFolder = "verify";

/// The build of a checkpoint that only runs tests, again and again (./x verify-chapters and
/// ./x mutants, which share build/verify and so must agree on every setting): `work_dir`/tree
/// built into `work_dir`/build, Unattended, by quick_compiler(), with quick rebuilds, and no
/// TIMEOUT property on the tests (each run passes ctest --timeout).
EngineBuild checkpoint_build(const fs::path& work_dir, const fs::path& tests);

/// The TMPDIR of one test run in a checkpoint_build()'s `build_dir`: the folder tmp/ beside it,
/// emptied first. A test killed at its time limit, or crashed, cannot remove its own temporary
/// folder (some hold megabytes), and ./x verify-chapters and ./x mutants kill and crash many.
fs::path fresh_test_temp_dir(const fs::path& build_dir);

/// "clang++" when it is installed (.ci/run installs it), else "" (CMake's choice). For builds
/// that only run tests, built again and again (./x mutants, ./x verify-chapters): clang++'s
/// front end compiles an engine file at -O0 about twice as fast as g++'s; the tests are the same.
std::string quick_compiler();

using CMakeVariables = std::vector<std::pair<std::string, std::string>>;

/// The -D variables that describe `build` to the root CMakeLists.txt.
CMakeVariables engine_variables(const EngineBuild& build);

/// `NAME:TYPE=VALUE` entries of a CMakeCache.txt, by name.
std::map<std::string, std::string> parse_cmake_cache(std::string_view text);

/// True when `cache` already holds every wanted value, so configuring again would change nothing.
/// An empty or OFF wanted value also matches a missing entry.
bool cache_matches(const std::map<std::string, std::string>& cache, const CMakeVariables& wanted);

/// True when `wanted` names a CMAKE_CXX_COMPILER other than the one `cache` was configured with.
/// CMake cannot switch a folder to another compiler: it then deletes its cache, and with it every
/// other -D variable of that same command line, so configure() starts such a folder afresh.
bool compiler_changes(const std::map<std::string, std::string>& cache,
                      const CMakeVariables& wanted);

/// Configures `source` into `build_dir` with Ninja, unless its CMakeCache.txt already has these
/// variables; `fresh` deletes the cache first. CMake's output is shown only when it fails.
bool configure(const fs::path& source, const fs::path& build_dir, const CMakeVariables& variables,
               bool fresh = false);

/// configure() of the repository's root CMakeLists.txt for one engine build.
bool configure_engine(const fs::path& root, const EngineBuild& build, bool fresh = false);

/// Builds `targets` (empty = the default target, everything). Compiler output goes to `output`.
Result build_targets(const fs::path& build_dir, const std::vector<std::string>& targets,
                     Output output = Output::inherit);

/// The test executable of a label: "w1d1" -> "w1d1_tests", "provided" -> "provided_tests".
std::string test_target(std::string_view label);

/// Counts from CTest's summary line "75% tests passed, 3 tests failed out of 12".
struct TestCounts {
  int passed = 0;
  int failed = 0;
  int total() const { return passed + failed; }
  bool all_passed() const { return failed == 0 && passed > 0; }
  bool none_passed() const { return passed == 0 && failed > 0; }
};

/// Finds CTest's summary line in its output; nullopt when there is none (no tests, crash, ...).
std::optional<TestCounts> parse_ctest_summary(std::string_view output);

/// The number of tests per label in CTest's "Label Time Summary" ("w1d1 = 1.20 sec*proc (27
/// tests)").
std::map<std::string, int> label_test_counts(std::string_view output);

/// The names of the tests CTest reports as passed ("  1/12 Test  #1: name ....   Passed").
std::vector<std::string> passed_test_names(std::string_view output);

/// The names of the tests CTest killed for running longer than their timeout
/// ("  3/12 Test  #3: name ..........***Timeout  20.01 sec").
std::vector<std::string> timed_out_test_names(std::string_view output);

/// Lines of CMake, Ninja and CTest output that say nothing to a learner: CTest's "Internal ctest
/// changing into directory", CMake's "GLOB mismatch!" when a file was added, and the chatter of
/// the reconfiguration that follows it.
const std::vector<std::string>& noise_lines();

/// The outcome of running one label's tests.
struct LabelRun {
  std::string label;
  std::optional<TestCounts> counts;  ///< nullopt: CTest found no tests or printed no summary
  std::string output;
  std::vector<std::string> timed_out = {};  ///< tests killed by their timeout
  bool passed() const { return counts && counts->all_passed(); }
  /// "3/12 passed", or why there are no counts.
  std::string describe() const;
};

/// Runs the tests labelled `label` (exactly; "" = every test) in `build_dir` with
/// --output-on-failure, one CTest job per core. `timeout_seconds` is passed as `ctest --timeout`,
/// which applies only to a build whose tests have no TIMEOUT of their own (test_timeout "none").
LabelRun run_label(const fs::path& build_dir, const std::string& label, Output output,
                   const std::vector<std::pair<std::string, std::string>>& env = {},
                   std::optional<int> timeout_seconds = std::nullopt);

/// A per-label summary table ("  w1d1   3/12 passed"), then the tests that timed out, by name,
/// and whether every label passed.
std::string summarize(const std::vector<LabelRun>& runs);
bool all_passed(const std::vector<LabelRun>& runs);

/// Extra environment for test runs of a sanitizer build (stack traces, stop at the first error).
std::vector<std::pair<std::string, std::string>> sanitizer_env(std::string_view sanitize);

}  // namespace xtask
