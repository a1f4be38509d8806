// demo: the reference engine's CLI running a scripted session, shown as a transcript.
#include <iostream>
#include <string_view>

#include "commands.hpp"
#include "error.hpp"
#include "fsutil.hpp"
#include "text.hpp"

namespace xtask {
namespace {

struct DemoStep {
  std::string_view command;  ///< sent to mini-lsm-cli; a line starting with '#' is narration
  /// The lines the CLI must print for it, separated by '\n'. A line ending in '*' only has to
  /// start with the text before the '*' (for sizes that a format change may move).
  std::string_view expect;
};

// ==== THE DEMO SCRIPT ==========================================================================
// One session of mini-lsm-cli over a fresh database. Later chapters extend it here (compaction,
// a crash and the WAL recovery).
constexpr DemoStep kDemoScript[] = {
    {"# a fresh database: write a few keys and read one back", ""},
    {"put apple red", "ok"},
    {"put banana yellow", "ok"},
    {"put cherry dark-red", "ok"},
    {"get apple", "apple=red"},
    {"# an overwrite: the newest value wins", ""},
    {"put apple green", "ok"},
    {"get apple", "apple=green"},
    {"# a delete writes a tombstone, so the key is gone", ""},
    {"del banana", "ok"},
    {"get banana", "banana (not found)"},
    {"# flush: the memtable becomes the sorted file 0.sst on disk, tombstone included", ""},
    {"flush", "ok: flushed 1 memtables"},
    {"# new writes go to a fresh memtable, on top of the SST", ""},
    {"put banana blue", "ok"},
    {"del cherry", "ok"},
    {"put date brown", "ok"},
    {"dump", "memtable 1 (current): 3 entries, banana..date\nL0 sst 0: 1 blocks, *\nok"},
    {"# a scan merges memtable and SST: the newest version of each key, deleted keys hidden", ""},
    {"scan", "apple=green\nbanana=blue\ndate=brown\n3 keys"},
    {"scan b c", "banana=blue\n1 keys"},
    {"get cherry", "cherry (not found)"},
    {"# a bulk load of keys 1..1000 (values value1..value1000)", ""},
    {"fill 1 1000", "1000 keys filled"},
    {"get 500", "500=value500"},
    {"stats", "memtables: 1 current, 0 frozen, *\nL0 SSTs: 1, *\nblock cache: *\nok"},
    {"quit", "ok"},
};
// ==== END OF THE DEMO SCRIPT ===================================================================

bool demo_line_matches(std::string_view got, std::string_view expected) {
  if (expected.ends_with('*')) {
    return got.starts_with(expected.substr(0, expected.size() - 1));
  }
  return got == expected;
}

}  // namespace

int demo(const Repo& repo) {
  EngineBuild build = official_suite_build(repo, repo.reference(), "");
  std::cout << "building mini-lsm-cli from reference/ in " << repo.display(build.build_dir) << "\n";
  if (!configure_engine(repo.root(), build)) {
    return kExitFailed;
  }
  if (auto built = build_targets(build.build_dir, {"mini-lsm-cli"}, Output::capture); !built.ok()) {
    std::cout << built.output << "error: mini-lsm-cli does not build (see above)\n";
    return kExitFailed;
  }

  TempDir dir("mini-lsm-demo");
  fs::path database = dir.path() / "db";
  std::string input;
  for (const auto& step : kDemoScript) {
    if (!step.command.starts_with('#')) {
      input += std::string(step.command) + "\n";
    }
  }
  std::string cli = (build.build_dir / "mini-lsm-cli").string();
  std::cout << "$ mini-lsm-cli --path " << database.string() << "\n";
  auto result = run({.argv = {cli, "--path", database.string()},
                     .output = Output::capture,
                     .merge_stderr = false,
                     .input = input});

  auto lines = split_lines(result.output);
  std::size_t next = 0;
  bool as_expected = true;
  for (const auto& step : kDemoScript) {
    if (step.command.starts_with('#')) {
      std::cout << "\n" << step.command << "\n";
      continue;
    }
    std::cout << "> " << step.command << "\n";
    for (std::string_view expected : split_lines(step.expect)) {
      std::string_view got = next < lines.size() ? lines[next++] : "(no output)";
      std::cout << got << "\n";
      if (!demo_line_matches(got, expected)) {
        std::cout << "  ^ expected: " << expected << "\n";
        as_expected = false;
      }
    }
  }
  for (; next < lines.size(); ++next) {
    std::cout << lines[next] << "\n";
  }
  if (!result.ok()) {
    std::cout << "error: mini-lsm-cli exited with status " << result.exit_code << "\n";
    return kExitFailed;
  }
  if (!as_expected) {
    std::cout << "error: the CLI's output differs from the script's expectations\n";
    return kExitFailed;
  }
  std::cout << "\ndemo: done; the temporary database is removed\n";
  return kExitOk;
}

}  // namespace xtask
