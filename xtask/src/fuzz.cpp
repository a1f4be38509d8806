#include "fuzz.hpp"

#include <algorithm>
#include <regex>
#include <vector>

#include "text.hpp"

namespace xtask {

FuzzRunStats parse_fuzz_stats(std::string_view output) {
  static const std::regex kRuns(R"(stat::number_of_executed_units:\s*(\d+))");
  static const std::regex kCoverage(R"(\scov: (\d+))");
  static const std::regex kCorpus(R"(\scorp: (\d+)/)");
  FuzzRunStats stats;
  for (std::string_view line : split_lines(output)) {
    const std::string text(line);
    std::smatch match;
    if (std::regex_search(text, match, kRuns)) {
      stats.runs = std::stoull(match[1].str());
    }
    if (std::regex_search(text, match, kCoverage)) {
      stats.coverage = std::stoull(match[1].str());
    }
    if (std::regex_search(text, match, kCorpus)) {
      stats.corpus = std::stoull(match[1].str());
    }
  }
  return stats;
}

std::optional<std::string> fuzz_finding_file(std::string_view output) {
  static const std::regex kWritten(R"(Test unit written to (\S+))");
  std::optional<std::string> file;
  for (std::string_view line : split_lines(output)) {
    const std::string text(line);
    std::smatch match;
    if (std::regex_search(text, match, kWritten)) {
      file = match[1].str();
    }
  }
  return file;
}

std::string fuzz_finding_report(std::string_view output, std::size_t max_lines) {
  static const std::regex kStart(
      R"(^==\d+== ?ERROR|^mini-lsm fuzz: broken property|^terminate called|runtime error:)");
  const std::vector<std::string_view> lines = split_lines(output);
  std::size_t begin = lines.size() > max_lines ? lines.size() - max_lines : 0;
  std::size_t end = lines.size();
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string text(lines[i]);
    if (std::regex_search(text, kStart)) {
      begin = i;
      end = std::min(lines.size(), i + max_lines);
      for (std::size_t j = i; j < end; ++j) {
        if (lines[j].find("Test unit written to") != std::string_view::npos) {
          end = j + 1;
          break;
        }
      }
      break;
    }
  }
  std::string report;
  for (std::size_t i = begin; i < end; ++i) {
    report += std::string(lines[i]) + "\n";
  }
  return report;
}

}  // namespace xtask
