#include "simulate.hpp"

#include <algorithm>
#include <cctype>

#include "text.hpp"

namespace xtask {
namespace {

// "step 12: ..." -> "step 12"; anything else -> "".
std::string step_name(std::string_view line) {
  if (!line.starts_with("step ")) {
    return "";
  }
  std::size_t end = 5;
  while (end < line.size() && std::isdigit(static_cast<unsigned char>(line[end])) != 0) {
    ++end;
  }
  if (end == 5 || end == line.size() || line[end] != ':') {
    return "";
  }
  return std::string(line.substr(0, end));
}

bool is_summary_start(std::string_view line) {
  return line.starts_with("summary after ");
}

// The line "step N: error: ..." of a step that stopped the run, or "".
std::string error_line(const SimulationBlock& block) {
  for (const auto& line : block.lines) {
    if (line.find(": error: ") != std::string::npos && !step_name(line).empty()) {
      return line;
    }
  }
  return "";
}

std::string plural(std::size_t count, const std::string& noun) {
  return std::to_string(count) + " " + noun + (count == 1 ? "" : "s");
}

// A step of a tiered tree that never compacts lists a tier per flush: beyond this many lines,
// one side of a difference is cut short.
constexpr std::size_t kMaxShownLines = 40;

// One side of a difference: its label, then its lines indented.
std::string show_side(std::string_view label, const SimulationBlock* block) {
  std::string text = "  " + std::string(label) + ":\n";
  if (block == nullptr) {
    return text + "    (nothing: this run ended earlier)\n";
  }
  for (std::size_t index = 0; index < block->lines.size(); ++index) {
    if (index == kMaxShownLines) {
      return text + "    ... and " + plural(block->lines.size() - index, "more line") + "\n";
    }
    text += "    " + block->lines[index] + "\n";
  }
  return text;
}

// Where a differing block is, for the first line of the report.
std::string where(const SimulationBlock& block) {
  if (block.is_step) {
    return "at " + block.name;
  }
  if (block.name == "the header") {
    return "before step 1, in the parameters of the run (does one tree's options.hpp have other "
           "defaults?)";
  }
  return "in the summary, after every step agreed";
}

}  // namespace

std::vector<SimulationBlock> split_simulation(std::string_view output) {
  std::vector<SimulationBlock> blocks{{"the header", false, {}}};
  for (std::string_view line : split_lines(output)) {
    const std::string step = step_name(line);
    const bool in_summary = blocks.back().name == "the summary";
    // A step's error line ("step 3: error: ...") belongs to the step it ends.
    if (!in_summary && !step.empty() && step != blocks.back().name) {
      blocks.push_back({step, true, {}});
    } else if (!in_summary && is_summary_start(line)) {
      blocks.push_back({"the summary", false, {}});
    }
    blocks.back().lines.emplace_back(line);
  }
  if (blocks.front().lines.empty()) {
    blocks.erase(blocks.begin());
  }
  return blocks;
}

SimulationVerdict compare_simulations(std::string_view tree_label, std::string_view tree_output,
                                      std::string_view reference_output) {
  const auto tree = split_simulation(tree_output);
  const auto reference = split_simulation(reference_output);
  for (std::size_t index = 0; index < std::max(tree.size(), reference.size()); ++index) {
    const SimulationBlock* ours = index < tree.size() ? &tree[index] : nullptr;
    const SimulationBlock* theirs = index < reference.size() ? &reference[index] : nullptr;
    if (ours != nullptr && theirs != nullptr && *ours == *theirs) {
      continue;
    }
    const SimulationBlock& located = theirs != nullptr ? *theirs : *ours;
    return {false, "first difference " + where(located) + ":\n" + show_side(tree_label, ours) +
                       show_side("reference/", theirs)};
  }
  const auto steps = static_cast<std::size_t>(std::count_if(
      reference.begin(), reference.end(), [](const auto& block) { return block.is_step; }));
  std::string text = "identical for " + plural(steps, "step");
  const auto last_step = std::find_if(reference.rbegin(), reference.rend(),
                                      [](const auto& block) { return block.is_step; });
  const std::string error = last_step == reference.rend() ? "" : error_line(*last_step);
  if (!error.empty()) {
    text += ", and both stop with the same error:\n  " + error + "\n";
  } else {
    text += ": the same tasks, the same levels and the same summary\n";
  }
  return {true, text};
}

std::vector<std::string> without_chart_flag(const std::vector<std::string>& args, bool& had_chart) {
  std::vector<std::string> kept;
  had_chart = false;
  for (const auto& arg : args) {
    if (arg == "--chart") {
      had_chart = true;
    } else {
      kept.push_back(arg);
    }
  }
  return kept;
}

}  // namespace xtask
