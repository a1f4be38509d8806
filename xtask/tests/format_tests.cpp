// Tests of format.hpp: which files clang-format complained about, and the command that fixes them.
#include "../src/format.hpp"

#include <string>
#include <vector>

#include "../../tests/harness/catch.hpp"

using xtask::FormatReport;
using xtask::FormatResult;

TEST_CASE("the files clang-format complains about are picked from its output", "[xtask][format]") {
  const std::vector<std::filesystem::path> files = {"/r/starter/src/a.cpp", "/r/starter/src/b.cpp",
                                                    "/r/starter/src/ab.cpp"};
  const std::string output =
      "/r/starter/src/b.cpp:3:10: error: code should be clang-formatted "
      "[-Wclang-format-violations]\n"
      "int  x;\n"
      "    ^\n";
  CHECK(xtask::files_with_complaints(output, files) ==
        std::vector<std::filesystem::path>{"/r/starter/src/b.cpp"});
  CHECK(xtask::files_with_complaints("", files).empty());
}

TEST_CASE("the fix command names the files relative to the working directory", "[xtask][format]") {
  CHECK(xtask::format_fix_command({"/r/starter/src/a.cpp", "/r/starter/src/b.cpp"},
                                  "/r/.clang-format",
                                  "/r") == "clang-format -i starter/src/a.cpp starter/src/b.cpp");
  // A tree outside the repository does not find the style file by itself.
  CHECK(xtask::format_fix_command({"/tmp/tree/src/a.cpp"}, "/r/.clang-format", "/r") ==
        "clang-format -i --style=file:/r/.clang-format /tmp/tree/src/a.cpp");
}

TEST_CASE("the closing summary lists the files and the fix", "[xtask][format]") {
  FormatReport report{.result = FormatResult::unformatted,
                      .unformatted = {"/r/starter/src/a.cpp"},
                      .fix = "clang-format -i starter/src/a.cpp"};
  CHECK(xtask::format_failure_summary(report, "/r") ==
        "error: formatting failed: 1 file needs clang-format (its complaints are further up):\n"
        "  starter/src/a.cpp\n"
        "fix them with:\n"
        "  clang-format -i starter/src/a.cpp\n");
}
