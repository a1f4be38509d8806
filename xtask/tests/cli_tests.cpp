// Tests of cli.hpp: the checks of the command line that run before CLI11 parses it.
#include "../src/cli.hpp"

#include <string>
#include <vector>

#include "../../tests/harness/catch.hpp"

using xtask::command_index;
using xtask::OptionInfo;
using xtask::unknown_command_message;
using xtask::unknown_option;
using xtask::unknown_option_message;

namespace {

const std::vector<OptionInfo> kCopyTest = {{{"-h", "--help"}, false},
                                           {{"--week"}, true},
                                           {{"--day"}, true},
                                           {{"--tree"}, true},
                                           {{"--force"}, false}};

}  // namespace

TEST_CASE("the command is the first argument after the global options", "[xtask][cli]") {
  using Args = std::vector<std::string>;
  CHECK(command_index(Args{"--root", "/repo", "copy-test", "--week", "1"}) == 2U);
  CHECK(command_index(Args{"--root=/repo", "grade"}) == 1U);
  CHECK(command_index(Args{"scheck"}) == 0U);
  CHECK_FALSE(command_index(Args{"--root", "/repo"}));
  CHECK_FALSE(command_index(Args{"--root", "/repo", "--help"}));
  CHECK_FALSE(command_index(Args{}));
}

TEST_CASE("an unknown command is named and the commands are listed", "[xtask][cli]") {
  std::string message =
      unknown_command_message("frob", {{"scheck", "Check your tree"}, {"test", "Run the suite"}});
  CHECK(message ==
        "unknown command frob; the commands are:\n"
        "    scheck  Check your tree\n"
        "    test    Run the suite\n"
        "run ./x <command> --help for what a command does");
}

TEST_CASE("no command at all also lists the commands", "[xtask][cli]") {
  CHECK(unknown_command_message("", {{"test", "Run the suite"}}) ==
        "no command given; the commands are:\n"
        "    test  Run the suite\n"
        "run ./x <command> --help for what a command does");
}

TEST_CASE("grade and status are commands now, not planned ones", "[xtask][cli]") {
  for (const char* name : {"grade", "status"}) {
    CHECK(unknown_command_message(name, {{"test", "Run the suite"}})
              .starts_with("unknown command " + std::string(name) + "; the commands are:"));
  }
}

TEST_CASE("options that are not the command's are found, values are skipped", "[xtask][cli]") {
  using Args = std::vector<std::string>;
  CHECK(unknown_option(Args{"-w", "1", "--day", "1"}, kCopyTest) == "-w");
  CHECK(unknown_option(Args{"--wee", "1"}, kCopyTest) == "--wee");
  CHECK(unknown_option(Args{"--week=1", "--day", "2", "--bogus=3"}, kCopyTest) == "--bogus=3");
  CHECK_FALSE(unknown_option(Args{"--week", "1", "--day", "2", "--force"}, kCopyTest));
  CHECK_FALSE(unknown_option(Args{"--tree", "-odd-dir", "--week", "1"}, kCopyTest));
  CHECK_FALSE(unknown_option(Args{"--week", "1", "--", "-x"}, kCopyTest));
  CHECK(unknown_option(Args{"--force", "-x"}, kCopyTest) == "-x");  // a flag takes no value
}

TEST_CASE("the unknown-option message suggests the option meant and lists the others",
          "[xtask][cli]") {
  CHECK(unknown_option_message("copy-test", "-w", kCopyTest) ==
        "unknown option -w for ./x copy-test (did you mean --week?); its options: --week; "
        "--day; --tree; --force (see ./x copy-test --help)");
  CHECK(unknown_option_message("copy-test", "--wee=1", kCopyTest).find("did you mean --week?") !=
        std::string::npos);
  CHECK(unknown_option_message("copy-test", "-x", kCopyTest).find("did you mean") ==
        std::string::npos);
  CHECK(unknown_option_message("doctor", "-x", {{{"-h", "--help"}, false}}) ==
        "unknown option -x for ./x doctor; it takes no options (see ./x doctor --help)");
}
