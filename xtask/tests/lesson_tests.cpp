// Tests of the lesson-region generator (xtask/src/lesson.hpp).
#include "../src/lesson.hpp"

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../../tests/harness/catch.hpp"

using xtask::Chapter;
using xtask::lesson_chapters;
using xtask::LessonError;
using xtask::parse_chapter;
using xtask::render_lessons;

namespace {

constexpr std::string_view kFile = "reference/src/x.cpp";

std::string render(std::string_view source, std::optional<Chapter> through) {
  return render_lessons(source, kFile, through);
}

std::string render(std::string_view source, std::string_view through) {
  return render(source, parse_chapter(through).value());
}

// The message of the LessonError that rendering `source` throws, or "no error".
std::string error_of(std::string_view source) {
  try {
    render(source, xtask::kAfterEveryChapter);
  } catch (const LessonError& e) {
    return e.what();
  }
  return "no error";
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = std::min(text.find('\n', start), text.size());
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// True if the first non-blank characters of `line` are `//|`.
bool starts_archived(std::string_view line) {
  line.remove_prefix(std::min(line.find_first_not_of(" \t"), line.size()));
  return line.starts_with("//|");
}

constexpr std::string_view kStubSource =
    "int MemTable::put() {\n"
    "  // @lesson w1d2 MemTable::put: insert the pair into the skiplist\n"
    "  map_.insert(1);\n"
    "  return 1;\n"
    "  // @lesson end\n"
    "}\n";

}  // namespace

TEST_CASE("parse_chapter accepts w<week>d<day> with week and day in 1..9", "[lesson]") {
  CHECK(parse_chapter("w1d1") == Chapter{1, 1});
  CHECK(parse_chapter("w2d7") == Chapter{2, 7});
  CHECK(parse_chapter("w9d9") == Chapter{9, 9});
  for (std::string_view bad : {"", "w0d1", "w1d0", "w10d1", "w1d10", "W1D1", "w1d1x", "w1", "1d1",
                               "wd1", "w1d", " w1d1", "none"}) {
    INFO(bad);
    CHECK_FALSE(parse_chapter(bad).has_value());
  }
}

TEST_CASE("Chapter ids, titles and order", "[lesson]") {
  CHECK(Chapter{1, 1}.id() == "w1d1");
  CHECK(Chapter{3, 5}.id() == "w3d5");
  CHECK(Chapter{1, 1}.title() == "week 1 day 1");
  CHECK(Chapter{1, 7} < Chapter{2, 1});
  CHECK(Chapter{2, 1} < Chapter{2, 2});
  CHECK(Chapter{9, 9} < xtask::kAfterEveryChapter);
}

TEST_CASE("a stub region before its chapter becomes a TODO and a throw", "[lesson]") {
  const std::string expected =
      "int MemTable::put() {\n"
      "  // TODO(w1d2): insert the pair into the skiplist\n"
      "  throw ::mini_lsm::NotImplemented(\"w1d2\", \"MemTable::put\");\n"
      "}\n";
  CHECK(render(kStubSource, std::nullopt) == expected);
  CHECK(render(kStubSource, "w1d1") == expected);
}

TEST_CASE("a stub region at and after its chapter keeps the solution", "[lesson]") {
  const std::string expected =
      "int MemTable::put() {\n"
      "  map_.insert(1);\n"
      "  return 1;\n"
      "}\n";
  CHECK(render(kStubSource, "w1d2") == expected);
  CHECK(render(kStubSource, "w1d3") == expected);
  CHECK(render(kStubSource, "w2d1") == expected);
  CHECK(render(kStubSource, xtask::kAfterEveryChapter) == expected);
}

TEST_CASE("a solution-only region is dropped before its chapter", "[lesson]") {
  const std::string_view source =
      "namespace {\n"
      "// @lesson w1d3 solution-only\n"
      "int helper() { return 2; }\n"
      "\n"
      "// @lesson end\n"
      "}  // namespace\n";
  CHECK(render(source, std::nullopt) == "namespace {\n}  // namespace\n");
  CHECK(render(source, "w1d2") == "namespace {\n}  // namespace\n");
  CHECK(render(source, "w1d3") == "namespace {\nint helper() { return 2; }\n\n}  // namespace\n");
}

TEST_CASE("a dropped region between blank lines takes one of them along", "[lesson]") {
  const std::string_view source =
      "int a;\n"
      "\n"
      "// @lesson w1d3 solution-only\n"
      "int helper();\n"
      "// @lesson end\n"
      "\n"
      "int b;\n";
  CHECK(render(source, std::nullopt) == "int a;\n\nint b;\n");
  CHECK(render(source, "w1d3") == "int a;\n\nint helper();\n\nint b;\n");
}

TEST_CASE("a long hint is wrapped into TODO lines of at most 100 columns", "[lesson]") {
  const std::string hint =
      "search the current memtable, then the frozen ones newest first; the first hit wins and a "
      "tombstone means not found";
  const std::string source =
      "  // @lesson w1d1 LsmStorage::get: " + hint + "\n  return x;\n  // @lesson end\n";
  const std::string expected =
      "  // TODO(w1d1): search the current memtable, then the frozen ones newest first; the first "
      "hit wins\n"
      "  //   and a tombstone means not found\n"
      "  throw ::mini_lsm::NotImplemented(\"w1d1\", \"LsmStorage::get\");\n";
  CHECK(render(source, std::nullopt) == expected);
}

TEST_CASE("a hint continues on the `//   text` lines right after its marker", "[lesson]") {
  const std::string_view source =
      "void f() {\n"
      "  // @lesson w1d2 f: the hint starts on the marker line\n"
      "  //   and goes on here,\n"
      "  //      and here, whatever the extra indentation\n"
      "  // an ordinary comment of the solution\n"
      "  g();\n"
      "  // @lesson end\n"
      "}\n";
  CHECK(render(source, std::nullopt) ==
        "void f() {\n"
        "  // TODO(w1d2): the hint starts on the marker line and goes on here, and here, "
        "whatever the extra\n"
        "  //   indentation\n"
        "  throw ::mini_lsm::NotImplemented(\"w1d2\", \"f\");\n"
        "}\n");
  CHECK(render(source, "w1d2") ==
        "void f() {\n"
        "  // an ordinary comment of the solution\n"
        "  g();\n"
        "}\n");
}

TEST_CASE("a continued hint renders exactly like the same hint on one line", "[lesson]") {
  const std::string words =
      "size the bit array, take k = lround(bits_per_key * 0.69) probes (1..30), and set the k "
      "bits of every hash: probe i sets bit (h + i * delta) % num_bits, the sum wrapping at 32 "
      "bits";
  const std::string one_line =
      "  // @lesson w1d7 Bloom::build: " + words + "\n  build();\n  // @lesson end\n";
  const std::string continued =
      "  // @lesson w1d7 Bloom::build: size the bit array, take k = lround(bits_per_key * 0.69)\n"
      "  //   probes (1..30), and set the k bits of every hash: probe i sets bit\n"
      "  //   (h + i * delta) % num_bits, the sum wrapping at 32 bits\n"
      "  build();\n"
      "  // @lesson end\n";
  CHECK(render(continued, std::nullopt) == render(one_line, std::nullopt));
  for (const auto& line : lines_of(render(continued, std::nullopt))) {
    CHECK(line.size() <= 100);
  }
  CHECK(render(continued, "w1d7") == "  build();\n");
}

TEST_CASE("only a stub or replaces marker takes continuation lines", "[lesson]") {
  // After `solution-only` and `end`, a `//   ` line is code of the file, not part of a hint.
  CHECK(render("// @lesson w1d1 solution-only\n//   kept\n// @lesson end\n//   also kept\n",
               "w1d1") == "//   kept\n//   also kept\n");
  // Two spaces are not enough; a blank `//` ends the hint too.
  CHECK(render("// @lesson w1d1 f: hint\n//  code comment\n//\n//   x\nx();\n// @lesson end\n",
               "w1d1") == "//  code comment\n//\n//   x\nx();\n");
  // A replaces hint continues as well, and its continuation is not taken for an archived line.
  const std::string_view replaced =
      "// @lesson w1d1 f: first\n"
      "//| a();\n"
      "// @lesson w1d3 replaces: second,\n"
      "//   continued\n"
      "b();\n"
      "// @lesson end\n";
  CHECK(render(replaced, "w1d1") == "a();\n");
  CHECK(render(replaced, "w1d3") == "b();\n");
  // A marker is never a continuation.
  CHECK(render("// @lesson w1d1 f: hint\n//   @lesson end\n", std::nullopt) ==
        "// TODO(w1d1): hint\nthrow ::mini_lsm::NotImplemented(\"w1d1\", \"f\");\n");
}

TEST_CASE("nested regions", "[lesson]") {
  const std::string_view source =
      "void Lsm::flush() {\n"
      "  // @lesson w1d1 Lsm::flush: write the memtable to an SST\n"
      "  write();\n"
      "  if (sync) {\n"
      "    // @lesson w1d3 Lsm::flush: also fsync the directory\n"
      "    fsync();\n"
      "    // @lesson end\n"
      "  }\n"
      "  // @lesson end\n"
      "}\n";

  SECTION("an outer stub swallows the inner region") {
    CHECK(render(source, std::nullopt) ==
          "void Lsm::flush() {\n"
          "  // TODO(w1d1): write the memtable to an SST\n"
          "  throw ::mini_lsm::NotImplemented(\"w1d1\", \"Lsm::flush\");\n"
          "}\n");
  }
  SECTION("the outer region is kept while the inner one is still a stub") {
    const std::string expected =
        "void Lsm::flush() {\n"
        "  write();\n"
        "  if (sync) {\n"
        "    // TODO(w1d3): also fsync the directory\n"
        "    throw ::mini_lsm::NotImplemented(\"w1d3\", \"Lsm::flush\");\n"
        "  }\n"
        "}\n";
    CHECK(render(source, "w1d1") == expected);
    CHECK(render(source, "w1d2") == expected);
  }
  SECTION("both are kept from the inner chapter on") {
    CHECK(render(source, "w1d3") ==
          "void Lsm::flush() {\n"
          "  write();\n"
          "  if (sync) {\n"
          "    fsync();\n"
          "  }\n"
          "}\n");
  }
}

TEST_CASE("a nested region may share its enclosing variant's chapter", "[lesson]") {
  const std::string_view source =
      "// @lesson w1d2 f: outer\n"
      "a();\n"
      "// @lesson w1d2 solution-only\n"
      "b();\n"
      "// @lesson end\n"
      "// @lesson end\n";
  CHECK(render(source, "w1d1") ==
        "// TODO(w1d2): outer\nthrow ::mini_lsm::NotImplemented(\"w1d2\", \"f\");\n");
  CHECK(render(source, "w1d2") == "a();\nb();\n");
}

TEST_CASE("replaced variants: the newest variant not later than the checkpoint wins", "[lesson]") {
  const std::string_view source =
      "Value Lsm::get(Key key) {\n"
      "  // @lesson w1d1 Lsm::get: look the key up in the memtable\n"
      "  //| return memtable_.get(key);\n"
      "  // @lesson w1d4 replaces: also look in the immutable memtables\n"
      "  //| for (auto& table : tables_) {\n"
      "  //|   if (auto value = table.get(key)) return value;\n"
      "  //| }\n"
      "  //| return {};\n"
      "  // @lesson w2d1 replaces: also look in the SSTs\n"
      "  return merged_get(key);\n"
      "  // @lesson end\n"
      "}\n";

  CHECK(render(source, std::nullopt) ==
        "Value Lsm::get(Key key) {\n"
        "  // TODO(w1d1): look the key up in the memtable\n"
        "  throw ::mini_lsm::NotImplemented(\"w1d1\", \"Lsm::get\");\n"
        "}\n");
  const std::string first =
      "Value Lsm::get(Key key) {\n"
      "  return memtable_.get(key);\n"
      "}\n";
  CHECK(render(source, "w1d1") == first);
  CHECK(render(source, "w1d3") == first);
  const std::string second =
      "Value Lsm::get(Key key) {\n"
      "  for (auto& table : tables_) {\n"
      "    if (auto value = table.get(key)) return value;\n"
      "  }\n"
      "  return {};\n"
      "}\n";
  CHECK(render(source, "w1d4") == second);
  CHECK(render(source, "w1d7") == second);
  const std::string third =
      "Value Lsm::get(Key key) {\n"
      "  return merged_get(key);\n"
      "}\n";
  CHECK(render(source, "w2d1") == third);
  CHECK(render(source, xtask::kAfterEveryChapter) == third);
}

TEST_CASE("un-archiving keeps indentation and turns a bare //| into an empty line", "[lesson]") {
  const std::string_view source =
      "// @lesson w1d1 solution-only\n"
      "\t//| tab_indented();\n"
      "    //| if (x) {\n"
      "    //|   nested();\n"
      "    //|\n"
      "\n"
      "    //| }\n"
      "//| flush_left();\n"
      "// @lesson w1d2 replaces: newer\n"
      "newer();\n"
      "// @lesson end\n";
  CHECK(render(source, "w1d1") ==
        "\ttab_indented();\n"
        "    if (x) {\n"
        "      nested();\n"
        "\n"
        "\n"
        "    }\n"
        "flush_left();\n");
  CHECK(render(source, "w1d2") == "newer();\n");
}

TEST_CASE("markers and archived lines never reach the output", "[lesson]") {
  const std::string_view source =
      "#include <x>\n"
      "  // @lesson w1d1 A::a: first\n"
      "  //| one();\n"
      "  //|\n"
      "  // @lesson w1d5 replaces: second\n"
      "  two();\n"
      "    //@lesson w1d6 solution-only\n"
      "    helper();\n"
      "      // @lesson w2d2 A::b: deep\n"
      "      //| deep_one();\n"
      "      //    @lesson w3d1 replaces: deeper\n"
      "      deep_two();\n"
      "      // @lesson end\n"
      "    //  @lesson end\n"
      "  // @lesson end\n"
      "tail();\n";
  std::vector<std::optional<Chapter>> checkpoints = {std::nullopt, xtask::kAfterEveryChapter};
  for (Chapter chapter : lesson_chapters(source, kFile)) {
    checkpoints.push_back(chapter);
    checkpoints.push_back(Chapter{chapter.week, chapter.day + 1});
  }
  for (const std::optional<Chapter>& through : checkpoints) {
    INFO((through ? through->id() : "none"));
    std::string output = render(source, through);
    CHECK(output.find("@lesson") == std::string::npos);
    for (const std::string& line : lines_of(output)) {
      INFO(line);
      CHECK_FALSE(starts_archived(line));
    }
  }
}

TEST_CASE("a file without markers is copied byte for byte", "[lesson]") {
  for (std::string_view source :
       {std::string_view(""), std::string_view("\n"), std::string_view("int x;"),
        std::string_view("a\r\nb\r\n"), std::string_view("  // comment //| not archived\n\n\n"),
        std::string_view("\ttabs and trailing blanks  \nlast line without newline")}) {
    CHECK(render(source, std::nullopt) == source);
    CHECK(render(source, xtask::kAfterEveryChapter) == source);
  }
}

TEST_CASE("the trailing newline is preserved or stays absent", "[lesson]") {
  const std::string with = "a\n// @lesson w1d1 f: h\nb\n// @lesson end\n";
  const std::string without = "a\n// @lesson w1d1 f: h\nb\n// @lesson end";
  CHECK(render(with, "w1d1") == "a\nb\n");
  CHECK(render(without, "w1d1") == "a\nb");
  CHECK(render(without, std::nullopt) ==
        "a\n// TODO(w1d1): h\nthrow ::mini_lsm::NotImplemented(\"w1d1\", \"f\");");
  CHECK(render("// @lesson w1d1 solution-only\nx\n// @lesson end\n", std::nullopt) == "");
}

TEST_CASE("CRLF files keep their bytes and stubs get the marker's line ending", "[lesson]") {
  const std::string source = "a\r\n  // @lesson w1d1 f: h\r\n  b\r\n  // @lesson end\r\n";
  CHECK(render(source, "w1d1") == "a\r\n  b\r\n");
  CHECK(render(source, std::nullopt) ==
        "a\r\n  // TODO(w1d1): h\r\n  throw ::mini_lsm::NotImplemented(\"w1d1\", \"f\");\r\n");
}

TEST_CASE("lesson_chapters lists every chapter owning a variant, sorted and unique", "[lesson]") {
  const std::string_view source =
      "// @lesson w2d1 f: h\n"
      "//| old();\n"
      "// @lesson w2d3 replaces: newer\n"
      "new_();\n"
      "// @lesson w2d3 solution-only\n"
      "// @lesson end\n"
      "// @lesson end\n"
      "// @lesson w1d1 g: h\n"
      "// @lesson end\n"
      "// @lesson w2d1 solution-only\n"
      "// @lesson end\n";
  CHECK(lesson_chapters(source, kFile) == std::vector<Chapter>{{1, 1}, {2, 1}, {2, 3}});
  CHECK(lesson_chapters("int x;\n", kFile).empty());
}

TEST_CASE("LessonError carries the file and the line", "[lesson]") {
  try {
    render("a\nb\n// @lesson end\n", std::nullopt);
    FAIL("no error");
  } catch (const LessonError& e) {
    CHECK(e.file == kFile);
    CHECK(e.line == 3);
    CHECK(std::string(e.what()) == "reference/src/x.cpp:3: `@lesson end` without an open region");
  }
  CHECK_THROWS_AS(lesson_chapters("// @lesson w1d1 f: h\n", kFile), LessonError);
}

TEST_CASE("malformed markers", "[lesson]") {
  CHECK(error_of("x\nauto s = \"// @lesson end\";\n") ==
        "reference/src/x.cpp:2: `@lesson` may only appear in a marker line of its own, like "
        "`// @lesson end`");
  CHECK(error_of("f();  // @lesson end\n") ==
        "reference/src/x.cpp:1: `@lesson` may only appear in a marker line of its own, like "
        "`// @lesson end`");
  CHECK(error_of("// @lesson end now\n") ==
        "reference/src/x.cpp:1: `@lesson end` takes nothing after it");
  CHECK(error_of("// @lesson begin f: h\n") ==
        "reference/src/x.cpp:1: unknown directive `@lesson begin f: h`; expected `<chapter> "
        "<function>: <hint>`, `<chapter> solution-only`, `<chapter> replaces: <hint>` or `end`");
  CHECK(error_of("// @lesson\n") ==
        "reference/src/x.cpp:1: unknown directive `@lesson `; expected `<chapter> <function>: "
        "<hint>`, `<chapter> solution-only`, `<chapter> replaces: <hint>` or `end`");
  for (std::string_view bad : {"w0d1", "w1d0", "w10d1", "W1D1", "w1d1x"}) {
    CHECK(error_of("\n// @lesson " + std::string(bad) + " f: h\n") ==
          "reference/src/x.cpp:2: bad chapter id `" + std::string(bad) +
              "`; expected w<week>d<day> with week and day in 1..9");
  }
  CHECK(error_of("// @lesson w1d1 solution-only f\n") ==
        "reference/src/x.cpp:1: `solution-only` takes nothing after it");
  CHECK(error_of("// @lesson w1d1 f: h @lesson\n") ==
        "reference/src/x.cpp:1: `@lesson` may only appear once in a marker line");
}

TEST_CASE("malformed stub markers: function and hint", "[lesson]") {
  CHECK(error_of("// @lesson w1d1\n") ==
        "reference/src/x.cpp:1: missing function; expected `// @lesson w1d1 <function>: <hint>`");
  CHECK(error_of("// @lesson w1d1 : h\n") ==
        "reference/src/x.cpp:1: missing function; expected `// @lesson w1d1 <function>: <hint>`");
  CHECK(error_of("// @lesson w1d1 MemTable::put\n") ==
        "reference/src/x.cpp:1: missing `: <hint>` after function `MemTable::put`");
  CHECK(error_of("// @lesson w1d1 MemTable::put:\n") ==
        "reference/src/x.cpp:1: empty hint after `MemTable::put:`");
  CHECK(error_of("// @lesson w1d1 MemTable::put:   \n") ==
        "reference/src/x.cpp:1: empty hint after `MemTable::put:`");
  CHECK(error_of("// @lesson w1d1 a\"b: h\n") ==
        "reference/src/x.cpp:1: function `a\"b` must not contain quotes or backslashes");
}

TEST_CASE("malformed region structure", "[lesson]") {
  CHECK(error_of("a\n// @lesson end\n") ==
        "reference/src/x.cpp:2: `@lesson end` without an open region");
  CHECK(error_of("a\n// @lesson w1d2 replaces: h\n") ==
        "reference/src/x.cpp:2: `@lesson replaces` outside a region");
  CHECK(error_of("// @lesson w1d1 f: h\n//| a\n// @lesson w1d2 replaces:\nb\n// @lesson end\n") ==
        "reference/src/x.cpp:3: empty hint after `replaces:`");
  CHECK(error_of("// @lesson w1d1 f: h\n//| a\n// @lesson w1d2 replaces h\n") ==
        "reference/src/x.cpp:3: expected `replaces: <hint>`");
  CHECK(error_of("x\n// @lesson w1d1 f: h\na\n") ==
        "reference/src/x.cpp:2: region is never closed; add `// @lesson end`");
  CHECK(error_of("// @lesson w1d1 f: h\n// @lesson w1d2 f: h\n// @lesson end\n") ==
        "reference/src/x.cpp:1: region is never closed; add `// @lesson end`");
}

TEST_CASE("replaces must name a later chapter", "[lesson]") {
  CHECK(error_of("// @lesson w1d3 f: h\n//| a\n// @lesson w1d2 replaces: h\nb\n// @lesson end\n") ==
        "reference/src/x.cpp:3: `replaces` needs a chapter later than w1d3, got w1d2");
  CHECK(error_of("// @lesson w1d3 f: h\n//| a\n// @lesson w1d3 replaces: h\nb\n// @lesson end\n") ==
        "reference/src/x.cpp:3: `replaces` needs a chapter later than w1d3, got w1d3");
}

TEST_CASE("archived and live lines must be where they belong", "[lesson]") {
  CHECK(error_of("// @lesson w1d1 f: h\n//| a\n  b();\n// @lesson w1d2 replaces: h\nc\n"
                 "// @lesson end\n") ==
        "reference/src/x.cpp:3: the w1d1 variant is replaced by w1d2, so this line must be "
        "archived: prefix it with `//| `");
  CHECK(error_of("// @lesson w1d1 f: h\n//| a\n// @lesson w1d2 replaces: h\n  //| c\n"
                 "// @lesson end\n") ==
        "reference/src/x.cpp:4: archived line (`//|`) in the last (live) variant of a region; "
        "only a variant followed by `replaces` is archived");
  CHECK(error_of("a\n  //| b\n") ==
        "reference/src/x.cpp:2: archived line (`//|`) outside any lesson region; only a variant "
        "followed by `replaces` is archived");
  CHECK(error_of("// @lesson w1d1 f: h\n//|a\n// @lesson w1d2 replaces: h\nb\n// @lesson end\n") ==
        "reference/src/x.cpp:2: malformed archived line; write `//| <code>`, or a bare `//|`");
  CHECK(error_of("// @lesson w1d1 f: h\n//| //| a\n// @lesson w1d2 replaces: h\nb\n"
                 "// @lesson end\n") ==
        "reference/src/x.cpp:2: line is archived twice; one `//| ` is enough");
  CHECK(error_of("// @lesson w1d1 f: h\n//| // @lesson w1d1 g: h\n// @lesson w1d2 replaces: h\n"
                 "b\n// @lesson end\n") ==
        "reference/src/x.cpp:2: `@lesson` may only appear in a marker line of its own, like "
        "`// @lesson end`");
}

TEST_CASE("nested regions must sit in the live variant, not earlier than it", "[lesson]") {
  CHECK(error_of("// @lesson w1d1 f: h\n//| a\n// @lesson w1d2 solution-only\nb\n"
                 "// @lesson end\n// @lesson w1d3 replaces: h\nc\n// @lesson end\n") ==
        "reference/src/x.cpp:3: nested region in the w1d1 variant, which is archived; regions may "
        "only be nested in the last variant");
  CHECK(error_of("// @lesson w1d3 f: h\na\n  // @lesson w1d2 g: h\n  b\n  // @lesson end\n"
                 "// @lesson end\n") ==
        "reference/src/x.cpp:3: nested region of w1d2 is earlier than its enclosing variant of "
        "w1d3");
  CHECK(error_of("// @lesson w1d1 f: h\n//| a\n// @lesson w1d3 replaces: h\n"
                 "  // @lesson w1d2 g: h\n  b\n  // @lesson end\n// @lesson end\n") ==
        "reference/src/x.cpp:4: nested region of w1d2 is earlier than its enclosing variant of "
        "w1d3");
}
