// Tests of process.hpp and text.hpp: running programs, and the text helpers.
#include "../src/process.hpp"

#include "../../tests/harness/catch.hpp"
#include "../src/text.hpp"

using xtask::Output;
using xtask::run;

TEST_CASE("a program's output and exit code are captured", "[xtask]") {
  auto result =
      run({.argv = {"sh", "-c", "echo out; echo err >&2; exit 3"}, .output = Output::capture});
  CHECK(result.exit_code == 3);
  CHECK(result.output == "out\nerr\n");
  auto quiet =
      run({.argv = {"sh", "-c",
                    "echo out; echo \"(xtask_tests: this line on stderr is expected)\" >&2"},
           .output = Output::capture,
           .merge_stderr = false});
  CHECK(quiet.output == "out\n");
}

TEST_CASE("input is fed to stdin, even more than a pipe buffer holds", "[xtask]") {
  std::string input(1 << 20, 'x');
  input += "\nend\n";
  auto result = run({.argv = {"wc", "-c"}, .output = Output::capture, .input = input});
  CHECK(std::stoul(result.output) == input.size());
  auto echoed = run({.argv = {"cat"}, .output = Output::capture, .input = input});
  CHECK(echoed.output == input);  // both pipes full at once must not deadlock
  auto early = run({.argv = {"head", "-c", "1"}, .output = Output::capture, .input = input});
  CHECK(early.output == "x");
}

TEST_CASE("working directory and environment are passed to the program", "[xtask]") {
  auto result = run({.argv = {"sh", "-c", "pwd; echo $XTASK_TEST_VALUE"},
                     .cwd = "/",
                     .output = Output::capture,
                     .env = {{"XTASK_TEST_VALUE", "42"}}});
  CHECK(result.output == "/\n42\n");
}

TEST_CASE("a missing program is an exception, not an exit code", "[xtask]") {
  CHECK_THROWS_WITH(run({.argv = {"xtask-no-such-program"}}),
                    "cannot run xtask-no-such-program: No such file or directory");
  CHECK_FALSE(xtask::find_program("xtask-no-such-program"));
  CHECK(xtask::find_program("sh"));
}

TEST_CASE("tables pad columns and lines split without a trailing empty line", "[xtask]") {
  CHECK(xtask::format_table({{"w1d1", "3/12 passed", "FAILED"}, {"provided", "5/5 passed", ""}}) ==
        "  w1d1      3/12 passed  FAILED\n  provided  5/5 passed\n");
  CHECK(xtask::split_lines("a\n\nb\n") == std::vector<std::string_view>{"a", "", "b"});
  CHECK(xtask::split_lines("a") == std::vector<std::string_view>{"a"});
  CHECK(xtask::join({"a", "b"}, ", ") == "a, b");
  CHECK(xtask::first_line("one\ntwo") == "one");
}

TEST_CASE("a line filter drops noise lines, also across chunk boundaries", "[xtask]") {
  xtask::LineFilter filter({"Internal ctest", "-- GLOB mismatch!"}, false);
  std::string shown = filter.feed("Internal ctest changing into directory: /b\nTest #1: a");
  CHECK(shown.empty());  // the noise is gone, "Test #1: a" waits for its end
  shown += filter.feed(" ... Passed\n-- GLOB mis");
  shown += filter.feed("match!\nlast line without newline");
  shown += filter.finish();
  CHECK(shown == "Test #1: a ... Passed\nlast line without newline");
}

TEST_CASE("on a terminal, progress lines overwrite each other", "[xtask]") {
  CHECK(xtask::is_status_line("[3/26] Building CXX object x.o"));
  CHECK_FALSE(xtask::is_status_line("[w1d1][memtable]"));
  CHECK_FALSE(xtask::is_status_line("[/3] x"));
  CHECK_FALSE(xtask::is_status_line("error: x"));

  xtask::LineFilter filter({}, true);
  std::string lines = filter.feed("[1/3] Building a.o\n[2/3] Building b.o\nb.cpp:1: error: x\n");
  CHECK(filter.display(lines) ==
        "\r\x1b[K[1/3] Building a.o\r\x1b[K[2/3] Building b.o\nb.cpp:1: error: x\n");
  CHECK(filter.display(filter.feed("[3/3] Linking\n")) == "\r\x1b[K[3/3] Linking");
  CHECK(filter.end_display() == "\n");
  CHECK(filter.end_display().empty());

  xtask::LineFilter plain({}, false);  // not a terminal: every line as it is
  CHECK(plain.display(plain.feed("[1/3] Building a.o\n")) == "[1/3] Building a.o\n");
  CHECK(plain.end_display().empty());
}
