#include "repo.hpp"

#include <algorithm>
#include <iterator>

#include "error.hpp"
#include "fsutil.hpp"
#include "text.hpp"

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

std::vector<ListedChapter> parse_chapter_table(std::string_view readme) {
  std::vector<ListedChapter> rows;
  for (std::string_view line : split_lines(readme)) {
    if (!line.starts_with('|')) {
      continue;
    }
    std::vector<std::string> cells;
    for (std::string_view rest = line.substr(1); !rest.empty();) {
      auto bar = rest.find('|');
      std::string_view cell = rest.substr(0, bar);
      while (!cell.empty() && (cell.front() == ' ' || cell.front() == '\t')) {
        cell.remove_prefix(1);
      }
      while (!cell.empty() && (cell.back() == ' ' || cell.back() == '\t' || cell.back() == '\r')) {
        cell.remove_suffix(1);
      }
      cells.emplace_back(cell);
      rest = bar == std::string_view::npos ? std::string_view() : rest.substr(bar + 1);
    }
    if (!cells.empty() && cells.back().empty()) {
      cells.pop_back();  // after the closing `|`
    }
    auto chapter = cells.empty() ? std::nullopt : parse_chapter(cells[0]);
    if (!chapter || cells.size() < 3) {
      continue;
    }
    std::string title = cells[1];
    if (title.starts_with('[') && title.find("](") != std::string::npos) {
      title = title.substr(1, title.find("](") - 1);  // [Title](link) -> Title
    }
    std::string status = cells.size() >= 4 ? cells.back() : "";
    rows.push_back({*chapter, title, status});
  }
  return rows;
}

std::vector<Chapter> select_chapters(const std::vector<Chapter>& all, ChapterFilter filter,
                                     const std::vector<ListedChapter>& listed) {
  if (filter.day && !filter.week) {
    throw UsageError("--day needs --week");
  }
  auto matches = [&](Chapter chapter) {
    return (!filter.week || chapter.week == *filter.week) &&
           (!filter.day || chapter.day == *filter.day);
  };
  std::vector<Chapter> selected;
  std::copy_if(all.begin(), all.end(), std::back_inserter(selected), matches);
  if (!selected.empty()) {
    return selected;
  }
  std::string exist = "; chapters that exist: " + describe_chapters(all);
  if (filter.empty()) {
    throw UsageError("there is no chapter at all (no tests/weekW/dayD_*.cpp)");
  }
  std::vector<const ListedChapter*> coming;
  for (const auto& row : listed) {
    if (matches(row.chapter)) {
      coming.push_back(&row);
    }
  }
  if (filter.day && coming.size() == 1) {
    throw UsageError("chapter " + coming[0]->chapter.id() + " (" + coming[0]->title +
                     ") is coming: the README lists it, but it is not written yet" + exist);
  }
  if (!coming.empty()) {
    std::vector<Chapter> chapters;
    for (const auto* row : coming) {
      chapters.push_back(row->chapter);
    }
    throw UsageError("week " + std::to_string(*filter.week) + " is coming: the README lists " +
                     describe_chapters(chapters) + ", but they are not written yet" + exist);
  }
  std::string what =
      filter.day ? "chapter w" + std::to_string(*filter.week) + "d" + std::to_string(*filter.day)
                 : "week " + std::to_string(*filter.week);
  throw UsageError("there is no " + what + exist);
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

std::vector<ListedChapter> Repo::listed_chapters() const {
  std::error_code ec;
  if (!fs::is_regular_file(root_ / "README.md", ec)) {
    return {};
  }
  return parse_chapter_table(read_file(root_ / "README.md"));
}

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
