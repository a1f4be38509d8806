#include "build.hpp"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <regex>
#include <thread>

#include "fsutil.hpp"
#include "text.hpp"

namespace xtask {
namespace {

bool is_off(std::string_view value) {
  return value.empty() || value == "OFF" || value == "FALSE" || value == "NO" || value == "0";
}

/// CTest output without ANSI colour codes (CLICOLOR_FORCE may be set in the environment).
std::string strip_colors(std::string_view text) {
  static const std::regex kEscape("\x1b\\[[0-9;]*m");
  return std::regex_replace(std::string(text), kEscape, "");
}

}  // namespace

std::string quick_compiler() {
  return find_program("clang++") ? "clang++" : "";
}

EngineBuild checkpoint_build(const fs::path& work_dir, const fs::path& tests) {
  return {.build_dir = work_dir / "build",
          .tree = work_dir / "tree",
          .tests = tests,
          .build_type = kUnattendedBuildType,
          .cxx_compiler = quick_compiler(),
          .quick_rebuilds = true,
          .test_timeout = "none"};
}

fs::path fresh_test_temp_dir(const fs::path& build_dir) {
  const fs::path temp = build_dir.parent_path() / "tmp";
  fs::remove_all(temp);
  fs::create_directories(temp);
  return temp;
}

CMakeVariables engine_variables(const EngineBuild& build) {
  CMakeVariables variables = {
      {"MINI_LSM_TREE", fs::weakly_canonical(fs::absolute(build.tree)).string()},
      {"MINI_LSM_TESTS", fs::weakly_canonical(fs::absolute(build.tests)).string()},
      {"CMAKE_BUILD_TYPE", build.build_type},
      {"MINI_LSM_WERROR", build.werror ? "ON" : "OFF"},
      {"MINI_LSM_SANITIZE", build.sanitize},
      {"MINI_LSM_QUICK_REBUILDS", build.quick_rebuilds ? "ON" : "OFF"},
      {"MINI_LSM_FUZZ", build.fuzz ? "ON" : "OFF"},
  };
  if (!build.test_timeout.empty()) {
    variables.emplace_back("MINI_LSM_TEST_TIMEOUT", build.test_timeout);
  }
  if (!build.cxx_compiler.empty()) {
    auto compiler = find_program(build.cxx_compiler);
    variables.emplace_back("CMAKE_CXX_COMPILER",
                           compiler ? compiler->string() : build.cxx_compiler);
  }
  return variables;
}

std::map<std::string, std::string> parse_cmake_cache(std::string_view text) {
  std::map<std::string, std::string> cache;
  for (std::string_view line : split_lines(text)) {
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (line.empty() || line.starts_with("//") || line.starts_with("#")) {
      continue;
    }
    auto colon = line.find(':');
    auto equals = line.find('=');
    if (colon == std::string_view::npos || equals == std::string_view::npos || colon > equals) {
      continue;
    }
    cache[std::string(line.substr(0, colon))] = std::string(line.substr(equals + 1));
  }
  return cache;
}

bool cache_matches(const std::map<std::string, std::string>& cache, const CMakeVariables& wanted) {
  return std::all_of(wanted.begin(), wanted.end(), [&](const auto& variable) {
    auto it = cache.find(variable.first);
    std::string_view got = it == cache.end() ? std::string_view() : std::string_view(it->second);
    if (is_off(variable.second)) {
      return is_off(got);
    }
    return got == variable.second;
  });
}

bool compiler_changes(const std::map<std::string, std::string>& cache,
                      const CMakeVariables& wanted) {
  auto compiler = cache.find("CMAKE_CXX_COMPILER");
  return compiler != cache.end() &&
         std::any_of(wanted.begin(), wanted.end(), [&](const auto& variable) {
           return variable.first == "CMAKE_CXX_COMPILER" && variable.second != compiler->second;
         });
}

bool configure(const fs::path& source, const fs::path& build_dir, const CMakeVariables& variables,
               bool fresh) {
  fs::path cache_file = build_dir / "CMakeCache.txt";
  std::error_code ec;
  bool other_compiler = false;
  if (!fresh && fs::is_regular_file(cache_file, ec)) {
    auto cache = parse_cmake_cache(read_file(cache_file));
    if (cache_matches(cache, variables)) {
      return true;
    }
    other_compiler = compiler_changes(cache, variables);
  }
  if (fresh || other_compiler) {
    fs::remove(cache_file, ec);
  }
  if (other_compiler) {
    fs::remove_all(build_dir / "CMakeFiles", ec);  // where CMake remembers the compiler it found
  }
  std::vector<std::string> argv = {"cmake", "-S",   source.string(), "-B", build_dir.string(),
                                   "-G",    "Ninja"};
  for (const auto& [name, value] : variables) {
    argv.push_back("-D" + name + "=" + value);
  }
  std::cout << "configuring " << build_dir.string() << "\n";
  auto result = run({.argv = argv, .output = Output::capture});
  if (!result.ok()) {
    std::cout << result.output;
    std::cout << "error: cmake could not configure " << build_dir.string() << " (see above)\n";
  }
  return result.ok();
}

bool configure_engine(const fs::path& root, const EngineBuild& build, bool fresh) {
  return configure(root, build.build_dir, engine_variables(build), fresh);
}

Result build_targets(const fs::path& build_dir, const std::vector<std::string>& targets,
                     Output output) {
  std::vector<std::string> argv = {"cmake", "--build", build_dir.string()};
  if (!targets.empty()) {
    argv.emplace_back("--target");
    argv.insert(argv.end(), targets.begin(), targets.end());
  }
  return run({.argv = argv, .output = output, .drop_lines = noise_lines(), .status_lines = true});
}

const std::vector<std::string>& noise_lines() {
  static const std::vector<std::string> kNoise = {
      "Internal ctest changing into directory",
      "-- GLOB mismatch!",
      "-- Configuring done",
      "-- Generating done",
      "-- Build files have been written to",
  };
  return kNoise;
}

std::string test_target(std::string_view label) {
  return std::string(label) + "_tests";
}

std::optional<TestCounts> parse_ctest_summary(std::string_view output) {
  static const std::regex kSummary(R"((\d+)% tests passed, (\d+) tests? failed out of (\d+))");
  std::string text = strip_colors(output);
  std::smatch match;
  if (!std::regex_search(text, match, kSummary)) {
    return std::nullopt;
  }
  int failed = std::stoi(match[2].str());
  int total = std::stoi(match[3].str());
  if (failed > total) {
    return std::nullopt;
  }
  return TestCounts{total - failed, failed};
}

namespace {

// The test names that `line` (with the name as its first group) finds in CTest's output.
std::vector<std::string> test_names_matching(std::string_view output, const std::regex& line) {
  std::vector<std::string> names;
  std::string text = strip_colors(output);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), line); it != std::sregex_iterator();
       ++it) {
    names.push_back((*it)[1].str());
  }
  return names;
}

}  // namespace

std::map<std::string, int> label_test_counts(std::string_view output) {
  static const std::regex kLabel(R"((\S+)\s+=\s+[0-9.]+ sec\*proc \((\d+) tests?\))");
  std::map<std::string, int> counts;
  std::string text = strip_colors(output);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kLabel);
       it != std::sregex_iterator(); ++it) {
    counts[(*it)[1].str()] = std::stoi((*it)[2].str());
  }
  return counts;
}

std::vector<std::string> passed_test_names(std::string_view output) {
  static const std::regex kPassed(R"(Test +#\d+: (.*?) \.*\s+Passed)");
  return test_names_matching(output, kPassed);
}

std::vector<std::string> timed_out_test_names(std::string_view output) {
  static const std::regex kTimeout(R"(Test +#\d+: (.*?) ?\.*\s*\*\*\*Timeout)");
  return test_names_matching(output, kTimeout);
}

std::string LabelRun::describe() const {
  if (!counts) {
    return "no test results (see the output above)";
  }
  std::string text =
      std::to_string(counts->passed) + "/" + std::to_string(counts->total()) + " passed";
  if (!timed_out.empty()) {
    text += ", " + std::to_string(timed_out.size()) + " timed out";
  }
  return text;
}

LabelRun run_label(const fs::path& build_dir, const std::string& label, Output output,
                   const std::vector<std::pair<std::string, std::string>>& env,
                   std::optional<int> timeout_seconds) {
  unsigned jobs = std::max(2U, std::thread::hardware_concurrency());
  std::vector<std::string> argv = {
      "ctest", "--test-dir",        build_dir.string(), "--output-on-failure", "--no-tests=error",
      "-j",    std::to_string(jobs)};
  if (!label.empty()) {
    argv.insert(argv.end(), {"-L", "^" + label + "$"});
  }
  if (timeout_seconds) {
    argv.insert(argv.end(), {"--timeout", std::to_string(*timeout_seconds)});
  }
  auto result = run({.argv = argv, .output = output, .env = env, .drop_lines = noise_lines()});
  LabelRun label_run{label.empty() ? "all" : label, parse_ctest_summary(result.output),
                     std::move(result.output)};
  label_run.timed_out = timed_out_test_names(label_run.output);
  // A non-zero exit although no test failed (e.g. --no-tests=error, a crash in CTest itself) is
  // not a pass: drop the counts so passed() is false.
  if (label_run.counts && label_run.counts->failed == 0 && !result.ok()) {
    label_run.counts.reset();
  }
  return label_run;
}

std::string summarize(const std::vector<LabelRun>& runs) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::vector<std::string>> timeouts;
  for (const auto& run : runs) {
    rows.push_back({run.label, run.describe(), run.passed() ? "" : "FAILED"});
    for (const auto& name : run.timed_out) {
      timeouts.push_back({run.label, name});
    }
  }
  std::string text = format_table(rows);
  if (!timeouts.empty()) {
    text +=
        "timed out (stopped after the per-test timeout; most likely a hang, such as a thread "
        "that waits forever):\n" +
        format_table(timeouts);
  }
  return text;
}

bool all_passed(const std::vector<LabelRun>& runs) {
  return !runs.empty() &&
         std::all_of(runs.begin(), runs.end(), [](const LabelRun& run) { return run.passed(); });
}

std::vector<std::pair<std::string, std::string>> sanitizer_env(std::string_view sanitize) {
  std::vector<std::pair<std::string, std::string>> env;
  auto add_unless_set = [&](const char* name, const char* value) {
    if (std::getenv(name) == nullptr) {
      env.emplace_back(name, value);
    }
  };
  if (sanitize == "address") {
    add_unless_set("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1");
  }
  if (sanitize == "thread") {
    add_unless_set("TSAN_OPTIONS", "second_deadlock_stack=1");
  }
  return env;
}

}  // namespace xtask
