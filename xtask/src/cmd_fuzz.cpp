// fuzz: libFuzzer on the engine's decoders. Each target of fuzz/ (fuzz/wal.cpp becomes fuzz-wal)
// feeds mutated bytes to one decoder of a tree, starting from seeds that the tree itself writes
// (a WAL, a manifest, an SST and its sections), under ASan+UBSan and with coverage feedback. A
// crash, a sanitizer report, an exception other than Corruption or a broken property of the
// decoder is a finding: the input is saved and the run stops.
#include <algorithm>
#include <chrono>
#include <iostream>
#include <stdexcept>

#include "build.hpp"
#include "commands.hpp"
#include "fsutil.hpp"
#include "fuzz.hpp"
#include "process.hpp"
#include "text.hpp"

namespace xtask {
namespace {

// Lines of a finding's report shown (the rest stays in the saved log).
constexpr std::size_t kReportLines = 40;
// libFuzzer's own limits: an input that runs longer (a hang) or allocates more is a finding.
constexpr const char* kInputTimeoutSeconds = "10";
constexpr const char* kMallocLimitMb = "1024";

// The targets in fuzz/: "wal" for fuzz/wal.cpp.
std::vector<std::string> available_targets(const Repo& repo) {
  std::vector<std::string> names;
  for (const fs::path& file : list_files(repo.root() / "fuzz")) {
    if (file.extension() == ".cpp") {
      names.push_back(file.stem().string());
    }
  }
  return names;
}

std::string program_name(const std::string& target) {
  std::string name = "fuzz-" + target;
  std::replace(name.begin(), name.end(), '_', '-');
  return name;
}

std::vector<std::string> chosen_targets(const Repo& repo, const FuzzOptions& options) {
  const std::vector<std::string> available = available_targets(repo);
  if (options.targets.empty()) {
    return available;
  }
  for (const std::string& target : options.targets) {
    if (std::find(available.begin(), available.end(), target) == available.end()) {
      throw UsageError("no fuzz target `" + target + "`; fuzz/ has: " + join(available, ", "));
    }
  }
  return options.targets;
}

EngineBuild fuzz_build(const Repo& repo, const fs::path& tree) {
  const std::string name = tree == repo.reference() ? "reference"
                           : tree == repo.starter() ? "starter"
                                                    : tree.filename().string();
  return {.build_dir = repo.build_dir("fuzz-" + name),
          .tree = tree,
          .tests = repo.tests(),
          .build_type = kUnattendedBuildType,
          .sanitize = "address",
          .cxx_compiler = "clang++",
          .fuzz = true};
}

struct TargetResult {
  std::string target;
  bool found = false;
  FuzzRunStats stats;
  std::chrono::steady_clock::duration elapsed{};
};

// One libFuzzer run of `target`. Its corpus folder is kept between runs, so each run goes on
// from what the last one found; a new folder first gets the tree's seeds.
TargetResult run_target(const EngineBuild& build, const std::string& target,
                        const FuzzOptions& options) {
  const fs::path corpus = build.build_dir / "corpus" / target;
  const fs::path findings = build.build_dir / "findings";
  fs::create_directories(findings);
  std::vector<std::pair<std::string, std::string>> env = sanitizer_env(build.sanitize);
  if (!fs::exists(corpus)) {
    fs::create_directories(corpus);
    env.emplace_back("MINI_LSM_FUZZ_SEEDS", corpus.string());
  }
  const fs::path program = build.build_dir / "fuzz" / program_name(target);
  std::vector<std::string> argv = {program.string(),
                                   corpus.string(),
                                   "-seed=" + std::to_string(options.seed),
                                   "-artifact_prefix=" + (findings / (target + "-")).string(),
                                   "-timeout=" + std::string(kInputTimeoutSeconds),
                                   "-malloc_limit_mb=" + std::string(kMallocLimitMb),
                                   "-print_final_stats=1"};
  argv.push_back(options.runs > 0 ? "-runs=" + std::to_string(options.runs)
                                  : "-max_total_time=" + std::to_string(options.seconds));
  const auto start = std::chrono::steady_clock::now();
  const Result result = run({.argv = argv, .output = Output::capture, .env = env});
  TargetResult outcome{.target = target,
                       .found = !result.ok(),
                       .stats = parse_fuzz_stats(result.output),
                       .elapsed = std::chrono::steady_clock::now() - start};
  const fs::path log = findings / (target + ".log");
  write_if_changed(log, result.output);
  std::cout << "  " << program_name(target) << ": " << outcome.stats.runs << " runs in "
            << format_seconds(outcome.elapsed) << " s, " << outcome.stats.coverage
            << " edges covered, " << outcome.stats.corpus
            << " inputs in its corpus: " << (outcome.found ? "FINDING" : "no finding") << "\n";
  if (outcome.found) {
    std::cout << fuzz_finding_report(result.output, kReportLines);
    const auto input = fuzz_finding_file(result.output);
    std::cout << "  the whole output: " << log.string() << "\n";
    if (input) {
      std::cout << "  reproduce it with: " << program.string() << " " << *input << "\n";
    }
  }
  return outcome;
}

}  // namespace

int fuzz(const Repo& repo, const FuzzOptions& options) {
  if (!find_program("clang++")) {
    std::cout << "error: ./x fuzz needs clang++ and its libFuzzer (Debian: clang and "
                 "libclang-rt-dev, or libclang-rt-14-dev on Debian 12)\n";
    return kExitFailed;
  }
  const fs::path tree = repo.resolve_tree(options.tree);
  const std::vector<std::string> targets = chosen_targets(repo, options);
  const EngineBuild build = fuzz_build(repo, tree);
  std::cout << "building the fuzz targets of " << repo.display(tree) << " (clang++, ASan+UBSan, "
            << "libFuzzer) in " << repo.display(build.build_dir) << "\n";
  std::vector<std::string> programs;
  for (const std::string& target : targets) {
    programs.push_back(program_name(target));
  }
  if (!configure_engine(repo.root(), build)) {
    return kExitFailed;
  }
  if (auto built = build_targets(build.build_dir, programs, Output::capture); !built.ok()) {
    std::cout << built.output << "error: the fuzz targets do not build (output above)\n";
    return kExitFailed;
  }
  const std::string count =
      targets.size() == 1 ? "1 target" : std::to_string(targets.size()) + " targets";
  std::cout << "fuzz: " << count << ", each "
            << (options.runs > 0 ? std::to_string(options.runs) + " runs"
                                 : std::to_string(options.seconds) + " s")
            << ", seed " << options.seed << "\n";
  int found = 0;
  for (const std::string& target : targets) {
    found += run_target(build, target, options).found ? 1 : 0;
  }
  std::cout << "fuzz: " << count << ", " << found << " with a finding\n";
  return found == 0 ? kExitOk : kExitFailed;
}

}  // namespace xtask
