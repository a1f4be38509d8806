// ./x fuzz: what libFuzzer's output says about a run of one fuzz target (fuzz/*.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xtask {

/// The numbers a libFuzzer run ends with.
struct FuzzRunStats {
  std::uint64_t runs = 0;      ///< inputs tried ("stat::number_of_executed_units: 5000")
  std::uint64_t coverage = 0;  ///< code edges reached, from the last "cov: N" of a status line
  std::uint64_t corpus = 0;    ///< inputs kept, from the last "corp: N/..." of a status line
};

/// The stats of a run, from its output; zeros for what is missing.
FuzzRunStats parse_fuzz_stats(std::string_view output);

/// The file libFuzzer saved the input of a finding to ("Test unit written to ./crash-..."), or
/// nullopt when it saved none.
std::optional<std::string> fuzz_finding_file(std::string_view output);

/// The lines of a finding's report worth showing: from libFuzzer's or a sanitizer's first
/// "==N==ERROR", "==N== ERROR", an uncaught exception's "terminate called ..." or a target's own
/// "mini-lsm fuzz: broken property" line (or UBSan's "runtime error:"), up to
/// the line naming the saved input; the last `max_lines` lines of the output when none is found.
std::string fuzz_finding_report(std::string_view output, std::size_t max_lines);

}  // namespace xtask
