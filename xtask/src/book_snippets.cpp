#include "book_snippets.hpp"

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <vector>

#include "text.hpp"

namespace xtask {
namespace {

constexpr std::string_view kSnippetPrefix = "<!-- snippet: ";

/// The file and name of a snippet line, or nullopt for any other line.
std::optional<SnippetRef> snippet_line(std::string_view line) {
  if (!line.starts_with(kSnippetPrefix)) {
    return std::nullopt;
  }
  std::string_view rest = line.substr(kSnippetPrefix.size());
  auto space = rest.find(' ');
  auto end = rest.rfind(" -->");
  if (space == std::string_view::npos || end == std::string_view::npos || end <= space + 1) {
    throw std::runtime_error("a snippet line must read \"<!-- snippet: FILE NAME -->\", not: " +
                             std::string(line));
  }
  return SnippetRef{std::string(rest.substr(0, space)),
                    std::string(rest.substr(space + 1, end - space - 1))};
}

/// Calls `replace(ref, copy_lines)` for each snippet, where the copy is the fenced block after the
/// snippet line (its fence lines included), and returns the page with the replacements.
std::string rewrite_snippets(
    std::string_view markdown,
    const std::function<std::string(const SnippetRef&, const std::string& fence)>& replace) {
  std::vector<std::string_view> lines = split_lines(markdown);
  std::string result;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    auto ref = snippet_line(lines[i]);
    if (!ref) {
      result += std::string(lines[i]) + "\n";
      continue;
    }
    if (i + 1 >= lines.size() || !lines[i + 1].starts_with("```")) {
      throw std::runtime_error("the snippet line of " + ref->file + " " + ref->name +
                               " must be followed by a fenced code block");
    }
    std::size_t close = i + 2;
    while (close < lines.size() && lines[close] != "```") {
      ++close;
    }
    if (close >= lines.size()) {
      throw std::runtime_error("the fenced copy of snippet " + ref->name + " is never closed");
    }
    result += replace(*ref, std::string(lines[i + 1]));
    i = close;
  }
  if (!markdown.ends_with('\n') && !result.empty()) {
    result.pop_back();
  }
  return result;
}

}  // namespace

std::string snippet_of(std::string_view source, std::string_view name) {
  const std::string marker = "//! [" + std::string(name) + "]";
  std::string lines;
  int markers = 0;
  for (std::string_view line : split_lines(source)) {
    std::string_view trimmed = line.substr(std::min(line.find_first_not_of(' '), line.size()));
    if (trimmed == marker) {
      ++markers;
    } else if (markers == 1) {
      lines += std::string(line) + "\n";
    }
  }
  if (markers != 2) {
    throw std::runtime_error("the markers " + marker + " are not there twice");
  }
  return lines;
}

std::string refresh_snippets(std::string_view markdown,
                             const std::function<std::string(const SnippetRef&)>& lookup) {
  return rewrite_snippets(markdown, [&](const SnippetRef& ref, const std::string& fence) {
    return std::string(kSnippetPrefix) + ref.file + " " + ref.name + " -->\n" + fence + "\n" +
           lookup(ref) + "```\n";
  });
}

std::string snippets_to_doxygen(std::string_view markdown) {
  return rewrite_snippets(markdown, [](const SnippetRef& ref, const std::string&) {
    return "\\snippet " + ref.file + " " + ref.name + "\n";
  });
}

}  // namespace xtask
