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

std::string batch_slot_key(int slot) {
  return "slot_" + std::to_string(slot);
}

std::string batch_command(std::uint64_t generation) {
  const std::string marker = crash_value(generation);
  std::string command = "batch put " + crash_key(generation) + " " + marker;
  for (int slot = 0; slot < kBatchSlots; ++slot) {
    command += " put " + batch_slot_key(slot) + " " + marker;
  }
  return command;
}

RoundVerdict check_recovered_batches(const std::map<std::string, std::string>& found,
                                     std::uint64_t sent, std::uint64_t must_survive) {
  std::map<std::string, std::string> batch_keys = found;
  std::map<std::string, std::string> slots;
  for (int slot = 0; slot < kBatchSlots; ++slot) {
    if (const auto entry = batch_keys.find(batch_slot_key(slot)); entry != batch_keys.end()) {
      slots.insert(*entry);
      batch_keys.erase(entry);
    }
  }
  RoundVerdict verdict = check_recovered(batch_keys, sent, must_survive);
  // Every slot holds the marker of the newest batch found: the batches are whole.
  const std::optional<std::string> marker =
      verdict.present == 0 ? std::nullopt : std::optional(crash_value(verdict.present - 1));
  for (int slot = 0; slot < kBatchSlots; ++slot) {
    const std::string key = batch_slot_key(slot);
    const auto entry = slots.find(key);
    const std::optional<std::string> value =
        entry == slots.end() ? std::nullopt : std::optional(entry->second);
    if (value == marker) {
      continue;
    }
    const auto describe = [](const std::optional<std::string>& text) {
      return text ? "has " + *text : std::string("is missing");
    };
    verdict.problems.push_back("torn batch: " + key + " " + describe(value) + ", but " +
                               (marker
                                    ? "batch " + std::to_string(verdict.present - 1) +
                                          " is the newest found, so it should have " + *marker
                                    : std::string("no batch was found, so it should be missing")));
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
