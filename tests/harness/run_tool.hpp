// Runs one of the tree's command-line tools (manifest-dump, ...) with arguments, as a user would
// from a shell, and keeps what it printed on each stream and its exit status.
#pragma once

#include <stdio.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace mini_lsm::testing {

struct ToolResult {
  std::string out;     // stdout
  std::string err;     // stderr
  int exit_code = -1;  // -1 when the tool did not exit by itself (a crash, a signal)
};

/// `text` quoted for the shell, whatever it holds: inside single quotes only ' is special.
inline std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (const char c : text) {
    quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  return quoted + "'";
}

/// Runs `binary` with `arguments` (each passed as one argument, quoted here) and no input.
/// stderr goes through the file `stderr_file` (overwritten), so that the two streams stay apart.
inline ToolResult run_tool(const std::string& binary, const std::vector<std::string>& arguments,
                           const std::filesystem::path& stderr_file) {
  std::string command = shell_quote(binary);
  for (const std::string& argument : arguments) {
    command += " " + shell_quote(argument);
  }
  command += " < /dev/null 2> " + shell_quote(stderr_file.string());
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    throw std::runtime_error("cannot run " + command);
  }
  ToolResult result;
  char buffer[4096];
  for (std::size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) {
    result.out.append(buffer, n);
  }
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream errors(stderr_file, std::ios::binary);
  result.err.assign(std::istreambuf_iterator<char>(errors), std::istreambuf_iterator<char>());
  return result;
}

}  // namespace mini_lsm::testing
