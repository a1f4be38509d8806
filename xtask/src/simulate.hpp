// Comparing two runs of compaction-simulator step by step, for ./x simulate.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace xtask {

/// A part of compaction-simulator's output: the header (before step 1), one step (from its
/// "step N: ..." line to the next step), or the summary ("summary after N steps:" and on).
struct SimulationBlock {
  std::string name;  ///< "the header", "step 3" or "the summary"
  bool is_step = false;
  std::vector<std::string> lines;

  bool operator==(const SimulationBlock&) const = default;
};

/// The blocks of one run's output, in order. An empty header is left out.
std::vector<SimulationBlock> split_simulation(std::string_view output);

/// What ./x simulate reports after running the tree's and the reference's simulator.
struct SimulationVerdict {
  bool identical = false;
  std::string text;  ///< ends with a newline
};

/// Compares the outputs block by block: "identical for N steps" (saying so when both stop at
/// the same error), or the first block that differs, printed from both sides under their labels.
SimulationVerdict compare_simulations(std::string_view tree_label, std::string_view tree_output,
                                      std::string_view reference_output);

/// The arguments without --chart, and whether it was there: the comparison is made on the
/// step-by-step listing, whose steps do not depend on later ones as the chart's scale does.
std::vector<std::string> without_chart_flag(const std::vector<std::string>& args, bool& had_chart);

}  // namespace xtask
