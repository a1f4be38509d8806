#include "cli.hpp"

#include <algorithm>

#include "text.hpp"

namespace xtask {
namespace {

/// Commands of the course's design that are not written yet, and what to use meanwhile.
struct PlannedCommand {
  std::string_view name;
  std::string_view meanwhile;
};

constexpr PlannedCommand kPlanned[] = {
    {"grade",
     "until then, ./x test --tree DIR runs the official suite against a student's tree DIR"},
};

bool is_help(std::string_view arg) {
  return arg == "-h" || arg == "--help";
}

/// The spelling of `option` without a value attached: "--week=1" -> "--week".
std::string_view option_name(std::string_view arg) {
  if (arg.starts_with("--")) {
    return arg.substr(0, arg.find('='));
  }
  return arg;
}

const OptionInfo* find_option(const std::vector<OptionInfo>& options, std::string_view name) {
  for (const auto& option : options) {
    if (std::find(option.names.begin(), option.names.end(), name) != option.names.end()) {
      return &option;
    }
  }
  return nullptr;
}

/// A long option that `typo` is probably meant to be: "-w" or "--wee" -> "--week".
std::optional<std::string> suggestion(std::string_view typo,
                                      const std::vector<OptionInfo>& options) {
  std::string_view stem = typo;
  while (stem.starts_with('-')) {
    stem.remove_prefix(1);
  }
  if (stem.empty()) {
    return std::nullopt;
  }
  std::optional<std::string> found;
  for (const auto& option : options) {
    for (const auto& name : option.names) {
      if (name.starts_with("--") && std::string_view(name).substr(2).starts_with(stem)) {
        if (found) {
          return std::nullopt;  // ambiguous
        }
        found = name;
      }
    }
  }
  return found;
}

}  // namespace

std::optional<std::size_t> command_index(const std::vector<std::string>& args) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--root") {
      ++i;
      continue;
    }
    if (arg.starts_with("--root=")) {
      continue;
    }
    if (arg.starts_with('-')) {
      return std::nullopt;
    }
    return i;
  }
  return std::nullopt;
}

std::string unknown_command_message(std::string_view name,
                                    const std::vector<CommandInfo>& commands) {
  for (const auto& planned : kPlanned) {
    if (planned.name == name) {
      std::string message = "./x " + std::string(name) +
                            " is not there yet: it is coming in a later release of the course";
      if (!planned.meanwhile.empty()) {
        message += "; " + std::string(planned.meanwhile);
      }
      return message;
    }
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& command : commands) {
    rows.push_back({command.name, command.description});
  }
  std::string what = name.empty() ? "no command given" : "unknown command " + std::string(name);
  return what + "; the commands are:\n" + format_table(rows, "    ") +
         "run ./x <command> --help for what a command does";
}

std::optional<std::string> unknown_option(const std::vector<std::string>& args,
                                          const std::vector<OptionInfo>& options) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      return std::nullopt;  // everything after it is positional
    }
    if (!arg.starts_with('-') || arg == "-") {
      continue;
    }
    const OptionInfo* option = find_option(options, option_name(arg));
    if (!option) {
      return arg;
    }
    if (option->takes_value && arg.find('=') == std::string::npos) {
      ++i;  // its value, whatever it looks like
    }
  }
  return std::nullopt;
}

std::string unknown_option_message(std::string_view command, std::string_view option,
                                   const std::vector<OptionInfo>& options) {
  std::string message =
      "unknown option " + std::string(option) + " for ./x " + std::string(command);
  if (auto guess = suggestion(option_name(option), options)) {
    message += " (did you mean " + *guess + "?)";
  }
  std::vector<std::string> names;
  for (const auto& known : options) {
    std::string spelled = join(known.names, ", ");
    if (std::find_if(known.names.begin(), known.names.end(), is_help) == known.names.end()) {
      names.push_back(spelled);
    }
  }
  message += names.empty() ? "; it takes no options" : "; its options: " + join(names, "; ");
  return message + " (see ./x " + std::string(command) + " --help)";
}

}  // namespace xtask
