// The lesson-region generator. A Parser turns a source file into a tree of lines and regions
// (checking every rule on the way); rendering walks that tree for one checkpoint.
#include "lesson.hpp"

#include <algorithm>
#include <cstddef>
#include <memory>
#include <utility>

#include "text.hpp"

namespace xtask {

std::string Chapter::id() const {
  return "w" + std::to_string(week) + "d" + std::to_string(day);
}

std::string Chapter::title() const {
  return "week " + std::to_string(week) + " day " + std::to_string(day);
}

std::optional<Chapter> parse_chapter(std::string_view id) {
  auto digit = [](char c) { return c >= '1' && c <= '9'; };
  if (id.size() != 4 || id[0] != 'w' || !digit(id[1]) || id[2] != 'd' || !digit(id[3])) {
    return std::nullopt;
  }
  return Chapter{id[1] - '0', id[3] - '0'};
}

LessonError::LessonError(std::string file, int line, const std::string& what)
    : std::runtime_error(file + ":" + std::to_string(line) + ": " + what),
      file(std::move(file)),
      line(line) {}

namespace {

// ---------------------------------------------------------------------------------------------
// Lines

constexpr std::string_view kBlanks = " \t\r";
constexpr std::string_view kArchivePrefix = "//|";

struct Line {
  int number = 0;         // 1-based
  std::string_view text;  // without its '\n'
};

std::vector<Line> number_lines(std::string_view source) {
  std::vector<Line> lines;
  for (std::string_view text : split_lines(source)) {
    lines.push_back({static_cast<int>(lines.size()) + 1, text});
  }
  return lines;
}

std::string_view trim_left(std::string_view s) {
  s.remove_prefix(std::min(s.find_first_not_of(kBlanks), s.size()));
  return s;
}

std::string_view trim(std::string_view s) {
  s = trim_left(s);
  while (!s.empty() && kBlanks.find(s.back()) != std::string_view::npos) {
    s.remove_suffix(1);
  }
  return s;
}

bool is_blank(std::string_view line) {
  return trim(line).empty();
}

std::string_view indentation(std::string_view line) {
  return line.substr(0, std::min(line.find_first_not_of(" \t"), line.size()));
}

// The line ending that makes a generated line match `line`: "\r" in a CRLF file, else "".
std::string_view line_end(std::string_view line) {
  return line.ends_with('\r') ? "\r" : "";
}

// Splits "word rest" into {"word", "rest"}, both trimmed.
std::pair<std::string_view, std::string_view> split_word(std::string_view s) {
  s = trim(s);
  std::size_t space = std::min(s.find_first_of(" \t"), s.size());
  return {s.substr(0, space), trim(s.substr(space))};
}

// ---------------------------------------------------------------------------------------------
// Archived lines: `//| code` or a bare `//|`, after any indentation.

bool is_archived(std::string_view line) {
  return trim_left(line).starts_with(kArchivePrefix);
}

// Why `line` is not a well-formed archived line, or "" if it is one.
std::string_view archive_problem(std::string_view line) {
  std::string_view rest = trim_left(line).substr(kArchivePrefix.size());
  if (is_blank(rest)) {
    return "";
  }
  if (rest[0] != ' ') {
    return "malformed archived line; write `//| <code>`, or a bare `//|`";
  }
  if (is_archived(rest.substr(1))) {
    return "line is archived twice; one `//| ` is enough";
  }
  return "";
}

// `    //| code` -> `    code`; a bare `//|` -> an empty line.
std::string unarchive(std::string_view line) {
  std::string_view indent = indentation(line);
  std::string_view rest = line.substr(indent.size() + kArchivePrefix.size());
  if (is_blank(rest)) {
    return std::string(line_end(rest));
  }
  return std::string(indent) + std::string(rest.substr(1));
}

// ---------------------------------------------------------------------------------------------
// The parsed file: a tree of lines and regions.

enum class Directive { kStub, kDrop, kReplaces, kEnd };

struct Marker {
  Directive directive = Directive::kEnd;
  Chapter chapter;       // unset for kEnd
  std::string function;  // kStub only
  std::string hint;      // kStub and kReplaces
};

struct Region;

// One line of a body, or a nested region (then `line` is its opening marker).
struct Item {
  Line line;
  std::unique_ptr<Region> region;
};

struct Variant {
  Chapter chapter;
  std::vector<Item> body;
};

struct Region {
  Marker opening;  // kStub or kDrop
  Line line;       // the opening marker
  std::vector<Variant> variants;
};

// ---------------------------------------------------------------------------------------------
// Parser

class Parser {
 public:
  Parser(std::string_view source, std::string_view file_name)
      : lines_(number_lines(source)), file_(file_name) {}

  std::vector<Item> parse_file();

 private:
  // The `replaces` or `end` marker that ended a body; no marker at the end of the file.
  struct Stop {
    std::optional<Marker> marker;
    Line line;
  };

  Stop parse_body(std::vector<Item>& body, std::optional<Chapter> enclosing);
  std::unique_ptr<Region> parse_region(const Marker& opening, Line line);
  std::optional<Marker> read_marker(Line line) const;
  void read_hint_continuation(Marker& marker);
  Marker parse_directive(std::string_view directive, int line) const;
  Marker parse_after_chapter(Chapter chapter, std::string_view rest, int line) const;
  void check_live(const std::vector<Item>& body, std::string_view where) const;
  void check_archived(const Variant& variant, Chapter replaced_by) const;
  [[noreturn]] void fail(int line, const std::string& what) const {
    throw LessonError(file_, line, what);
  }

  std::vector<Line> lines_;
  std::size_t next_ = 0;
  std::string file_;
};

std::vector<Item> Parser::parse_file() {
  std::vector<Item> items;
  Stop stop = parse_body(items, std::nullopt);
  if (stop.marker && stop.marker->directive == Directive::kEnd) {
    fail(stop.line.number, "`@lesson end` without an open region");
  }
  if (stop.marker) {
    fail(stop.line.number, "`@lesson replaces` outside a region");
  }
  check_live(items, "outside any lesson region");
  return items;
}

// Reads lines and nested regions into `body` up to the next `replaces` or `end` marker.
// `enclosing` is the chapter of the variant being read (nullopt at the top of the file).
Parser::Stop Parser::parse_body(std::vector<Item>& body, std::optional<Chapter> enclosing) {
  while (next_ < lines_.size()) {
    Line line = lines_[next_++];
    std::optional<Marker> marker = read_marker(line);
    if (!marker) {
      body.push_back({line, nullptr});
      continue;
    }
    read_hint_continuation(*marker);
    if (marker->directive == Directive::kReplaces || marker->directive == Directive::kEnd) {
      return {marker, line};
    }
    if (enclosing && marker->chapter < *enclosing) {
      fail(line.number, "nested region of " + marker->chapter.id() +
                            " is earlier than its enclosing variant of " + enclosing->id());
    }
    body.push_back({line, parse_region(*marker, line)});
  }
  return {};
}

std::unique_ptr<Region> Parser::parse_region(const Marker& opening, Line line) {
  auto region = std::make_unique<Region>(Region{opening, line, {}});
  region->variants.push_back({opening.chapter, {}});
  while (true) {
    Variant& current = region->variants.back();
    Stop stop = parse_body(current.body, current.chapter);
    if (!stop.marker) {
      fail(line.number, "region is never closed; add `// @lesson end`");
    }
    if (stop.marker->directive == Directive::kEnd) {
      check_live(current.body, "in the last (live) variant of a region");
      return region;
    }
    Chapter next = stop.marker->chapter;
    check_archived(current, next);
    if (next <= current.chapter) {
      fail(stop.line.number,
           "`replaces` needs a chapter later than " + current.chapter.id() + ", got " + next.id());
    }
    region->variants.push_back({next, {}});
  }
}

void Parser::check_live(const std::vector<Item>& body, std::string_view where) const {
  for (const Item& item : body) {
    if (!item.region && is_archived(item.line.text)) {
      fail(item.line.number, "archived line (`//|`) " + std::string(where) +
                                 "; only a variant followed by `replaces` is archived");
    }
  }
}

void Parser::check_archived(const Variant& variant, Chapter replaced_by) const {
  std::string variant_name = "the " + variant.chapter.id() + " variant";
  for (const Item& item : variant.body) {
    int number = item.line.number;
    if (item.region) {
      fail(number, "nested region in " + variant_name + ", which is archived; " +
                       "regions may only be nested in the last variant");
    }
    if (is_blank(item.line.text)) {
      continue;
    }
    if (!is_archived(item.line.text)) {
      fail(number, variant_name + " is replaced by " + replaced_by.id() +
                       ", so this line must be archived: prefix it with `//| `");
    }
    if (std::string_view problem = archive_problem(item.line.text); !problem.empty()) {
      fail(number, std::string(problem));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Marker lines: indentation, `//`, optional spaces, `@lesson`, the directive, nothing else.

// A hint goes on over the comment lines right after its marker that are, after indentation,
// `//`, at least kContinuationSpaces spaces, then text: `//   more of the hint`.
constexpr std::size_t kContinuationSpaces = 3;

// The text of a hint's continuation line, or nullopt when `text` is not one.
std::optional<std::string_view> continuation_text(std::string_view text) {
  std::string_view rest = trim_left(text);
  if (!rest.starts_with("//") || rest.find("@lesson") != std::string_view::npos) {
    return std::nullopt;
  }
  rest.remove_prefix(2);
  std::size_t spaces = std::min(rest.find_first_not_of(' '), rest.size());
  if (spaces < kContinuationSpaces || is_blank(rest)) {
    return std::nullopt;
  }
  return trim(rest);
}

// Appends the continuation lines that follow a marker with a hint to that hint.
void Parser::read_hint_continuation(Marker& marker) {
  if (marker.directive != Directive::kStub && marker.directive != Directive::kReplaces) {
    return;
  }
  while (next_ < lines_.size()) {
    std::optional<std::string_view> more = continuation_text(lines_[next_].text);
    if (!more) {
      return;
    }
    marker.hint += " ";
    marker.hint += *more;
    ++next_;
  }
}

// The directive of a marker line, or nullopt if `text` is not a marker line.
std::optional<std::string_view> marker_directive(std::string_view text) {
  std::string_view rest = trim(text);
  if (!rest.starts_with("//")) {
    return std::nullopt;
  }
  rest = trim_left(rest.substr(2));
  constexpr std::string_view kLesson = "@lesson";
  if (!rest.starts_with(kLesson)) {
    return std::nullopt;
  }
  rest.remove_prefix(kLesson.size());
  if (!rest.empty() && rest[0] != ' ' && rest[0] != '\t') {
    return std::nullopt;
  }
  return trim(rest);
}

std::optional<Marker> Parser::read_marker(Line line) const {
  if (line.text.find("@lesson") == std::string_view::npos) {
    return std::nullopt;
  }
  std::optional<std::string_view> directive = marker_directive(line.text);
  if (!directive) {
    fail(line.number,
         "`@lesson` may only appear in a marker line of its own, like `// @lesson end`");
  }
  if (directive->find("@lesson") != std::string_view::npos) {
    fail(line.number, "`@lesson` may only appear once in a marker line");
  }
  return parse_directive(*directive, line.number);
}

Marker Parser::parse_directive(std::string_view directive, int line) const {
  auto [head, rest] = split_word(directive);
  if (head == "end") {
    if (!rest.empty()) {
      fail(line, "`@lesson end` takes nothing after it");
    }
    return Marker{};
  }
  if (std::optional<Chapter> chapter = parse_chapter(head)) {
    return parse_after_chapter(*chapter, rest, line);
  }
  bool chapter_like = (head.starts_with('w') || head.starts_with('W')) &&
                      head.find_first_of("0123456789") != std::string_view::npos;
  if (chapter_like) {
    fail(line, "bad chapter id `" + std::string(head) +
                   "`; expected w<week>d<day> with week and day in 1..9");
  }
  fail(line, "unknown directive `@lesson " + std::string(directive) +
                 "`; expected `<chapter> <function>: <hint>`, `<chapter> solution-only`, "
                 "`<chapter> replaces: <hint>` or `end`");
}

Marker Parser::parse_after_chapter(Chapter chapter, std::string_view rest, int line) const {
  if (rest == "solution-only") {
    return Marker{Directive::kDrop, chapter, "", ""};
  }
  auto [word, hint] = split_word(rest);
  if (word == "solution-only") {
    fail(line, "`solution-only` takes nothing after it");
  }
  if (word.empty() || word == ":") {
    fail(line, "missing function; expected `// @lesson " + chapter.id() + " <function>: <hint>`");
  }
  bool replaces = word == "replaces" || word == "replaces:";
  if (!word.ends_with(':')) {
    fail(line, replaces ? "expected `replaces: <hint>`"
                        : "missing `: <hint>` after function `" + std::string(word) + "`");
  }
  word.remove_suffix(1);
  if (hint.empty()) {
    fail(line, "empty hint after `" + std::string(word) + ":`");
  }
  if (replaces) {
    return Marker{Directive::kReplaces, chapter, "", std::string(hint)};
  }
  if (word.find_first_of("\"\\") != std::string_view::npos) {
    fail(line, "function `" + std::string(word) + "` must not contain quotes or backslashes");
  }
  return Marker{Directive::kStub, chapter, std::string(word), std::string(hint)};
}

// ---------------------------------------------------------------------------------------------
// Rendering

void render_body(const std::vector<Item>& body, bool archived, std::optional<Chapter> through,
                 std::vector<std::string>& out);

// The same column limit as .clang-format: a longer TODO line would fail the starter's format check.
constexpr std::size_t kColumnLimit = 100;

// `first` followed by the words of `text`, wrapped into comment lines of at most kColumnLimit
// columns (a single word longer than that gets a line of its own).
std::vector<std::string> wrap_comment(const std::string& first, const std::string& indent,
                                      std::string_view text) {
  std::vector<std::string> lines{first};
  bool line_has_words = false;
  for (std::string_view rest = trim(text); !rest.empty();) {
    const auto [word, after] = split_word(rest);
    if (line_has_words && lines.back().size() + 1 + word.size() > kColumnLimit) {
      lines.push_back(indent + "//  ");
    }
    lines.back() += " ";
    lines.back() += word;
    line_has_words = true;
    rest = after;
  }
  return lines;
}

// The lines that stand in for a stub region before its chapter: the hint as a TODO, then a throw.
void render_stub(const Region& region, std::vector<std::string>& out) {
  std::string indent(indentation(region.line.text));
  std::string end(line_end(region.line.text));
  std::string id = region.opening.chapter.id();
  for (const std::string& line :
       wrap_comment(indent + "// TODO(" + id + "):", indent, region.opening.hint)) {
    out.push_back(line + end);
  }
  out.push_back(indent + "throw ::mini_lsm::NotImplemented(\"" + id + "\", \"" +
                region.opening.function + "\");" + end);
}

void render_region(const Region& region, std::optional<Chapter> through,
                   std::vector<std::string>& out) {
  const Variant* chosen = nullptr;
  for (const Variant& variant : region.variants) {
    if (through && variant.chapter <= *through) {
      chosen = &variant;
    }
  }
  if (chosen) {
    render_body(chosen->body, chosen != &region.variants.back(), through, out);
  } else if (region.opening.directive == Directive::kStub) {
    render_stub(region, out);
  }
}

// True when `out` ends with a blank line.
bool ends_blank(const std::vector<std::string>& out) {
  return !out.empty() && is_blank(out.back());
}

void render_body(const std::vector<Item>& body, bool archived, std::optional<Chapter> through,
                 std::vector<std::string>& out) {
  // A region that vanished between two blank lines would leave two in a row, which clang-format
  // rejects; the blank line after it goes with it.
  bool skip_next_blank = false;
  for (const Item& item : body) {
    const bool skip_this_blank = skip_next_blank;
    skip_next_blank = false;
    if (item.region) {
      const std::size_t before = out.size();
      render_region(*item.region, through, out);
      skip_next_blank = out.size() == before && ends_blank(out);
    } else if (skip_this_blank && is_blank(item.line.text)) {
      continue;
    } else if (archived && !is_blank(item.line.text)) {
      out.push_back(unarchive(item.line.text));
    } else {
      out.emplace_back(item.line.text);
    }
  }
}

// The parser guarantees this; a violation is a bug in this file, not in the source.
void check_output(const std::vector<std::string>& lines, std::string_view file_name) {
  for (const std::string& line : lines) {
    if (line.find("@lesson") != std::string::npos || is_archived(line)) {
      throw std::logic_error(std::string(file_name) + ": internal error: rendered line `" + line +
                             "` contains a lesson marker or an archived line");
    }
  }
}

std::string join_lines(const std::vector<std::string>& lines, bool trailing_newline) {
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    out += lines[i];
    if (i + 1 < lines.size() || trailing_newline) {
      out += '\n';
    }
  }
  return out;
}

void collect_chapters(const std::vector<Item>& body, std::vector<Chapter>& out) {
  for (const Item& item : body) {
    if (!item.region) {
      continue;
    }
    for (const Variant& variant : item.region->variants) {
      out.push_back(variant.chapter);
      collect_chapters(variant.body, out);
    }
  }
}

}  // namespace

std::string render_lessons(std::string_view source, std::string_view file_name,
                           std::optional<Chapter> through) {
  std::vector<Item> items = Parser(source, file_name).parse_file();
  std::vector<std::string> lines;
  render_body(items, false, through, lines);
  check_output(lines, file_name);
  return join_lines(lines, source.ends_with('\n'));
}

std::vector<Chapter> lesson_chapters(std::string_view source, std::string_view file_name) {
  std::vector<Item> items = Parser(source, file_name).parse_file();
  std::vector<Chapter> chapters;
  collect_chapters(items, chapters);
  std::sort(chapters.begin(), chapters.end());
  chapters.erase(std::unique(chapters.begin(), chapters.end()), chapters.end());
  return chapters;
}

}  // namespace xtask
