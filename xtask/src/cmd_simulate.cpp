// simulate: a tree's compaction controller and the reference's on the same workload, compared
// step by step (compaction-simulator, built from each tree, does the simulating).
#include <iostream>
#include <optional>

#include "commands.hpp"
#include "error.hpp"
#include "simulate.hpp"
#include "text.hpp"

namespace xtask {
namespace {

constexpr const char* kSimulator = "compaction-simulator";

// Builds compaction-simulator from `tree` where ./x test builds that tree, so that the engine
// library is shared with the test builds. Returns the program's path, or nullopt after printing
// why it could not be built.
std::optional<fs::path> build_simulator(const Repo& repo, const fs::path& tree) {
  if (!fs::exists(tree / "bin" / "compaction_simulator.cpp")) {
    std::cout << "error: " << repo.display(tree)
              << " has no bin/compaction_simulator.cpp: it was generated before the simulator "
                 "existed; copy reference/bin/compaction_simulator.cpp into it\n";
    return std::nullopt;
  }
  EngineBuild build = official_suite_build(repo, tree, "");
  std::cout << "building " << kSimulator << " from " << repo.display(tree) << " in "
            << repo.display(build.build_dir) << "\n";
  if (!configure_engine(repo.root(), build)) {
    return std::nullopt;
  }
  if (auto built = build_targets(build.build_dir, {kSimulator}, Output::capture); !built.ok()) {
    std::cout << built.output << "error: " << kSimulator << " of " << repo.display(tree)
              << " does not build (see the compiler errors above)\n";
    return std::nullopt;
  }
  return build.build_dir / kSimulator;
}

// Runs the simulator with `args`; its output is captured, its errors (bad flags) go to the
// terminal. The exit status is not looked at: a controller that throws makes it 1, and that is
// part of what is compared.
std::string run_simulator(const fs::path& program, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {program.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run({.argv = argv, .output = Output::capture, .merge_stderr = false}).output;
}

}  // namespace

int simulate(const Repo& repo, const std::string& tree_spec, const std::string& strategy,
             const std::vector<std::string>& simulator_args) {
  const fs::path tree = repo.resolve_tree(tree_spec);
  const bool is_reference = fs::equivalent(tree, repo.reference());
  bool chart = false;
  std::vector<std::string> args = {strategy};
  for (const auto& arg : without_chart_flag(simulator_args, chart)) {
    args.push_back(arg);
  }

  // The reference first: when it refuses the arguments, the tree need not be built.
  const auto reference_program = build_simulator(repo, repo.reference());
  if (!reference_program) {
    return kExitFailed;
  }
  const std::string reference_output = run_simulator(*reference_program, args);
  if (reference_output.empty()) {
    // The simulator refused the arguments and said why on stderr; a run prints its parameters.
    throw UsageError("compaction-simulator refused " + join(args) +
                     "; ./x simulate --help lists its flags");
  }
  const auto tree_program = is_reference ? reference_program : build_simulator(repo, tree);
  if (!tree_program) {
    return kExitFailed;
  }
  const std::string label = repo.display(tree);
  std::cout << "\n$ " << kSimulator << " " << join(args) << "   (" << label << " and reference/)\n";
  const SimulationVerdict verdict =
      compare_simulations(label, run_simulator(*tree_program, args), reference_output);
  std::cout << verdict.text;

  if (chart) {
    args.emplace_back("--chart");
    std::cout << "\n" << label << ":\n" << run_simulator(*tree_program, args);
    if (!is_reference) {
      std::cout << "\nreference/:\n" << run_simulator(*reference_program, args);
    }
  }
  return verdict.identical ? kExitOk : kExitFailed;
}

}  // namespace xtask
