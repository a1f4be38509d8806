#include "grade_swap.hpp"

#include <algorithm>
#include <regex>

#include "text.hpp"

namespace xtask {
namespace {

/// The lines of `source`, each without its newline.
std::vector<std::string_view> lines_of(std::string_view source) {
  return split_lines(source);
}

bool mentions_namespace(std::string_view line) {
  return line.find("namespace") != std::string_view::npos;
}

/// A `}` at column 0 that closes a definition (not a namespace, whose closing line clang-format
/// marks with a `// namespace` comment), or a whole definition on one line: `X::X() : a_(1) {}`.
bool closes_definition(std::string_view line) {
  while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) {
    line.remove_suffix(1);
  }
  if (line.empty() || mentions_namespace(line)) {
    return false;
  }
  bool one_line = line.front() != ' ' && line.front() != '\t' && line.front() != '/' &&
                  line.find('{') != std::string_view::npos && line.ends_with('}');
  return line.starts_with('}') || one_line;
}

/// A line that ends whatever came before it at the top level of a file: a closing brace, a
/// declaration or statement at column 0 ending with `;`, a namespace line, a preprocessor line.
bool ends_previous(std::string_view line) {
  if (line.empty() || line.front() == ' ' || line.front() == '\t') {
    return false;
  }
  while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) {
    line.remove_suffix(1);
  }
  return closes_definition(line) || line.starts_with('}') || line.ends_with(';') ||
         mentions_namespace(line) || line.starts_with('#');
}

/// Lines before a definition that belong to no definition: blank, comments, preprocessor.
bool is_preamble(std::string_view line) {
  auto start = line.find_first_not_of(" \t");
  if (start == std::string_view::npos) {
    return true;
  }
  std::string_view text = line.substr(start);
  return text.starts_with("//") || text.starts_with("/*") || text.starts_with("*") ||
         text.starts_with('#');
}

std::string collapse_whitespace(std::string_view text) {
  std::string result;
  bool space = false;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = !result.empty();
      continue;
    }
    if (space) {
      result += ' ';
      space = false;
    }
    result += c;
  }
  return result;
}

/// How two signatures are compared: without any whitespace, so that clang-format breaking a
/// long signature over two lines ("get(\n    std::string_view key)") does not matter.
std::string match_key(std::string_view signature) {
  std::string key;
  for (char c : signature) {
    if (c != ' ') {
      key += c;
    }
  }
  return key;
}

/// Every definition of `source` by signature, in order.
std::vector<std::pair<std::string, LineRange>> definitions(std::string_view source) {
  std::vector<std::pair<std::string, LineRange>> found;
  auto lines = lines_of(source);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (!closes_definition(lines[i])) {
      continue;
    }
    if (auto range = function_around(source, static_cast<int>(i) + 1)) {
      found.emplace_back(function_signature(source, *range), *range);
    }
  }
  return found;
}

std::string join_lines(const std::vector<std::string_view>& lines, std::size_t first,
                       std::size_t end) {
  std::string text;
  for (std::size_t i = first; i < end; ++i) {
    text.append(lines[i]);
    text += '\n';
  }
  return text;
}

}  // namespace

std::vector<CompileError> parse_compile_errors(std::string_view output, const fs::path& build_dir) {
  static const std::regex kError(R"(^(.+?):(\d+):(?:\d+:)? (?:fatal )?error: .*)");
  std::vector<CompileError> errors;
  for (std::string_view line : split_lines(output)) {
    std::string text(line);
    std::smatch match;
    if (!std::regex_match(text, match, kError)) {
      continue;
    }
    fs::path file = match[1].str();
    if (file.is_relative()) {
      file = build_dir / file;
    }
    bool repeated = std::any_of(errors.begin(), errors.end(),
                                [&](const CompileError& seen) { return seen.text == text; });
    if (!repeated) {  // gcc repeats an error inside a macro (Catch2's CHECK) for each expansion
      errors.push_back({file.lexically_normal(), std::stoi(match[2].str()), text});
    }
  }
  return errors;
}

std::optional<LineRange> function_around(std::string_view source, int line) {
  auto lines = lines_of(source);
  if (line < 1 || static_cast<std::size_t>(line) > lines.size()) {
    return std::nullopt;
  }
  const std::size_t at = static_cast<std::size_t>(line) - 1;
  // On a top-level line that is not a definition's closing brace: outside every definition.
  if (ends_previous(lines[at]) && !closes_definition(lines[at])) {
    return std::nullopt;
  }
  std::size_t last = at;
  while (last < lines.size() && !closes_definition(lines[last])) {
    if (last > at && ends_previous(lines[last])) {
      return std::nullopt;  // a namespace or declaration comes first: not inside a definition
    }
    ++last;
  }
  if (last == lines.size()) {
    return std::nullopt;
  }
  std::size_t first = at;
  while (first > 0 && !ends_previous(lines[first - 1])) {
    --first;
  }
  while (first < at && is_preamble(lines[first])) {
    ++first;
  }
  if (is_preamble(lines[first]) || lines[first].front() == ' ' || first > at) {
    return std::nullopt;
  }
  std::string text = join_lines(lines, first, last + 1);
  if (text.find('{') == std::string::npos) {
    return std::nullopt;
  }
  return LineRange{first, last};
}

std::string function_signature(std::string_view source, LineRange range) {
  auto lines = lines_of(source);
  std::string text = collapse_whitespace(join_lines(lines, range.first, range.last + 1));
  // Up to the `)` that closes the first parameter list...
  std::size_t at = text.find('(');
  for (int depth = 0; at != std::string::npos && at < text.size(); ++at) {
    depth += text[at] == '(' ? 1 : text[at] == ')' ? -1 : 0;
    if (depth == 0) {
      break;
    }
  }
  if (at == std::string::npos || at >= text.size()) {
    return text.substr(0, text.find('{'));
  }
  // ...then the qualifiers, until the body or a constructor's initializer list.
  for (++at; at < text.size(); ++at) {
    bool single_colon =
        text[at] == ':' && text.compare(at, 2, "::") != 0 && (at == 0 || text[at - 1] != ':');
    if (text[at] == '{' || single_colon) {
      break;
    }
  }
  std::string signature = text.substr(0, at);
  while (!signature.empty() && signature.back() == ' ') {
    signature.pop_back();
  }
  return signature;
}

std::optional<Swapped> swap_function(std::string_view student, int line, std::string_view starter) {
  auto range = function_around(student, line);
  if (!range) {
    return std::nullopt;
  }
  std::string signature = function_signature(student, *range);
  for (const auto& [starter_signature, starter_range] : definitions(starter)) {
    if (match_key(starter_signature) != match_key(signature)) {
      continue;
    }
    auto student_lines = lines_of(student);
    auto starter_lines = lines_of(starter);
    std::string result = join_lines(student_lines, 0, range->first) +
                         join_lines(starter_lines, starter_range.first, starter_range.last + 1) +
                         join_lines(student_lines, range->last + 1, student_lines.size());
    if (!student.ends_with('\n') && !result.empty()) {
      result.pop_back();
    }
    return Swapped{std::move(result), signature};
  }
  return std::nullopt;
}

}  // namespace xtask
