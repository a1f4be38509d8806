// Running other programs (cmake, ctest, clang-format, doxygen, ...) with fork/execvp.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xtask {

/// Where the standard output (and standard error) of a child process goes.
enum class Output {
  inherit,  ///< straight to our terminal
  capture,  ///< collected into Result::output only
  tee,      ///< collected into Result::output and shown on our terminal as it arrives
  discard,  ///< thrown away
};

struct Command {
  std::vector<std::string> argv;   ///< argv[0] is looked up on PATH
  std::filesystem::path cwd = {};  ///< empty = our working directory
  Output output = Output::inherit;
  bool merge_stderr = true;               ///< with capture/tee/discard: stderr goes the same way
  std::optional<std::string> input = {};  ///< written to stdin, then closed; nullopt = inherit
  std::vector<std::pair<std::string, std::string>> env = {};  ///< added to our environment
  /// Lines of the output that start with one of these are dropped (noise such as CTest's
  /// "Internal ctest changing into directory"). With Output::inherit, a non-empty list makes the
  /// output go through us, line by line.
  std::vector<std::string> drop_lines = {};
  /// With Output::inherit or tee on a terminal: progress lines like Ninja's "[3/26] Building ..."
  /// overwrite each other on one line, as Ninja itself does on a terminal.
  bool status_lines = false;
};

/// Filters a child's output line by line: drops noise lines, and on a terminal shows progress
/// lines ("[3/26] ...") on one line that the next one overwrites.
class LineFilter {
 public:
  LineFilter(std::vector<std::string> drop, bool overwrite_status)
      : drop_(std::move(drop)), overwrite_status_(overwrite_status) {}

  /// The complete lines of everything fed so far that were not shown yet, without the dropped
  /// ones; an unfinished last line waits for the rest.
  std::string feed(std::string_view chunk);
  /// What is left at the end (an unfinished last line), filtered.
  std::string finish();
  /// How to show `lines` (as returned by feed/finish) on the terminal.
  std::string display(std::string_view lines);
  /// What ends the display (a newline after a status line), once everything was shown.
  std::string end_display();

 private:
  bool dropped(std::string_view line) const;

  std::vector<std::string> drop_;
  bool overwrite_status_ = false;
  bool status_open_ = false;
  std::string pending_;
};

/// True for a progress line of Ninja ("[3/26] Building CXX object ...").
bool is_status_line(std::string_view line);

struct Result {
  int exit_code = 0;   ///< the exit status, or 128 + signal number when killed by a signal
  std::string output;  ///< what was captured (Output::capture and Output::tee)
  /// The child's peak resident set size in KiB (wait4's ru_maxrss; on macOS it counts bytes).
  std::uint64_t peak_rss_kib = 0;
  bool ok() const { return exit_code == 0; }
};

/// Runs a command to completion. Throws std::runtime_error when the program cannot be started.
Result run(const Command& command);

/// The full path of a program on PATH, like `command -v`.
std::optional<std::filesystem::path> find_program(std::string_view name);

/// The first line of a text (without its newline): handy for `tool --version`.
std::string first_line(std::string_view text);

}  // namespace xtask
