// demo: the reference engine's CLI running a scripted session, shown as a transcript.
#include <iostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

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
// Sessions of mini-lsm-cli: the first over a fresh database; then (week 2 day 6) one with a
// write-ahead log that crashes, and one that finds every acknowledged write after the crash.
constexpr DemoStep kFirstSession[] = {
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
constexpr DemoStep kCrashingSession[] = {
    {"# with a write-ahead log in `always` mode, `ok` means the write is fsynced in 0.wal", ""},
    {"put alice 100", "ok"},
    {"put bob 250", "ok"},
    {"del alice", "ok"},
    {"put carol 75", "ok"},
    {"# the process dies at once, as kill -9 would kill it: no close(), no flush", ""},
    {"crash", "crashing: exit without close()"},
};

constexpr DemoStep kRecoveringSession[] = {
    {"scan", "bob=250\ncarol=75\n2 keys"},
    {"get alice", "alice (not found)"},
    {"dump", "memtable 1 (current): empty\nL0 sst 0: 1 blocks, *\nok"},
    {"quit", "ok"},
};

struct DemoSession {
  std::string_view heading;        ///< printed before the session when not empty
  std::string_view directory;      ///< the database, in the demo's temporary directory
  std::vector<std::string> flags;  ///< after --path
  std::span<const DemoStep> steps;
  /// The lines the CLI prints on stderr when it opens the database, before any answer.
  std::string_view at_open;
};

const DemoSession kDemo[] = {
    {"", "db", {}, kFirstSession, ""},
    {"# week 2 day 6: a crash, and the write-ahead log that survives it",
     "db-wal",
     {"--enable-wal", "--wal-sync", "always"},
     kCrashingSession,
     ""},
    {"# the next open replays the live WAL into the L0 SST 0.sst (stderr: what it recovered)",
     "db-wal",
     {"--enable-wal"},
     kRecoveringSession,
     "recovered: replayed 0.wal: 4 records, *"},
};
// ==== END OF THE DEMO SCRIPT ===================================================================

bool demo_line_matches(std::string_view got, std::string_view expected) {
  if (expected.ends_with('*')) {
    return got.starts_with(expected.substr(0, expected.size() - 1));
  }
  return got == expected;
}

// Checks one printed line against the next expected one; prints both when they differ.
bool check_line(std::string_view got, std::string_view expected) {
  std::cout << got << "\n";
  if (demo_line_matches(got, expected)) {
    return true;
  }
  std::cout << "  ^ expected: " << expected << "\n";
  return false;
}

// Runs one session of `cli` on `database` and shows it as a transcript. False when the CLI's
// output differs from the session's expectations or it fails.
bool run_demo_session(const std::string& cli, const fs::path& database,
                      const DemoSession& session) {
  std::string input;
  for (const auto& step : session.steps) {
    if (!step.command.starts_with('#')) {
      input += std::string(step.command) + "\n";
    }
  }
  std::vector<std::string> argv = {cli, "--path", database.string()};
  argv.insert(argv.end(), session.flags.begin(), session.flags.end());
  std::cout << "\n$ mini-lsm-cli";
  for (std::size_t i = 1; i < argv.size(); ++i) {
    std::cout << " " << argv[i];
  }
  std::cout << "\n";
  // stderr joins stdout only where the session expects lines from the open on it.
  auto result = run({.argv = argv,
                     .output = Output::capture,
                     .merge_stderr = !session.at_open.empty(),
                     .input = input});
  auto lines = split_lines(result.output);
  std::size_t next = 0;
  bool as_expected = true;
  for (std::string_view expected : split_lines(session.at_open)) {
    as_expected &= check_line(next < lines.size() ? lines[next++] : "(no output)", expected);
  }
  for (const auto& step : session.steps) {
    if (step.command.starts_with('#')) {
      std::cout << "\n" << step.command << "\n";
      continue;
    }
    std::cout << "> " << step.command << "\n";
    for (std::string_view expected : split_lines(step.expect)) {
      as_expected &= check_line(next < lines.size() ? lines[next++] : "(no output)", expected);
    }
  }
  for (; next < lines.size(); ++next) {
    std::cout << lines[next] << "\n";
  }
  if (!result.ok()) {
    std::cout << "error: mini-lsm-cli exited with status " << result.exit_code << "\n";
    return false;
  }
  if (!as_expected) {
    std::cout << "error: the CLI's output differs from the session's expectations\n";
    return false;
  }
  return true;
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
  const std::string cli = (build.build_dir / "mini-lsm-cli").string();
  for (const DemoSession& session : kDemo) {
    if (!session.heading.empty()) {
      std::cout << "\n" << session.heading << "\n";
    }
    if (!run_demo_session(cli, dir.path() / session.directory, session)) {
      return kExitFailed;
    }
  }
  std::cout << "\ndemo: done; the temporary database is removed\n";
  return kExitOk;
}

}  // namespace xtask
