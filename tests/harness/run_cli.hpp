// Runs the tree's mini-lsm-cli on a script, as a user piping commands into it would.
#pragma once

#include <stdio.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace mini_lsm::testing {

struct CliResult {
  std::string output;  // stdout and stderr, interleaved as printed
  int exit_code = -1;
};

/// Runs `mini-lsm-cli <arguments>` with `script` (written to `script_file`) on its stdin.
/// `arguments` go to the shell as they are: quote what needs quoting. MINI_LSM_CLI is the path
/// of the binary, set by the build.
inline CliResult run_cli_with(const std::string& arguments,
                              const std::filesystem::path& script_file, const std::string& script) {
  std::ofstream(script_file, std::ios::binary) << script;
  const std::string command =
      std::string("'") + MINI_LSM_CLI + "' " + arguments + " < '" + script_file.string() + "' 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    throw std::runtime_error("cannot run " + command);
  }
  CliResult result;
  char buffer[4096];
  for (std::size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) {
    result.output.append(buffer, n);
  }
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

/// Runs `mini-lsm-cli --path <database>` with `script` on its stdin.
inline CliResult run_cli(const std::filesystem::path& database, const std::string& script) {
  return run_cli_with("--path '" + database.string() + "'", database.string() + ".script", script);
}

}  // namespace mini_lsm::testing
