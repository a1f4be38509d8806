#include "grade_ctest.hpp"

#include <regex>
#include <string>

#include "text.hpp"

namespace xtask {
namespace {

/// CTest's words for a test killed by a signal, and the signal's name.
struct SignalWords {
  std::string_view ctest;
  std::string_view signal;
};

constexpr SignalWords kSignals[] = {
    {"SegFault", "SIGSEGV"},
    {"Subprocess aborted", "SIGABRT"},
    {"Child aborted", "SIGABRT"},
    {"Numerical", "SIGFPE"},
    {"Illegal", "SIGILL"},
    {"Bus error", "SIGBUS"},
    {"Subprocess killed", "SIGKILL"},
    {"Subprocess terminated", "SIGTERM"},
    {"Interrupt", "SIGINT"},
};

void classify(TestOutcome& test, std::string_view status, int timeout_seconds) {
  if (status == "Passed") {
    test.status = TestStatus::passed;
  } else if (status.find("Timeout") != std::string_view::npos) {
    test.status = TestStatus::timed_out;
    test.reason = "timed out after " + std::to_string(timeout_seconds) + " s";
  } else if (status.find("Exception") != std::string_view::npos) {
    test.status = TestStatus::crashed;
    test.reason = "crashed (a signal)";
    for (const auto& words : kSignals) {
      if (status.find(words.ctest) != std::string_view::npos) {
        test.reason = "crashed (" + std::string(words.signal) + ")";
        break;
      }
    }
  } else if (status.find("Not Run") != std::string_view::npos) {
    test.status = TestStatus::not_run;
    test.reason = "not run (" + std::string(status) + ")";
  } else {
    test.status = TestStatus::failed;
    test.reason = "failed";
  }
}

/// Lines that end a test's output: another test's start or result, or CTest's summary.
bool ends_output(std::string_view line) {
  static const std::regex kBoundary(
      R"(^\s*(Start\s+\d+: |\d+/\d+ Test\s+#)|^\d+% tests passed|^The following tests)");
  return std::regex_search(line.begin(), line.end(), kBoundary);
}

std::string trimmed_output(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

}  // namespace

std::vector<TestOutcome> parse_ctest_results(std::string_view output, int timeout_seconds) {
  // The status never holds a dot, so the dots that pad the name cannot become part of it.
  static const std::regex kResult(
      R"(^\s*\d+/\d+ Test\s+#(\d+): (.+?) \.*\s*(Passed|\*\*\*.*?|[A-Za-z][A-Za-z ]*\*\*\*Exception:.*?)\s+([0-9.]+) sec\s*$)");
  std::vector<TestOutcome> tests;
  bool in_output = false;
  for (std::string_view line : split_lines(output)) {
    std::string text(line);
    if (!text.empty() && text.back() == '\r') {
      text.pop_back();
    }
    std::smatch match;
    if (std::regex_match(text, match, kResult)) {
      TestOutcome test{.name = match[2].str(),
                       .seconds = std::stod(match[4].str()),
                       .number = std::stoi(match[1].str())};
      classify(test, match[3].str(), timeout_seconds);
      // CTest's own kill at the time limit is sometimes reported as a SIGKILL instead of a
      // timeout (seen with CTest 3.25 under load); nothing else in a test run sends SIGKILL.
      if (test.reason == "crashed (SIGKILL)" && test.seconds + 1.0 >= timeout_seconds) {
        classify(test, "***Timeout", timeout_seconds);
      }
      tests.push_back(std::move(test));
      in_output = true;
      continue;
    }
    if (ends_output(text)) {
      in_output = false;
    } else if (in_output) {
      tests.back().details += text + "\n";
    }
  }
  for (auto& test : tests) {
    test.details = trimmed_output(std::move(test.details));
  }
  return tests;
}

}  // namespace xtask
