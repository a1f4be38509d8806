#include "book_check.hpp"

#include <map>

#include "text.hpp"

namespace xtask {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

/// The text between <pre id="report"> and </pre> in Chromium's --dump-dom output.
std::string_view report_text(std::string_view dom) {
  constexpr std::string_view kOpen = "<pre id=\"report\">";
  auto begin = dom.find(kOpen);
  if (begin == std::string_view::npos) {
    return {};
  }
  begin += kOpen.size();
  auto end = dom.find("</pre>", begin);
  return dom.substr(begin, end == std::string_view::npos ? std::string_view::npos : end - begin);
}

/// The name a maintainer knows a page by: its path below html/ ("w2d6.html"), else the whole path.
std::string display_name(const fs::path& file, const fs::path& html_dir) {
  fs::path relative = file.lexically_normal().lexically_relative(html_dir.lexically_normal());
  if (relative.empty() || relative.native().starts_with("..")) {
    return file.string();
  }
  return relative.generic_string();
}

std::string fragment_of(std::string_view url) {
  auto hash = url.find('#');
  return hash == std::string_view::npos ? std::string() : percent_decode(url.substr(hash + 1));
}

}  // namespace

std::string file_url(const fs::path& path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string url = "file://";
  for (unsigned char c : path.generic_string()) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '/' || c == '-' || c == '_' || c == '.' || c == '~';
    if (plain) {
      url += static_cast<char>(c);
    } else {
      url += '%';
      url += kHex[c >> 4];
      url += kHex[c & 0xF];
    }
  }
  return url;
}

std::string percent_decode(std::string_view text) {
  std::string decoded;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
        hex_value(text[i + 2]) >= 0) {
      decoded += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      decoded += text[i];
    }
  }
  return decoded;
}

std::optional<fs::path> path_of_file_url(std::string_view url) {
  constexpr std::string_view kScheme = "file://";
  if (!url.starts_with(kScheme)) {
    return std::nullopt;
  }
  url.remove_prefix(kScheme.size());
  url = url.substr(0, url.find_first_of("#?"));
  return fs::path(percent_decode(url));
}

std::string checker_page(const std::vector<fs::path>& pages, std::string_view script) {
  std::string html =
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>book check</title></head>\n"
      "<body><pre id=\"report\"></pre>\n<script>\nconst pages = [\n";
  for (const auto& page : pages) {
    html += "  \"" + file_url(page) + "\",\n";  // a file URL holds no quote or backslash
  }
  html += "];\n</script>\n<script src=\"" + std::string(script) + "\"></script>\n</body></html>\n";
  return html;
}

std::vector<PageReport> parse_check_report(std::string_view dumped_dom, bool& finished) {
  std::vector<PageReport> reports;
  finished = false;
  for (std::string_view line : split_lines(report_text(dumped_dom))) {
    auto space = line.find(' ');
    std::string_view kind = line.substr(0, space);
    std::string value =
        space == std::string_view::npos ? std::string() : percent_decode(line.substr(space + 1));
    if (kind == "finished") {
      finished = true;
    } else if (kind == "page") {
      reports.emplace_back();
      reports.back().page = value;
    } else if (reports.empty()) {
      continue;  // nothing before the first page is expected; ignore it rather than guess
    } else if (kind == "unreadable") {
      reports.back().readable = false;
    } else if (kind == "text") {
      reports.back().text_chars = std::stoul("0" + value);
    } else if (kind == "image" || kind == "object") {
      reports.back().missing_images.push_back(value);
    } else if (kind == "link") {
      reports.back().links.push_back(value);
    } else if (kind == "id") {
      reports.back().ids.insert(value);
    }
  }
  return reports;
}

std::vector<BookProblem> console_problems(std::string_view log, const fs::path& html_dir) {
  // A console line: [pid:tid:date:INFO:CONSOLE:12] "message", source: file:///.../x.html (12)
  std::vector<BookProblem> problems;
  for (std::string_view line : split_lines(log)) {
    auto marker = line.find(":CONSOLE");
    auto close = line.find("] ", marker);
    if (marker == std::string_view::npos || close == std::string_view::npos) {
      continue;
    }
    std::string_view message = line.substr(close + 2);
    std::string source;
    if (auto at = message.rfind("\", source: "); at != std::string_view::npos) {
      std::string_view url = message.substr(at + 11);
      url = url.substr(0, url.rfind(" ("));
      auto file = path_of_file_url(url);
      source = file ? display_name(*file, html_dir) : std::string(url);
      message = message.substr(0, at + 1);
    }
    problems.push_back({source, "console: " + std::string(message)});
  }
  return problems;
}

std::vector<BookProblem> report_problems(const std::vector<PageReport>& reports,
                                         const fs::path& html_dir) {
  std::map<fs::path, const PageReport*> by_file;
  for (const auto& report : reports) {
    if (auto file = path_of_file_url(report.page)) {
      by_file[file->lexically_normal()] = &report;
    }
  }
  std::vector<BookProblem> problems;
  std::error_code ec;
  for (const auto& report : reports) {
    auto file = path_of_file_url(report.page);
    std::string page = file ? display_name(*file, html_dir) : report.page;
    if (!report.readable) {
      problems.push_back({page, "the page did not load"});
      continue;
    }
    if (report.text_chars == 0) {
      problems.push_back({page, "renders empty: no text in the body"});
    }
    for (const auto& image : report.missing_images) {
      problems.push_back({page, "missing image: " + image});
    }
    for (const auto& link : report.links) {
      auto target = path_of_file_url(link);
      if (!target) {
        continue;
      }
      if (!fs::exists(*target, ec)) {
        problems.push_back({page, "broken link: " + link + " (no such file)"});
        continue;
      }
      std::string anchor = fragment_of(link);
      auto described = by_file.find(target->lexically_normal());
      if (!anchor.empty() && described != by_file.end() &&
          !described->second->ids.contains(anchor)) {
        problems.push_back({page, "broken link: " + link + " (no such anchor)"});
      }
    }
  }
  return problems;
}

}  // namespace xtask
