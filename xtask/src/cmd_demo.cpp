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
  std::string_view expect;   ///< the result line the CLI must print ("" = anything)
};

// ==== THE DEMO SCRIPT ==========================================================================
// One session of mini-lsm-cli over a fresh database. Later chapters extend it here (flush,
// compaction, a crash and the WAL recovery).
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
    {"# a bulk load of keys 1..1000 (values value1..value1000)", ""},
    {"fill 1 1000", "1000 keys filled"},
    {"get 500", "500=value500"},
    {"quit", "ok"},
};
// ==== END OF THE DEMO SCRIPT ===================================================================

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
    std::string_view got = next < lines.size() ? lines[next++] : "(no output)";
    std::cout << "> " << step.command << "\n" << got << "\n";
    if (!step.expect.empty() && got != step.expect) {
      std::cout << "  ^ expected: " << step.expect << "\n";
      as_expected = false;
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
