#include "status_record.hpp"

#include <algorithm>
#include <charconv>
#include <regex>
#include <system_error>

#include "fsutil.hpp"
#include "text.hpp"

namespace xtask {
namespace {

// The first line a reader accepts. A new layout gets a new number, and an older ./x then reads
// the file as "no results" instead of misreading it.
constexpr std::string_view kVersionLine = "mini-lsm-scheck-results 1";

// The last line: a record without it was cut short.
constexpr std::string_view kEndLine = "end";

constexpr std::string_view kComment =
    "# What the last ./x scheck of this tree found; ./x status reads it. Rewritten by every "
    "./x scheck.\n";

std::string_view format_name(FormatResult format) {
  switch (format) {
    case FormatResult::clean:
      return "clean";
    case FormatResult::unformatted:
      return "unformatted";
    case FormatResult::skipped:
      break;
  }
  return "skipped";
}

std::optional<FormatResult> parse_format(std::string_view name) {
  for (auto format : {FormatResult::clean, FormatResult::unformatted, FormatResult::skipped}) {
    if (format_name(format) == name) {
      return format;
    }
  }
  return std::nullopt;
}

/// The whole of `text` as a number, or nullopt ("12x", "", "-" are not numbers).
template <typename Number>
std::optional<Number> parse_number(std::string_view text) {
  Number value{};
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) {
    return std::nullopt;
  }
  return value;
}

/// `line` cut at its first space: {"label", "w1d1 3 12"}.
std::pair<std::string_view, std::string_view> split_key(std::string_view line) {
  auto space = line.find(' ');
  if (space == std::string_view::npos) {
    return {line, {}};
  }
  return {line.substr(0, space), line.substr(space + 1)};
}

bool is_label(std::string_view label) {
  return label == "provided" || parse_chapter(label).has_value();
}

/// "w1d1 9 12" (passed, total) or "w1d1 -" (no counts).
std::optional<RecordedLabel> parse_label(std::string_view value) {
  auto [label, rest] = split_key(value);
  if (!is_label(label)) {
    return std::nullopt;
  }
  RecordedLabel recorded{.label = std::string(label), .counts = std::nullopt};
  if (rest == "-") {
    return recorded;
  }
  auto [passed_text, total_text] = split_key(rest);
  auto passed = parse_number<int>(passed_text);
  auto total = parse_number<int>(total_text);
  if (!passed || !total || *passed < 0 || *passed > *total) {
    return std::nullopt;
  }
  recorded.counts = TestCounts{*passed, *total - *passed};
  return recorded;
}

/// Applies one `key value` line to `record`; false when the line makes no sense.
bool apply_line(ScheckRecord& record, std::string_view key, std::string_view value) {
  if (key == "tree") {
    record.tree = fs::path(value);
    return !value.empty();
  }
  if (key == "started") {
    auto ticks = parse_number<fs::file_time_type::rep>(value);
    record.started = fs::file_time_type(fs::file_time_type::duration(ticks.value_or(0)));
    return ticks.has_value();
  }
  if (key == "build") {
    record.build_ok = value == "ok";
    return value == "ok" || value == "failed";
  }
  if (key == "format") {
    auto format = parse_format(value);
    record.format = format.value_or(FormatResult::skipped);
    return format.has_value();
  }
  if (key == "format-fix") {
    record.format_fix = std::string(value);
    return true;
  }
  if (key == "copied") {
    auto chapter = parse_chapter(value);
    if (chapter) {
      record.copied.push_back(*chapter);
    }
    return chapter.has_value();
  }
  if (key == "label") {
    auto label = parse_label(value);
    if (label) {
      record.labels.push_back(std::move(*label));
    }
    return label.has_value();
  }
  if (key == "failing") {
    // Belongs to the label line just before it.
    auto [label, name] = split_key(value);
    if (record.labels.empty() || record.labels.back().label != label || name.empty()) {
      return false;
    }
    record.labels.back().failing.emplace_back(name);
    return true;
  }
  return false;
}

/// A test name on one line of the file: a line break in it would end the line early.
std::string one_line(std::string_view text) {
  std::string line(text);
  std::replace(line.begin(), line.end(), '\n', ' ');
  std::replace(line.begin(), line.end(), '\r', ' ');
  return line;
}

}  // namespace

const RecordedLabel* ScheckRecord::find(std::string_view label) const {
  auto it = std::find_if(labels.begin(), labels.end(),
                         [&](const RecordedLabel& recorded) { return recorded.label == label; });
  return it == labels.end() ? nullptr : &*it;
}

fs::path scheck_build_dir(const Repo& repo, const fs::path& tree) {
  return repo.build_dir("scheck-" + tree.filename().string());
}

fs::path record_file(const fs::path& build_dir) {
  return build_dir / "scheck-results.txt";
}

std::string serialize_record(const ScheckRecord& record) {
  std::string text = std::string(kComment) + std::string(kVersionLine) + "\n";
  text += "tree " + one_line(record.tree.string()) + "\n";
  text += "started " + std::to_string(record.started.time_since_epoch().count()) + "\n";
  text += std::string("build ") + (record.build_ok ? "ok" : "failed") + "\n";
  text += "format " + std::string(format_name(record.format)) + "\n";
  if (!record.format_fix.empty()) {
    text += "format-fix " + one_line(record.format_fix) + "\n";
  }
  for (const auto& chapter : record.copied) {
    text += "copied " + chapter.id() + "\n";
  }
  for (const auto& label : record.labels) {
    text += "label " + label.label + " ";
    text += label.counts
                ? std::to_string(label.counts->passed) + " " + std::to_string(label.counts->total())
                : "-";
    text += "\n";
    for (const auto& name : label.failing) {
      text += "failing " + label.label + " " + one_line(name) + "\n";
    }
  }
  return text + std::string(kEndLine) + "\n";
}

std::optional<ScheckRecord> parse_record(std::string_view text) {
  ScheckRecord record;
  bool versioned = false;
  bool ended = false;
  bool has_tree = false;
  bool has_started = false;
  bool has_build = false;
  for (std::string_view line : split_lines(text)) {
    if (line.empty() || line.starts_with('#')) {
      continue;
    }
    if (ended) {
      return std::nullopt;  // nothing follows the end
    }
    if (!versioned) {
      if (line != kVersionLine) {
        return std::nullopt;  // another version, or not a record at all
      }
      versioned = true;
      continue;
    }
    if (line == kEndLine) {
      ended = true;
      continue;
    }
    auto [key, value] = split_key(line);
    if (!apply_line(record, key, value)) {
      return std::nullopt;
    }
    has_tree = has_tree || key == "tree";
    has_started = has_started || key == "started";
    has_build = has_build || key == "build";
  }
  if (!ended || !has_tree || !has_started || !has_build) {
    return std::nullopt;
  }
  return record;
}

std::optional<ScheckRecord> read_record(const fs::path& file) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    return std::nullopt;
  }
  try {
    return parse_record(read_file(file));
  } catch (const std::exception&) {
    return std::nullopt;  // unreadable: as good as absent
  }
}

void write_record(const fs::path& file, const ScheckRecord& record) {
  fs::path temporary = file;
  temporary += ".tmp";
  fs::remove(temporary);
  write_if_changed(temporary, serialize_record(record));
  fs::rename(temporary, file);
}

std::vector<std::string> failed_test_names(std::string_view ctest_output) {
  // "  2/12 Test  #2: memtable get ........***Failed    0.01 sec" (also ***Timeout,
  // ***Exception: SegFault, ***Not Run): the name, then dots, then three stars.
  static const std::regex kNotPassed(R"(Test +#\d+: (.*?) ?\.*\s*\*\*\*)");
  static const std::regex kColour("\x1b\\[[0-9;]*m");
  std::string text = std::regex_replace(std::string(ctest_output), kColour, "");
  std::vector<std::string> names;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kNotPassed);
       it != std::sregex_iterator(); ++it) {
    names.push_back((*it)[1].str());
  }
  return names;
}

RecordedLabel record_label(const LabelRun& run) {
  return {.label = run.label, .counts = run.counts, .failing = failed_test_names(run.output)};
}

}  // namespace xtask
