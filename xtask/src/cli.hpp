// Checks of the command line that run before CLI11 parses it, so that a wrong command or option
// gets a message that says what exists instead of CLI11's generic one.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xtask {

/// A command of ./x, for the list shown after an unknown command.
struct CommandInfo {
  std::string name;
  std::string description;
};

/// An option of a command: its spellings ("--week", "-h", "--help") and whether it takes a value.
struct OptionInfo {
  std::vector<std::string> names;
  bool takes_value = false;
};

/// The index in `args` (argv without argv[0]) of the first argument that names a command, after
/// the global options (`--root DIR`, `--root=DIR`). nullopt when there is none, or when a help
/// flag (-h, --help) or another option comes first: CLI11 handles those.
std::optional<std::size_t> command_index(const std::vector<std::string>& args);

/// Why `name` is not a command: "not there yet" for a planned command (grade, ...), otherwise
/// "unknown command" (or "no command given" for an empty `name`) and the list of `commands`.
std::string unknown_command_message(std::string_view name,
                                    const std::vector<CommandInfo>& commands);

/// The first argument of `args` (those after the command) that looks like an option ("-w",
/// "--wee", "--week=1" is fine) but is none of `options`. Values of options that take one are
/// skipped, so `--tree -odd` is not reported.
std::optional<std::string> unknown_option(const std::vector<std::string>& args,
                                          const std::vector<OptionInfo>& options);

/// "unknown option -w for ./x copy-test (did you mean --week?); its options: ...".
std::string unknown_option_message(std::string_view command, std::string_view option,
                                   const std::vector<OptionInfo>& options);

}  // namespace xtask
