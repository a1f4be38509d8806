#include "book.hpp"

#include <algorithm>
#include <stdexcept>

#include "book_snippets.hpp"
#include "fsutil.hpp"
#include "text.hpp"

namespace xtask {
namespace {

/// "day3-blocks" -> 3 (a single digit 1..9, a dash, a non-empty slug), else nullopt.
std::optional<int> day_of_page_dir(std::string_view name) {
  if (name.size() < 6 || !name.starts_with("day") || name[4] != '-') {
    return std::nullopt;
  }
  if (name[3] < '1' || name[3] > '9') {
    return std::nullopt;
  }
  return name[3] - '0';
}

bool is_image(const fs::path& file) {
  static const std::vector<std::string> kImages = {".svg", ".png", ".jpg", ".jpeg", ".gif"};
  return std::find(kImages.begin(), kImages.end(), file.extension().string()) != kImages.end();
}

}  // namespace

std::vector<ChapterPage> discover_chapter_pages(const fs::path& root) {
  std::vector<ChapterPage> pages;
  std::error_code ec;
  for (int week = 1; week <= 9; ++week) {
    fs::path week_dir = "week" + std::to_string(week);
    if (!fs::is_directory(root / week_dir, ec)) {
      continue;
    }
    for (const auto& entry : fs::directory_iterator(root / week_dir)) {
      auto day = day_of_page_dir(entry.path().filename().string());
      if (day && fs::is_regular_file(entry.path() / "README.md", ec)) {
        pages.push_back({Chapter{week, *day}, week_dir / entry.path().filename()});
      }
    }
  }
  std::sort(pages.begin(), pages.end(),
            [](const ChapterPage& a, const ChapterPage& b) { return a.chapter < b.chapter; });
  return pages;
}

std::string add_page_label(std::string_view markdown, std::string_view label) {
  std::string result;
  bool in_fence = false;
  bool labelled = false;
  for (std::string_view original : split_lines(markdown)) {
    std::string line(original);
    std::string_view trimmed = original;
    while (!trimmed.empty() && trimmed.front() == ' ') {
      trimmed.remove_prefix(1);
    }
    if (trimmed.starts_with("```") || trimmed.starts_with("~~~")) {
      in_fence = !in_fence;
    }
    if (!labelled && !in_fence && line.starts_with("# ")) {
      bool crlf = !line.empty() && line.back() == '\r';
      if (crlf) {
        line.pop_back();
      }
      while (!line.empty() && line.back() == ' ') {
        line.pop_back();
      }
      auto brace = line.rfind(" {#");
      if (brace != std::string::npos && line.back() == '}') {
        line.erase(brace);
      }
      line += " {#" + std::string(label) + "}" + (crlf ? "\r" : "");
      labelled = true;
    }
    result += line + "\n";
  }
  if (!markdown.ends_with('\n') && !result.empty()) {
    result.pop_back();
  }
  if (!labelled) {
    throw std::runtime_error("the page has no '# ' heading to label " + std::string(label));
  }
  return result;
}

std::string fill_placeholders(std::string_view text,
                              const std::vector<std::pair<std::string, std::string>>& values) {
  std::string result(text);
  for (const auto& [name, value] : values) {
    std::string placeholder = "@" + name + "@";
    for (auto at = result.find(placeholder); at != std::string::npos;
         at = result.find(placeholder, at + value.size())) {
      result.replace(at, placeholder.size(), value);
    }
  }
  return result;
}

int stage_book_pages(const fs::path& root, const fs::path& pages_dir) {
  fs::remove_all(pages_dir);
  fs::create_directories(pages_dir);
  int pages = 0;
  std::error_code ec;
  if (fs::is_directory(root / "book", ec)) {
    for (const auto& entry : fs::directory_iterator(root / "book")) {
      const fs::path& file = entry.path();
      if (!entry.is_regular_file() || (file.extension() != ".md" && !is_image(file))) {
        continue;
      }
      fs::copy_file(file, pages_dir / file.filename());
      if (file.extension() == ".md") {
        ++pages;
      }
    }
  }
  for (const auto& page : discover_chapter_pages(root)) {
    for (const auto& file : list_files(root / page.dir)) {
      std::string content = read_file(root / page.dir / file);
      if (file == "README.md") {
        try {
          content = snippets_to_doxygen(add_page_label(content, page.chapter.id()));
        } catch (const std::runtime_error& e) {
          throw std::runtime_error((page.dir / file).string() + ": " + e.what());
        }
        ++pages;
      }
      write_if_changed(pages_dir / page.dir / file, content);
    }
  }
  return pages;
}

std::optional<fs::path> find_theme_dir() {
  std::error_code ec;
  for (const char* dir : {"/usr/share/doxygen-awesome-css", "/usr/local/share/doxygen-awesome-css",
                          "/opt/homebrew/share/doxygen-awesome-css"}) {
    if (fs::is_regular_file(fs::path(dir) / "doxygen-awesome.css", ec)) {
      return fs::path(dir);
    }
  }
  return std::nullopt;
}

std::vector<std::string> doxygen_problems(std::string_view output, const fs::path& pages_dir,
                                          const fs::path& root) {
  std::vector<std::string> problems;
  std::string staged = pages_dir.string() + "/";
  for (std::string_view line : split_lines(output)) {
    if (line.find("warning:") == std::string_view::npos &&
        line.find("error:") == std::string_view::npos) {
      continue;
    }
    std::string problem(line);
    if (line.starts_with(staged)) {
      std::string_view rest = line.substr(staged.size());
      bool chapter_page = rest.starts_with("week");
      problem = ((chapter_page ? root : root / "book") / "").string() + std::string(rest);
    }
    problems.push_back(problem);
  }
  return problems;
}

}  // namespace xtask
