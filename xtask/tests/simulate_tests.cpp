// Tests of simulate.hpp: how ./x simulate cuts compaction-simulator's output into steps and
// compares a tree's run with the reference's.
#include "../src/simulate.hpp"

#include <string>
#include <vector>

#include "../../tests/harness/catch.hpp"

using xtask::compare_simulations;
using xtask::split_simulation;
using xtask::without_chart_flag;

namespace {

const std::string kHeader =
    "compaction-simulator: simple leveled compaction (size ratio 200%)\n"
    "workload: 2 flushes of 1000 keys drawn from 100000 (100 bytes a key, seed 1)\n";
const std::string kStep1 =
    "step 1: flush SST 1\n"
    "  L0  1 SST, 100.0 kB [1]\n"
    "  L1  empty\n";
const std::string kStep2 =
    "step 2: flush SST 2\n"
    "  compact L0 [2 1] + L1 [] -> L1 (bottom)\n"
    "  L0  empty\n"
    "  L1  2 SSTs, 198.5 kB [3 4]\n";
const std::string kSummary =
    "summary after 2 steps:\n"
    "  write amplification  1.99\n"
    "  compactions          1\n";
const std::string kRun = kHeader + kStep1 + kStep2 + kSummary;

}  // namespace

TEST_CASE("a simulator's output is cut into the header, one block per step and the summary",
          "[xtask][simulate]") {
  const auto blocks = split_simulation(kRun);
  REQUIRE(blocks.size() == 4);
  CHECK(blocks[0].name == "the header");
  CHECK_FALSE(blocks[0].is_step);
  CHECK(blocks[0].lines.size() == 2);
  CHECK(blocks[1].name == "step 1");
  CHECK(blocks[1].is_step);
  CHECK(blocks[1].lines == std::vector<std::string>{"step 1: flush SST 1",
                                                    "  L0  1 SST, 100.0 kB [1]", "  L1  empty"});
  CHECK(blocks[2].name == "step 2");
  CHECK(blocks[2].lines.size() == 4);
  CHECK(blocks[3].name == "the summary");
  CHECK(blocks[3].lines.front() == "summary after 2 steps:");
}

TEST_CASE("a step's error line stays in the step it ends, and lines like steps are not steps",
          "[xtask][simulate]") {
  const auto blocks = split_simulation(
      "step 1: flush SST 1\n"
      "step 1: error: not implemented\n"
      "step one: not a step\n"
      "step 2 without a colon\n");
  REQUIRE(blocks.size() == 1);  // no header: the output starts with a step
  CHECK(blocks[0].name == "step 1");
  CHECK(blocks[0].lines.size() == 4);
}

TEST_CASE("two equal runs are identical for every step", "[xtask][simulate]") {
  const auto verdict = compare_simulations("starter/", kRun, kRun);
  CHECK(verdict.identical);
  CHECK(verdict.text ==
        "identical for 2 steps: the same tasks, the same levels and the same "
        "summary\n");
}

TEST_CASE("two runs that stop at the same error are identical, and say so", "[xtask][simulate]") {
  const std::string failed = kHeader + "step 1: flush SST 1\nstep 1: error: w2d2 to do\n";
  const auto verdict = compare_simulations("starter/", failed, failed);
  CHECK(verdict.identical);
  CHECK(verdict.text ==
        "identical for 1 step, and both stop with the same error:\n"
        "  step 1: error: w2d2 to do\n");
}

TEST_CASE("the first differing step is shown from both sides", "[xtask][simulate]") {
  const std::string starter = kHeader + "step 1: flush SST 1\nstep 1: error: w2d2 to do\n";
  const auto verdict = compare_simulations("starter/", starter, kRun);
  CHECK_FALSE(verdict.identical);
  CHECK(verdict.text ==
        "first difference at step 1:\n"
        "  starter/:\n"
        "    step 1: flush SST 1\n"
        "    step 1: error: w2d2 to do\n"
        "  reference/:\n"
        "    step 1: flush SST 1\n"
        "      L0  1 SST, 100.0 kB [1]\n"
        "      L1  empty\n");
}

TEST_CASE("a difference in a later step names that step, not an earlier equal one",
          "[xtask][simulate]") {
  const std::string other = kHeader + kStep1 + "step 2: flush SST 2\n  L0  2 SSTs\n" + kSummary;
  const auto verdict = compare_simulations("mine/", other, kRun);
  CHECK_FALSE(verdict.identical);
  CHECK(verdict.text.starts_with("first difference at step 2:\n  mine/:\n    step 2: flush"));
}

TEST_CASE("a run that ends early is a difference, with nothing on its side", "[xtask][simulate]") {
  const auto verdict = compare_simulations("starter/", kHeader + kStep1, kRun);
  CHECK_FALSE(verdict.identical);
  CHECK(verdict.text ==
        "first difference at step 2:\n"
        "  starter/:\n"
        "    (nothing: this run ended earlier)\n"
        "  reference/:\n" +
            std::string("    step 2: flush SST 2\n") +
            "      compact L0 [2 1] + L1 [] -> L1 (bottom)\n"
            "      L0  empty\n"
            "      L1  2 SSTs, 198.5 kB [3 4]\n");
}

TEST_CASE("differing headers and summaries are named as such", "[xtask][simulate]") {
  const std::string other_header =
      "compaction-simulator: other defaults\n" + kStep1 + kStep2 + kSummary;
  CHECK(compare_simulations("s/", other_header, kRun)
            .text.starts_with("first difference before step 1, in the parameters of the run"));
  const std::string other_summary = kHeader + kStep1 + kStep2 + "summary after 2 steps:\n";
  CHECK(compare_simulations("s/", other_summary, kRun)
            .text.starts_with("first difference in the summary, after every step agreed:\n"));
}

TEST_CASE("a long step is cut short when shown", "[xtask][simulate]") {
  std::string long_step = "step 1: flush SST 1\n";
  for (int tier = 100; tier > 0; --tier) {
    long_step += "  tier " + std::to_string(tier) + "  1 SST\n";
  }
  const auto verdict = compare_simulations("mine/", long_step, kStep1);
  CHECK_FALSE(verdict.identical);
  CHECK(verdict.text.find("    ... and 61 more lines\n  reference/:\n") != std::string::npos);
  CHECK(verdict.text.find("tier 62  1 SST") != std::string::npos);  // the 40th line
  CHECK(verdict.text.find("tier 61  1 SST") == std::string::npos);
}

TEST_CASE("--chart is taken out of the simulator's arguments and remembered", "[xtask][simulate]") {
  bool chart = false;
  CHECK(without_chart_flag({"--steps", "5", "--chart", "--seed", "2"}, chart) ==
        std::vector<std::string>{"--steps", "5", "--seed", "2"});
  CHECK(chart);
  CHECK(without_chart_flag({"--steps", "5"}, chart) == std::vector<std::string>{"--steps", "5"});
  CHECK_FALSE(chart);
}
