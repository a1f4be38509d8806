#include "testlist.hpp"

#include <stdexcept>

#include "book.hpp"
#include "fsutil.hpp"
#include "repo.hpp"
#include "text.hpp"

namespace xtask {
namespace {

bool is_identifier_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/// Reads C++ source text token by token, as far as finding TEST_CASE calls needs.
class Scanner {
 public:
  Scanner(std::string_view source, std::string_view file_name) : text_(source), file_(file_name) {}

  bool done() const { return pos_ >= text_.size(); }
  int line() const { return line_; }

  /// Skips whitespace and comments.
  void skip_blanks() {
    while (!done()) {
      char c = text_[pos_];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        advance(1);
      } else if (text_.substr(pos_).starts_with("//")) {
        while (!done() && text_[pos_] != '\n') {
          advance(1);
        }
      } else if (text_.substr(pos_).starts_with("/*")) {
        auto end = text_.find("*/", pos_ + 2);
        advance((end == std::string_view::npos ? text_.size() : end + 2) - pos_);
      } else {
        return;
      }
    }
  }

  char peek() const { return done() ? '\0' : text_[pos_]; }

  /// At a string literal (an optional u8/u/U/L prefix and `"`); raw strings are not supported.
  bool at_string() const {
    std::size_t p = pos_;
    for (std::string_view prefix : {"u8", "u", "U", "L"}) {
      if (text_.substr(p).starts_with(prefix) && p + prefix.size() < text_.size() &&
          text_[p + prefix.size()] == '"') {
        return true;
      }
    }
    return peek() == '"';
  }

  /// Reads one or more adjacent string literals and returns their value, escapes resolved.
  std::string read_strings() {
    std::string value;
    while (true) {
      skip_blanks();
      if (!at_string()) {
        return value;
      }
      advance(text_.find('"', pos_) - pos_ + 1);
      value += read_literal_body('"');
    }
  }

  /// Skips one token: an identifier (returned), a literal or any other character.
  std::string_view next_token() {
    if (peek() == '"' || (peek() == 'R' && text_.substr(pos_).starts_with("R\""))) {
      if (peek() == 'R') {
        skip_raw_string();
      } else {
        advance(1);
        read_literal_body('"');
      }
      return {};
    }
    if (peek() == '\'') {  // numbers are read whole below, so this opens a character literal
      advance(1);
      read_literal_body('\'');
      return {};
    }
    if (is_identifier_char(peek())) {
      std::size_t start = pos_;
      bool number = peek() >= '0' && peek() <= '9';  // may hold digit separators: 1'000
      while (!done() && (is_identifier_char(text_[pos_]) || (number && text_[pos_] == '\''))) {
        advance(1);
      }
      std::string_view word = text_.substr(start, pos_ - start);
      if (!done() && text_[pos_] == '"' &&
          (word == "u8" || word == "u" || word == "U" || word == "L" || word.ends_with('R'))) {
        if (word.ends_with('R')) {
          skip_raw_string();
        } else {
          advance(1);
          read_literal_body('"');
        }
        return {};
      }
      return word;
    }
    advance(1);
    return {};
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error(std::string(file_) + ":" + std::to_string(line_) + ": " + what);
  }

 private:
  void advance(std::size_t n) {
    for (std::size_t i = 0; i < n && pos_ < text_.size(); ++i, ++pos_) {
      if (text_[pos_] == '\n') {
        ++line_;
      }
    }
  }

  /// After the opening quote: reads up to the closing `quote`, resolving escapes.
  std::string read_literal_body(char quote) {
    std::string value;
    while (true) {
      if (done() || text_[pos_] == '\n') {
        fail("unterminated literal");
      }
      char c = text_[pos_];
      advance(1);
      if (c == quote) {
        return value;
      }
      if (c != '\\') {
        value += c;
        continue;
      }
      if (done()) {
        fail("unterminated literal");
      }
      char e = text_[pos_];
      advance(1);
      switch (e) {
        case 'n':
          value += '\n';
          break;
        case 't':
          value += '\t';
          break;
        case 'r':
          value += '\r';
          break;
        case '0':
          value += '\0';
          break;
        default:  // \" \' \\ \? and anything exotic: the character itself
          value += e;
      }
    }
  }

  /// At `R"`: skips a raw string literal R"delim( ... )delim".
  void skip_raw_string() {
    advance(2);
    std::size_t open = text_.find('(', pos_);
    if (open == std::string_view::npos) {
      fail("malformed raw string literal");
    }
    std::string closing = ")" + std::string(text_.substr(pos_, open - pos_)) + "\"";
    std::size_t end = text_.find(closing, open);
    if (end == std::string_view::npos) {
      fail("unterminated raw string literal");
    }
    advance(end + closing.size() - pos_);
  }

  std::string_view text_;
  std::string_view file_;
  std::size_t pos_ = 0;
  int line_ = 1;
};

/// A name in a Markdown code span: `name`, or `` name `` when it contains a backtick.
std::string code_span(std::string_view text) {
  if (text.find('`') == std::string_view::npos) {
    return "`" + std::string(text) + "`";
  }
  return "`` " + std::string(text) + " ``";
}

bool is_line(std::string_view line, std::string_view marker, bool prefix) {
  if (line.ends_with('\r')) {
    line.remove_suffix(1);
  }
  while (line.ends_with(' ')) {
    line.remove_suffix(1);
  }
  return prefix ? line.starts_with(marker) : line == marker;
}

}  // namespace

std::vector<TestCase> parse_test_cases(std::string_view source, std::string_view file_name) {
  Scanner scanner(source, file_name);
  std::vector<TestCase> cases;
  while (true) {
    scanner.skip_blanks();
    if (scanner.done()) {
      return cases;
    }
    if (scanner.next_token() != "TEST_CASE") {
      continue;
    }
    scanner.skip_blanks();
    if (scanner.peek() != '(') {
      continue;  // the word in a comment-free context that is not a call, e.g. a #define's name
    }
    int line = scanner.line();
    scanner.next_token();
    scanner.skip_blanks();
    if (!scanner.at_string()) {
      throw std::runtime_error(std::string(file_name) + ":" + std::to_string(line) +
                               ": TEST_CASE without a string literal as its name");
    }
    TestCase test{scanner.read_strings(), ""};
    scanner.skip_blanks();
    if (scanner.peek() == ',') {
      scanner.next_token();
      test.tags = scanner.read_strings();
    }
    cases.push_back(std::move(test));
  }
}

std::string render_test_block(const fs::path& tests_dir, const std::vector<fs::path>& files) {
  std::string block = std::string(kTestsBegin) +
                      ": generated by ./x sync from the TEST_CASEs in tests/; do not edit -->\n";
  bool first = true;
  for (const auto& file : files) {
    fs::path path = tests_dir / file;
    auto cases = parse_test_cases(read_file(path), "tests/" + file.generic_string());
    block += first ? "" : "\n";
    first = false;
    block += code_span("tests/" + file.generic_string()) + ", " + std::to_string(cases.size()) +
             (cases.size() == 1 ? " test:\n\n" : " tests:\n\n");
    for (const auto& test : cases) {
      block += "- " + code_span(test.name);
      if (!test.tags.empty()) {
        block += " " + code_span(test.tags);
      }
      block += "\n";
    }
  }
  if (files.empty()) {
    block += "This chapter has no tests yet.\n";
  }
  block += std::string(kTestsEnd) + "\n";
  return block;
}

std::string replace_test_block(std::string_view page, std::string_view page_name,
                               std::string_view block) {
  auto fail = [&](const std::string& what) {
    throw std::runtime_error(std::string(page_name) + ": " + what);
  };
  std::vector<std::string_view> lines = split_lines(page);
  std::size_t begin = lines.size();
  std::size_t end = lines.size();
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (is_line(lines[i], kTestsBegin, true)) {
      if (begin != lines.size()) {
        fail("more than one `" + std::string(kTestsBegin) + "` line");
      }
      begin = i;
    } else if (is_line(lines[i], kTestsEnd, false)) {
      if (begin == lines.size()) {
        fail("`" + std::string(kTestsEnd) + "` before `" + std::string(kTestsBegin) + "`");
      }
      if (end != lines.size()) {
        fail("more than one `" + std::string(kTestsEnd) + "` line");
      }
      end = i;
    }
  }
  if (begin == lines.size() || end == lines.size()) {
    fail("no generated list of tests: add a line `" + std::string(kTestsBegin) +
         " -->` and a line `" + std::string(kTestsEnd) +
         "` where the day's tests are listed, then run ./x sync");
  }
  std::string out;
  for (std::size_t i = 0; i < begin; ++i) {
    out += std::string(lines[i]) + "\n";
  }
  out += block;
  for (std::size_t i = end + 1; i < lines.size(); ++i) {
    out += std::string(lines[i]) + "\n";
  }
  if (!page.ends_with('\n') && !out.empty() && end + 1 < lines.size()) {
    out.pop_back();
  }
  return out;
}

std::vector<PageUpdate> updated_chapter_pages(const fs::path& root, const fs::path& tests_dir) {
  std::vector<PageUpdate> updates;
  auto pages = discover_chapter_pages(root);
  for (const auto& page : pages) {
    fs::path file = page.dir / "README.md";
    std::string text = read_file(root / file);
    std::string block = render_test_block(tests_dir, chapter_test_files(tests_dir, page.chapter));
    std::string updated = replace_test_block(text, file.generic_string(), block);
    bool changed = updated != text;
    updates.push_back({file, std::move(updated), changed});
  }
  for (const auto& chapter : discover_chapters(tests_dir)) {
    bool has_page = false;
    for (const auto& page : pages) {
      has_page = has_page || page.chapter == chapter;
    }
    if (!has_page) {
      throw std::runtime_error("chapter " + chapter.id() + " has tests but no page week" +
                               std::to_string(chapter.week) + "/day" + std::to_string(chapter.day) +
                               "-<slug>/README.md");
    }
  }
  return updates;
}

}  // namespace xtask
