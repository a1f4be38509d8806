#include "../src/fuzz.hpp"

#include <string>

#include "../../tests/harness/catch.hpp"

namespace {

const std::string kCleanRun =
    "INFO: Seed: 1\n"
    "#2\tINITED cov: 123 ft: 140 corp: 2/3000b exec/s: 0 rss: 30Mb\n"
    "#1024\tpulse  cov: 150 ft: 200 corp: 10/5Kb lim: 4096 exec/s: 512 rss: 40Mb\n"
    "#5000\tDONE   cov: 161 ft: 230 corp: 15/6Kb lim: 4096 exec/s: 1250 rss: 45Mb\n"
    "Done 5000 runs in 4 second(s)\n"
    "stat::number_of_executed_units: 5000\n"
    "stat::average_exec_per_sec:     1250\n";

const std::string kFinding =
    "#2\tINITED cov: 99 ft: 120 corp: 2/3000b exec/s: 0 rss: 30Mb\n"
    "#40\tNEW    cov: 104 ft: 130 corp: 3/3100b lim: 4096 exec/s: 0 rss: 30Mb L: 70/2000\n"
    "mini-lsm fuzz: broken property: a record that decodes encodes back to its bytes\n"
    "==4242== ERROR: libFuzzer: deadly signal\n"
    "    #0 0x52 in __sanitizer_print_stack_trace\n"
    "MS: 1 ChangeBit-; base unit: 0123\n"
    "artifact_prefix='/b/findings/manifest_record-'; Test unit written to "
    "/b/findings/manifest_record-crash-8f2a\n"
    "Base64: AQID\n"
    "stat::number_of_executed_units: 41\n";

}  // namespace

TEST_CASE("a fuzz run's stats are its executed units and its last coverage and corpus",
          "[xtask][fuzz]") {
  const xtask::FuzzRunStats stats = xtask::parse_fuzz_stats(kCleanRun);
  CHECK(stats.runs == 5000);
  CHECK(stats.coverage == 161);
  CHECK(stats.corpus == 15);
  const xtask::FuzzRunStats none = xtask::parse_fuzz_stats("");
  CHECK(none.runs == 0);
  CHECK(none.coverage == 0);
  CHECK(none.corpus == 0);
}

TEST_CASE("a fuzz finding's report starts at an uncaught exception's message", "[xtask][fuzz]") {
  const std::string output =
      "#10\tNEW    cov: 416 ft: 420 corp: 3/300b lim: 4096 exec/s: 0 rss: 30Mb\n"
      "terminate called after throwing an instance of 'mini_lsm::Corruption'\n"
      "  what():  fuzz.sst at 4170: entry 5 ends past the block\n"
      "==1541== ERROR: libFuzzer: deadly signal\n";
  CHECK(xtask::fuzz_finding_report(output, 3) ==
        "terminate called after throwing an instance of 'mini_lsm::Corruption'\n"
        "  what():  fuzz.sst at 4170: entry 5 ends past the block\n"
        "==1541== ERROR: libFuzzer: deadly signal\n");
}

TEST_CASE("a fuzz finding names its saved input, and its report starts at the first error",
          "[xtask][fuzz]") {
  CHECK(xtask::fuzz_finding_file(kFinding) == "/b/findings/manifest_record-crash-8f2a");
  CHECK_FALSE(xtask::fuzz_finding_file(kCleanRun).has_value());
  CHECK(xtask::fuzz_finding_report(kFinding, 40) ==
        "mini-lsm fuzz: broken property: a record that decodes encodes back to its bytes\n"
        "==4242== ERROR: libFuzzer: deadly signal\n"
        "    #0 0x52 in __sanitizer_print_stack_trace\n"
        "MS: 1 ChangeBit-; base unit: 0123\n"
        "artifact_prefix='/b/findings/manifest_record-'; Test unit written to "
        "/b/findings/manifest_record-crash-8f2a\n");
  // At most max_lines from the first error on.
  CHECK(xtask::fuzz_finding_report(kFinding, 2) ==
        "mini-lsm fuzz: broken property: a record that decodes encodes back to its bytes\n"
        "==4242== ERROR: libFuzzer: deadly signal\n");
  // No error line: the last lines of the output.
  CHECK(xtask::fuzz_finding_report(kCleanRun, 2) ==
        "stat::number_of_executed_units: 5000\n"
        "stat::average_exec_per_sec:     1250\n");
}
