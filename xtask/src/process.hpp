// Running other programs (cmake, ctest, clang-format, doxygen, ...) with fork/execvp.
#pragma once

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
};

struct Result {
  int exit_code = 0;   ///< the exit status, or 128 + signal number when killed by a signal
  std::string output;  ///< what was captured (Output::capture and Output::tee)
  bool ok() const { return exit_code == 0; }
};

/// Runs a command to completion. Throws std::runtime_error when the program cannot be started.
Result run(const Command& command);

/// The full path of a program on PATH, like `command -v`.
std::optional<std::filesystem::path> find_program(std::string_view name);

/// The first line of a text (without its newline): handy for `tool --version`.
std::string first_line(std::string_view text);

}  // namespace xtask
