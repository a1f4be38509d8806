#include "grade_report.hpp"

#include <algorithm>
#include <cstdio>
#include <numeric>

#include "text.hpp"

namespace xtask {
namespace {

// How much of a test's output a report keeps: enough for the assertion that failed.
constexpr std::size_t kOutputLines = 20;

bool is_continuation(unsigned char byte) {
  return (byte & 0xC0) == 0x80;
}

/// The length of the valid UTF-8 sequence at the start of `text`, or 0 when it is not one.
std::size_t utf8_sequence_length(std::string_view text) {
  auto lead = static_cast<unsigned char>(text[0]);
  std::size_t length = lead < 0x80           ? 1
                       : (lead >> 5) == 0x6  ? 2
                       : (lead >> 4) == 0xE  ? 3
                       : (lead >> 3) == 0x1E ? 4
                                             : 0;
  if (length == 0 || length > text.size()) {
    return 0;
  }
  for (std::size_t i = 1; i < length; ++i) {
    if (!is_continuation(static_cast<unsigned char>(text[i]))) {
      return 0;
    }
  }
  return length;
}

std::string tests_element_counts(const TestGroup& group) {
  int failures = 0;
  int errors = 0;
  for (const auto& test : group.tests) {
    failures += test.status == TestStatus::failed ? 1 : 0;
    errors += test.status != TestStatus::failed && test.status != TestStatus::passed ? 1 : 0;
  }
  return " tests=\"" + std::to_string(group.total()) + "\" failures=\"" + std::to_string(failures) +
         "\" errors=\"" + std::to_string(errors) + "\"";
}

std::string seconds_text(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", seconds);
  return text;
}

void append_suite(std::string& xml, const TestGroup& group, std::string_view kind) {
  double seconds =
      std::accumulate(group.tests.begin(), group.tests.end(), 0.0,
                      [](double sum, const TestOutcome& t) { return sum + t.seconds; });
  xml += "  <testsuite name=\"" + xml_escape(group.name) + "\"" + tests_element_counts(group) +
         " time=\"" + seconds_text(seconds) + "\">\n";
  for (const auto& test : group.tests) {
    xml += "    <testcase classname=\"" + xml_escape(std::string(kind) + "." + group.name) +
           "\" name=\"" + xml_escape(test.name) + "\" time=\"" + seconds_text(test.seconds) + "\"";
    if (test.status == TestStatus::passed) {
      xml += "/>\n";
      continue;
    }
    std::string element = test.status == TestStatus::failed ? "failure" : "error";
    xml += ">\n      <" + element + " message=\"" + xml_escape(test.reason) + "\">" +
           xml_escape(test.details) + "</" + element + ">\n    </testcase>\n";
  }
  xml += "  </testsuite>\n";
}

void append_problems(std::string& text, const std::vector<TestGroup>& groups) {
  for (const auto& group : groups) {
    for (const auto& test : group.tests) {
      if (test.status == TestStatus::passed) {
        continue;
      }
      text += "- " + group.name + " `" + test.name + "`: " + test.reason + "\n";
      if (!test.details.empty()) {
        text += "\n  ```\n";
        const std::string shown = first_lines(test.details, kOutputLines);
        for (std::string_view line : split_lines(shown)) {
          text += "  " + std::string(line) + "\n";
        }
        text += "  ```\n\n";
      }
    }
  }
}

}  // namespace

int TestGroup::passed() const {
  return static_cast<int>(std::count_if(tests.begin(), tests.end(), [](const TestOutcome& test) {
    return test.status == TestStatus::passed;
  }));
}

double TestGroup::score() const {
  return tests.empty() ? 0.0 : static_cast<double>(passed()) / total();
}

double TreeGrade::total_score() const {
  if (chapters.empty()) {
    return 0.0;
  }
  double sum = 0;
  for (const auto& chapter : chapters) {
    sum += chapter.score();
  }
  return sum / static_cast<double>(chapters.size());
}

std::string percent(double score) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", score * 100.0);
  return text;
}

std::string markdown_table(const std::vector<TestGroup>& groups, double total_score,
                           std::string_view first_column) {
  std::string text =
      "| " + std::string(first_column) + " | passed | total | score |\n|---|---:|---:|---:|\n";
  int passed = 0;
  int total = 0;
  for (const auto& group : groups) {
    text += "| " + group.name + " | " + std::to_string(group.passed()) + " | " +
            std::to_string(group.total()) + " | " + percent(group.score()) + "% |\n";
    passed += group.passed();
    total += group.total();
  }
  text += "| **total** | " + std::to_string(passed) + " | " + std::to_string(total) + " | **" +
          percent(total_score) + "%** |\n";
  return text;
}

std::string markdown_report(const TreeGrade& grade) {
  std::string text = "# Grade of " + grade.tree + "\n\n";
  text += "Official tests of tests/. A chapter's score is passed / total; the total is the mean " +
          std::string("of the chapters' scores (each chapter weighs the same).\n\n");
  text += markdown_table(grade.chapters, grade.total_score());
  if (!grade.extra.empty()) {
    double sum = 0;
    for (const auto& group : grade.extra) {
      sum += group.score();
    }
    text += "\n## Extra tests (not part of the official score)\n\n" +
            markdown_table(grade.extra, sum / static_cast<double>(grade.extra.size()), "file");
  }
  text += "\nEach test ran with a limit of " + std::to_string(grade.timeout_seconds) + " s, " +
          (grade.network_isolated ? "without network (a network namespace of its own)."
                                  : "WITH network: unshare could not make a network namespace.") +
          "\n";
  bool all_passed = std::all_of(grade.chapters.begin(), grade.chapters.end(),
                                [](const TestGroup& g) { return g.passed() == g.total(); }) &&
                    std::all_of(grade.extra.begin(), grade.extra.end(),
                                [](const TestGroup& g) { return g.passed() == g.total(); });
  if (grade.notes.empty() && grade.build_errors.empty() && all_passed) {
    return text;
  }
  text += "\n## Problems\n\n";
  for (const auto& note : grade.notes) {
    text += "- " + note + "\n";
  }
  if (!grade.build_errors.empty()) {
    text +=
        "\nCompiler errors that remained:\n\n```\n" + join(grade.build_errors, "\n") + "\n```\n";
  }
  text += grade.notes.empty() && grade.build_errors.empty() ? "" : "\n";
  append_problems(text, grade.chapters);
  append_problems(text, grade.extra);
  return text;
}

std::string valid_utf8(std::string_view text) {
  std::string result;
  result.reserve(text.size());
  while (!text.empty()) {
    std::size_t length = utf8_sequence_length(text);
    if (length == 0) {
      result += "\xEF\xBF\xBD";  // U+FFFD, the replacement character
      text.remove_prefix(1);
      continue;
    }
    result.append(text.substr(0, length));
    text.remove_prefix(length);
  }
  return result;
}

std::string xml_escape(std::string_view text) {
  std::string result;
  for (char c : valid_utf8(text)) {
    switch (c) {
      case '&':
        result += "&amp;";
        break;
      case '<':
        result += "&lt;";
        break;
      case '>':
        result += "&gt;";
        break;
      case '"':
        result += "&quot;";
        break;
      case '\'':
        result += "&apos;";
        break;
      default:
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n' || c == '\r') {
          result += c;
        }
    }
  }
  return result;
}

std::string junit_xml(const TreeGrade& grade) {
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"" +
                    xml_escape(grade.tree) + "\">\n";
  for (const auto& group : grade.chapters) {
    append_suite(xml, group, "official");
  }
  for (const auto& group : grade.extra) {
    append_suite(xml, group, "extra");
  }
  return xml + "</testsuites>\n";
}

std::string csv_field(std::string_view text) {
  bool quote = text.find_first_of(",\"\n\r") != std::string_view::npos ||
               (!text.empty() && (text.front() == ' ' || text.back() == ' '));
  if (!quote) {
    return std::string(text);
  }
  std::string result = "\"";
  for (char c : text) {
    result += c;
    if (c == '"') {
      result += '"';
    }
  }
  return result + "\"";
}

std::string grades_csv(const std::vector<TreeGrade>& grades) {
  std::vector<std::string> header = {"tree"};
  if (!grades.empty()) {
    for (const auto& group : grades.front().chapters) {
      header.push_back(group.name);
    }
    header.emplace_back("total");
    for (const auto& group : grades.front().extra) {
      header.push_back("extra:" + group.name);
    }
  }
  auto row_text = [](const std::vector<std::string>& fields) {
    std::vector<std::string> quoted;
    for (const auto& field : fields) {
      quoted.push_back(csv_field(field));
    }
    return join(quoted, ",") + "\n";
  };
  std::string csv = row_text(header);
  for (const auto& grade : grades) {
    std::vector<std::string> row = {grade.tree};
    for (const auto& group : grade.chapters) {
      row.push_back(percent(group.score()));
    }
    row.push_back(percent(grade.total_score()));
    for (const auto& group : grade.extra) {
      row.push_back(percent(group.score()));
    }
    csv += row_text(row);
  }
  return csv;
}

std::string first_lines(std::string_view text, std::size_t max_lines) {
  auto lines = split_lines(text);
  std::string result;
  for (std::size_t i = 0; i < lines.size() && i < max_lines; ++i) {
    result.append(lines[i]);
    result += '\n';
  }
  if (lines.size() > max_lines) {
    result += "... (" + std::to_string(lines.size() - max_lines) + " more lines)\n";
  }
  return result;
}

}  // namespace xtask
