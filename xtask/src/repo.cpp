#include "repo.hpp"

#include <algorithm>

#include "error.hpp"
#include "fsutil.hpp"

namespace xtask {
namespace {

/// "week3" with prefix "week" -> 3; nullopt unless exactly one digit 1..9 follows ("week12" too).
std::optional<int> number_after(std::string_view text, std::string_view prefix) {
  if (!text.starts_with(prefix) || text.size() != prefix.size() + 1) {
    return std::nullopt;
  }
  char digit = text.back();
  if (digit < '1' || digit > '9') {
    return std::nullopt;
  }
  return digit - '0';
}

}  // namespace

std::optional<Chapter> chapter_of_test_file(const fs::path& relative) {
  auto parts = std::vector<fs::path>(relative.begin(), relative.end());
  if (parts.size() != 2 || parts[1].extension() != ".cpp") {
    return std::nullopt;
  }
  auto week = number_after(parts[0].string(), "week");
  std::string name = parts[1].stem().string();
  auto underscore = name.find('_');
  if (!week || underscore == std::string::npos || underscore + 1 == name.size()) {
    return std::nullopt;
  }
  auto day = number_after(name.substr(0, underscore), "day");
  if (!day) {
    return std::nullopt;
  }
  return Chapter{*week, *day};
}

std::vector<Chapter> discover_chapters(const fs::path& tests_dir) {
  std::vector<Chapter> chapters;
  for (const auto& file : list_files(tests_dir)) {
    if (auto chapter = chapter_of_test_file(file)) {
      chapters.push_back(*chapter);
    }
  }
  std::sort(chapters.begin(), chapters.end());
  chapters.erase(std::unique(chapters.begin(), chapters.end()), chapters.end());
  return chapters;
}

std::vector<fs::path> chapter_test_files(const fs::path& tests_dir, Chapter chapter) {
  std::vector<fs::path> files;
  for (const auto& file : list_files(tests_dir)) {
    if (chapter_of_test_file(file) == chapter) {
      files.push_back(file);
    }
  }
  return files;
}

bool has_provided_tests(const fs::path& tests_dir) {
  auto files = list_files(tests_dir / "provided");
  return std::any_of(files.begin(), files.end(),
                     [](const fs::path& file) { return file.extension() == ".cpp"; });
}

std::string describe_chapters(const std::vector<Chapter>& chapters) {
  if (chapters.empty()) {
    return "(none)";
  }
  std::string text;
  for (std::size_t i = 0; i < chapters.size();) {
    std::size_t j = i;
    while (j + 1 < chapters.size() && chapters[j + 1].week == chapters[i].week &&
           chapters[j + 1].day == chapters[j].day + 1) {
      ++j;
    }
    if (!text.empty()) {
      text += ", ";
    }
    text += chapters[i].id();
    if (j > i) {
      text += ".." + chapters[j].id();
    }
    i = j + 1;
  }
  return text;
}

std::vector<Chapter> select_chapters(const std::vector<Chapter>& all, ChapterFilter filter) {
  if (filter.day != 0 && filter.week == 0) {
    throw UsageError("--day needs --week");
  }
  std::vector<Chapter> selected;
  for (const auto& chapter : all) {
    bool week_ok = filter.week == 0 || chapter.week == filter.week;
    bool day_ok = filter.day == 0 || chapter.day == filter.day;
    if (week_ok && day_ok) {
      selected.push_back(chapter);
    }
  }
  if (selected.empty()) {
    std::string what = filter.day != 0 ? "chapter " + Chapter{filter.week, filter.day}.id()
                                       : "week " + std::to_string(filter.week);
    if (filter.empty()) {
      what = "chapter at all (no tests/weekW/dayD_*.cpp)";
    }
    throw UsageError("there is no " + what + "; chapters that exist: " + describe_chapters(all));
  }
  return selected;
}

std::optional<Chapter> parse_through(std::string_view text, const std::vector<Chapter>& all) {
  if (text == "none") {
    return std::nullopt;
  }
  auto chapter = parse_chapter(text);
  if (!chapter || std::find(all.begin(), all.end(), *chapter) == all.end()) {
    throw UsageError("--through must be none or a chapter that exists, not '" + std::string(text) +
                     "'; chapters that exist: " + describe_chapters(all));
  }
  return chapter;
}

std::string checkpoint_name(std::optional<Chapter> through) {
  return through ? through->id() : "none";
}

Repo::Repo(const fs::path& root) : root_(fs::weakly_canonical(fs::absolute(root))) {}

fs::path Repo::resolve_tree(std::string_view spec) const {
  fs::path tree = spec == "reference" ? reference()
                  : spec == "starter" ? starter()
                                      : fs::weakly_canonical(fs::absolute(spec));
  std::error_code ec;
  if (!fs::is_directory(tree / "include", ec) || !fs::is_directory(tree / "src", ec)) {
    if (tree == starter()) {
      throw UsageError("starter/ has not been generated yet: run ./x sync");
    }
    throw UsageError(display(tree) + " is not an engine tree (it needs include/ and src/)");
  }
  return tree;
}

std::string Repo::display(const fs::path& path) const {
  if (!is_within(path, root_)) {
    return path.string();
  }
  auto relative = fs::weakly_canonical(fs::absolute(path)).lexically_relative(root_);
  if (relative == ".") {
    return "./";
  }
  std::error_code ec;
  return relative.string() + (fs::is_directory(path, ec) ? "/" : "");
}

std::string Repo::tree_flag(const fs::path& tree) const {
  if (fs::weakly_canonical(tree) == starter()) {
    return "";
  }
  std::string shown = display(tree);
  if (shown.size() > 1 && shown.back() == '/') {
    shown.pop_back();
  }
  return " --tree " + shown;
}

}  // namespace xtask
