#include "crash_test.hpp"

#include <cstdio>
#include <regex>

#include "text.hpp"

namespace xtask {
namespace {

std::string numbered(const char* prefix, std::uint64_t index) {
  char text[48];
  std::snprintf(text, sizeof text, "%s_%06llu", prefix, static_cast<unsigned long long>(index));
  return text;
}

// Whether `key` is crash_key(i) for some i < prefix.
bool is_in_prefix(const std::string& key, std::uint64_t prefix) {
  static const std::regex kKey(R"(^key_([0-9]{6,})$)");
  std::smatch match;
  if (!std::regex_match(key, match, kKey)) {
    return false;
  }
  const std::uint64_t index = std::stoull(match[1].str());
  return index < prefix && key == numbered("key", index);
}

}  // namespace

std::string crash_key(std::uint64_t index) {
  return numbered("key", index);
}

std::string crash_value(std::uint64_t index) {
  return numbered("value", index);
}

std::optional<std::map<std::string, std::string>> parse_scan_output(std::string_view output) {
  static const std::regex kCount(R"(^([0-9]+) keys$)");
  std::map<std::string, std::string> entries;
  for (std::string_view text : split_lines(output)) {
    std::string line(text);
    std::smatch count;
    if (std::regex_match(line, count, kCount)) {
      if (std::stoull(count[1].str()) != entries.size()) {
        return std::nullopt;
      }
      return entries;
    }
    if (line.starts_with("recovered: ")) {
      continue;
    }
    const std::size_t equals = line.find('=');
    if (equals == std::string::npos) {
      return std::nullopt;  // an error line, or something no scan prints
    }
    entries[line.substr(0, equals)] = line.substr(equals + 1);
  }
  return std::nullopt;
}

RoundVerdict check_recovered(const std::map<std::string, std::string>& found, std::uint64_t sent,
                             std::uint64_t must_survive) {
  RoundVerdict verdict;
  // The longest prefix 0..n-1 of the history that is there with the right values.
  std::uint64_t prefix = 0;
  while (prefix < sent) {
    const auto entry = found.find(crash_key(prefix));
    if (entry == found.end() || entry->second != crash_value(prefix)) {
      break;
    }
    ++prefix;
  }
  verdict.present = prefix;
  if (prefix < must_survive) {
    verdict.lost = must_survive - prefix;
    const auto entry = found.find(crash_key(prefix));
    verdict.problems.push_back(
        "lost: " + crash_key(prefix) +
        (entry == found.end() ? " is missing" : " has the value " + entry->second) + ", and " +
        std::to_string(must_survive) + " writes were promised durable (" + std::to_string(prefix) +
        " found in order)");
  }
  // Anything else found breaks the prefix: a write the history never made, a value that differs,
  // or a later write present while an earlier one is missing.
  for (const auto& [key, value] : found) {
    if (found.size() == prefix) {
      break;  // every key found is one of the prefix
    }
    if (is_in_prefix(key, prefix)) {
      continue;
    }
    verdict.problems.push_back("unexpected: " + key + "=" + value + " is there although " +
                               (prefix < sent
                                    ? crash_key(prefix) + " is not (not a prefix of the history)"
                                    : "the history has no such write"));
  }
  return verdict;
}

std::optional<std::string> missing_chapter(std::string_view message) {
  static const std::regex kTodo(R"(TODO\((w[1-9]d[1-9])\))");
  std::string text(message);
  std::smatch match;
  if (std::regex_search(text, match, kTodo)) {
    return match[1].str();
  }
  return std::nullopt;
}

}  // namespace xtask
