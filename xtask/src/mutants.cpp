#include "mutants.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "grade_ctest.hpp"
#include "text.hpp"

namespace xtask {

namespace {

[[noreturn]] void fail(std::string_view file_name, std::size_t line, const std::string& what) {
  throw std::runtime_error(std::string(file_name) + ":" + std::to_string(line) + ": " + what);
}

// "w1d1 freeze-at-greater: freezes at > ..." -> the three parts, or a message.
Mutant parse_header(std::string_view rest, std::string_view file_name, std::size_t line) {
  const std::size_t space = rest.find(' ');
  const std::size_t colon = rest.find(": ");
  if (space == std::string_view::npos || colon == std::string_view::npos || colon < space) {
    fail(file_name, line, "expected `mutant <chapter> <name>: <description>`");
  }
  Mutant mutant;
  const auto chapter = parse_chapter(rest.substr(0, space));
  if (!chapter) {
    fail(file_name, line, "bad chapter `" + std::string(rest.substr(0, space)) + "`");
  }
  mutant.chapter = *chapter;
  mutant.name = std::string(rest.substr(space + 1, colon - space - 1));
  mutant.description = std::string(rest.substr(colon + 2));
  if (mutant.name.empty() || mutant.name.find(' ') != std::string::npos) {
    fail(file_name, line, "a mutant's name is one word");
  }
  if (mutant.description.empty()) {
    fail(file_name, line, "a mutant needs a description after the colon");
  }
  return mutant;
}

void finish(std::optional<Mutant>& current, std::vector<Mutant>& mutants,
            std::string_view file_name, std::size_t line) {
  if (!current) {
    return;
  }
  if (current->file.empty()) {
    fail(file_name, line, "mutant `" + current->name + "` has no `file` line");
  }
  if (current->find.empty()) {
    fail(file_name, line, "mutant `" + current->name + "` has no `-` line to find");
  }
  if (current->find == current->replace) {
    fail(file_name, line, "mutant `" + current->name + "` changes nothing");
  }
  for (const Mutant& other : mutants) {
    if (other.chapter == current->chapter && other.name == current->name) {
      fail(file_name, line,
           "two mutants of " + current->chapter.id() + " are named `" + current->name + "`");
    }
  }
  mutants.push_back(std::move(*current));
  current.reset();
}

}  // namespace

std::vector<Mutant> parse_mutants(std::string_view text, std::string_view file_name) {
  std::vector<Mutant> mutants;
  std::optional<Mutant> current;
  std::size_t number = 0;
  for (std::string_view line : split_lines(text)) {
    ++number;
    if (line.empty()) {
      finish(current, mutants, file_name, number);
    } else if (line.starts_with('#')) {
      continue;
    } else if (line.starts_with("mutant ")) {
      finish(current, mutants, file_name, number);
      current = parse_header(line.substr(7), file_name, number);
      current->origin = std::string(file_name) + ":" + std::to_string(number);
    } else if (!current) {
      fail(file_name, number, "expected `mutant <chapter> <name>: <description>`");
    } else if (line.starts_with("file ")) {
      if (!current->file.empty() || !current->find.empty()) {
        fail(file_name, number, "`file` comes once, right after the `mutant` line");
      }
      current->file = std::string(line.substr(5));
    } else if (line.starts_with('-') || line.starts_with('+')) {
      if (current->file.empty()) {
        fail(file_name, number, "a `file` line must come before the lines to change");
      }
      if (line.starts_with('-') && !current->replace.empty()) {
        fail(file_name, number, "every `-` line comes before the `+` lines");
      }
      std::string& target = line.starts_with('-') ? current->find : current->replace;
      target.append(line.substr(1));
      target.push_back('\n');
    } else {
      fail(file_name, number, "expected `file`, a `-` line, a `+` line or a blank line");
    }
  }
  finish(current, mutants, file_name, number);
  return mutants;
}

std::size_t count_occurrences(std::string_view haystack, std::string_view needle) {
  std::size_t count = 0;
  for (std::size_t at = haystack.find(needle); at != std::string_view::npos;
       at = haystack.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

std::string apply_mutant(const Mutant& mutant, std::string_view content) {
  // Whole lines only: search "\n<find>" in "\n<content>" so a match starts at a line start.
  const std::string padded = "\n" + std::string(content);
  const std::string needle = "\n" + mutant.find;
  const std::size_t found = count_occurrences(padded, needle);
  if (found != 1) {
    throw std::runtime_error(mutant.origin + ": the `-` lines of mutant `" + mutant.name +
                             "` occur " + std::to_string(found) + " times in " +
                             mutant.file.string() + " at checkpoint " + mutant.chapter.id() +
                             " (they must occur exactly once)");
  }
  const std::size_t at = padded.find(needle);
  std::string result = padded.substr(1, at) + mutant.replace;
  result += padded.substr(at + needle.size());
  return result;
}

double slowest_passed_test_seconds(std::string_view ctest_output) {
  double slowest = 0;
  for (const TestOutcome& test : parse_ctest_results(ctest_output, 0)) {
    if (test.status == TestStatus::passed) {
      slowest = std::max(slowest, test.seconds);
    }
  }
  return slowest;
}

MutantTestPlan plan_mutant_tests(std::string_view ctest_output, const MutantTestLimits& limits) {
  MutantTestPlan plan;
  double slowest_quick = 0;
  double slowest_slow = 0;
  for (const TestOutcome& test : parse_ctest_results(ctest_output, 0)) {
    const bool quick = test.seconds <= limits.quick_seconds;
    (quick ? plan.quick : plan.slow).push_back(test.number);
    double& slowest = quick ? slowest_quick : slowest_slow;
    slowest = std::max(slowest, test.seconds);
  }
  plan.quick_timeout_seconds =
      mutant_test_timeout(slowest_quick, limits.floor_seconds, limits.ceiling_seconds);
  plan.slow_timeout_seconds =
      mutant_test_timeout(slowest_slow, limits.floor_seconds, limits.ceiling_seconds);
  return plan;
}

std::string ctest_numbers_argument(const std::vector<int>& numbers) {
  // Start, end and stride 0 select nothing by range, so only the listed numbers run.
  std::string argument = "0,0,0";
  for (const int number : numbers) {
    argument += "," + std::to_string(number);
  }
  return argument;
}

int mutant_test_timeout(double slowest_seconds, int floor_seconds, int ceiling_seconds) {
  const double scaled = std::ceil(4 * slowest_seconds);
  return static_cast<int>(
      std::clamp(scaled, static_cast<double>(floor_seconds), static_cast<double>(ceiling_seconds)));
}

}  // namespace xtask
