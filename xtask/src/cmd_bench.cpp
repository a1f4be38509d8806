// bench: mini-lsm-bench of a tree, side by side with LevelDB and RocksDB, in a Markdown table.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>
#include <tuple>

#include "bench.hpp"
#include "commands.hpp"
#include "fsutil.hpp"

namespace xtask {
namespace {

// Benchmarks are measured with optimisations and without assertions, as a user would build.
const char* const kReleaseFlags = "-O2 -DNDEBUG";

/// One program to measure and the flags it gets besides the shared ones.
struct BenchProgram {
  std::string engine;
  fs::path executable;
  std::vector<std::string> extra_args;
};

std::string tree_name(const Repo& repo, const fs::path& tree) {
  return tree == repo.reference() ? "reference"
         : tree == repo.starter() ? "starter"
                                  : tree.filename().string();
}

/// Builds mini-lsm-bench of `tree` in build/release-<tree>; nullopt when that fails.
std::optional<fs::path> build_engine_bench(const Repo& repo, const fs::path& tree) {
  EngineBuild build{.build_dir = repo.build_dir("release-" + tree_name(repo, tree)),
                    .tree = tree,
                    .tests = repo.tests(),
                    .build_type = "Release"};
  CMakeVariables variables = engine_variables(build);
  variables.emplace_back("CMAKE_CXX_FLAGS_RELEASE", kReleaseFlags);
  std::cout << "building mini-lsm-bench of " << repo.display(tree) << " (Release, " << kReleaseFlags
            << ") in " << repo.display(build.build_dir) << "\n";
  if (!configure(repo.root(), build.build_dir, variables)) {
    return std::nullopt;
  }
  if (auto built = build_targets(build.build_dir, {"mini-lsm-bench"}); !built.ok()) {
    std::cout << "error: mini-lsm-bench does not build (see above)\n";
    return std::nullopt;
  }
  return build.build_dir / "mini-lsm-bench";
}

/// Builds bench/ (the LevelDB and RocksDB programs, each when its library is installed) in
/// build/bench-baselines and returns the programs that exist.
std::vector<BenchProgram> build_baselines(const Repo& repo) {
  fs::path build_dir = repo.build_dir("bench-baselines");
  std::cout << "building the LevelDB and RocksDB programs of bench/ in " << repo.display(build_dir)
            << "\n";
  // Configured afresh every time (a second), so that a library installed since is found.
  CMakeVariables variables = {{"CMAKE_BUILD_TYPE", "Release"},
                              {"CMAKE_CXX_FLAGS_RELEASE", kReleaseFlags}};
  std::vector<BenchProgram> programs;
  if (!configure(repo.root() / "bench", build_dir, variables, /*fresh=*/true)) {
    return programs;
  }
  if (auto built = build_targets(build_dir, {}); !built.ok()) {
    std::cout << "warning: the programs of bench/ do not build (see above); measuring without "
                 "them\n";
    return programs;
  }
  std::error_code ec;
  for (const auto& [engine, name, package] :
       {std::tuple{"LevelDB", "leveldb-bench", "libleveldb-dev"},
        std::tuple{"RocksDB", "rocksdb-bench", "librocksdb-dev"}}) {
    fs::path executable = build_dir / name;
    if (fs::is_regular_file(executable, ec)) {
      programs.push_back({engine, executable, {}});
    } else {
      std::cout << "note: " << engine << " is not installed, so it is left out; on Debian or "
                << "Ubuntu: sudo apt-get install " << package << "\n";
    }
  }
  return programs;
}

std::string format_seconds(double seconds) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f s", seconds);
  return buffer;
}

}  // namespace

int bench(const Repo& repo, const BenchOptions& options) {
  fs::path tree = repo.resolve_tree(options.tree);
  auto engine_bench = build_engine_bench(repo, tree);
  if (!engine_bench) {
    return kExitFailed;
  }
  std::vector<BenchProgram> programs = {
      {"mini-lsm", *engine_bench, {"--compaction", options.compaction}}};
  for (auto& baseline : build_baselines(repo)) {
    programs.push_back(std::move(baseline));
  }

  std::vector<EngineRuns> runs;
  for (const auto& program : programs) {
    runs.push_back({program.engine, {}, {}});
  }
  std::cout << "\n"
            << options.rounds << " rounds of " << options.benchmarks << " with " << options.num
            << " keys; the engines take turns in each round, each in a fresh "
            << "temporary directory\n";
  for (int round = 1; round <= options.rounds; ++round) {
    for (std::size_t i = 0; i < programs.size(); ++i) {
      const BenchProgram& program = programs[i];
      TempDir dir("mini-lsm-bench");
      std::vector<std::string> argv = {program.executable.string(),
                                       "--db",
                                       (dir.path() / "db").string(),
                                       "--num",
                                       std::to_string(options.num),
                                       "--benchmarks",
                                       options.benchmarks,
                                       "--threads",
                                       options.threads};
      argv.insert(argv.end(), program.extra_args.begin(), program.extra_args.end());
      auto start = std::chrono::steady_clock::now();
      auto result = run({.argv = argv, .output = Output::capture});
      std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
      auto lines = parse_bench_output(result.output);
      if (!result.ok() || lines.empty()) {
        std::cout << result.output << "error: " << program.engine << " failed in round " << round
                  << " (exit status " << result.exit_code << ")\n";
        if (i == 0 && options.compaction != "none") {
          std::cout << "(an engine whose compaction controller is not written yet runs with "
                       "--compaction none)\n";
        }
        return kExitFailed;
      }
      std::cout << "round " << round << "/" << options.rounds << "  " << program.engine << ": "
                << format_seconds(elapsed.count()) << ", peak RSS " << result.peak_rss_kib / 1024
                << " MiB\n";
      runs[i].rounds.push_back(std::move(lines));
      runs[i].peak_rss_kib.push_back(result.peak_rss_kib);
    }
  }

  std::cout << "\nmedian of " << options.rounds << " rounds, " << options.num
            << " keys (16-byte keys, 100-byte values); mini-lsm with --compaction "
            << options.compaction << "; ratios > 1 mean faster than LevelDB\n"
            << "(fsync, fillsync and recover: num/1000 fdatasyncs of the disk alone; num/1000 "
               "synced puts per thread, fillsync/<N>t with N threads; MB/s of log the reopen "
               "after a SIGKILL replayed; crc32c: MB/s of 4 KiB blocks checksummed, - for an "
               "engine that does not expose its checksum; diskread: MB/s read from a file "
               "evicted from the page cache)\n\n"
            << bench_table(runs, "LevelDB");
  return kExitOk;
}

}  // namespace xtask
