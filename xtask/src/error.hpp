// Errors and exit codes shared by every xtask command.
#pragma once

#include <stdexcept>

namespace xtask {

/// Exit codes of every command: 0 ok, 1 a check or test failed, 2 the command was called wrongly.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

/// A command was called with arguments that cannot work (exit code 2). The message is shown as
/// `error: <message>`, so it should say what was wrong and what would be right.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace xtask
