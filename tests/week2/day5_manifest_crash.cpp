// Week 2 day 5: a power cut at any file-system operation of open, flush, compaction and close
// leaves a directory that opens with every durable write, and the order of the operations keeps
// the rules of tests/harness/durability_log.hpp.

#include <algorithm>
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/catch.hpp"
#include "harness/collect.hpp"
#include "harness/durability_log.hpp"
#include "harness/fault_injection_fs.hpp"
#include "harness/trees.hpp"
#include "mini_lsm/error.hpp"
#include "mini_lsm/lsm_storage.hpp"
#include "mini_lsm/manifest.hpp"

using mini_lsm::Bound;
using mini_lsm::CompactionRecord;
using mini_lsm::CompactionStrategy;
using mini_lsm::FlushRecord;
using mini_lsm::FullCompactionTask;
using mini_lsm::Level;
using mini_lsm::LsmOptions;
using mini_lsm::LsmStorage;
using mini_lsm::NewMemtableRecord;
using mini_lsm::SnapshotRecord;
using mini_lsm::testing::CrashMode;
using mini_lsm::testing::durability_events;
using mini_lsm::testing::DurabilityEvent;
using mini_lsm::testing::FaultInjectionFs;
using mini_lsm::testing::ManifestRecorder;
using mini_lsm::testing::ordering_violations;

namespace {

const char* const kDb = "/db";
using Contents = std::map<std::string, std::string>;

// One write of the scenario: a value, or a tombstone (std::nullopt).
struct Write {
  std::string key;
  std::optional<std::string> value;
};

// What a scenario did: every write it attempted, in order, and how many of them are durable (the
// flush that wrote them returned, so its record is synced).
struct History {
  std::vector<Write> writes;
  std::size_t durable = 0;
};

const CompactionStrategy kStrategies[] = {CompactionStrategy::kNone, CompactionStrategy::kSimple,
                                          CompactionStrategy::kTiered,
                                          CompactionStrategy::kLeveled};

// Only the test flushes and compacts. Each controller compacts once three SSTs (or tiers) wait.
LsmOptions crash_options(CompactionStrategy strategy, std::shared_ptr<mini_lsm::FileSystem> fs) {
  LsmOptions options;
  options.target_sst_size = 4096;
  options.block_size = 256;
  options.num_memtable_limit = 1000;
  options.background_compaction = false;
  options.file_system = std::move(fs);
  options.compaction.strategy = strategy;
  options.compaction.simple.level0_file_num_compaction_trigger = 3;
  options.compaction.tiered.num_tiers = 3;
  options.compaction.leveled.level0_file_num_compaction_trigger = 3;
  options.compaction.leveled.base_level_size_bytes = 1 << 20;
  return options;
}

// Writes a batch into the current memtable (far below its size: no freeze), into `history`.
void write_batch(LsmStorage& engine, History& history, int round, bool with_deletes) {
  for (int index = round % 3; index < 12; index += 2) {
    const std::string key = "key" + std::to_string(index);
    if (with_deletes && index % 3 == 0) {
      history.writes.push_back({key, std::nullopt});
      engine.del(key);
    } else {
      const std::string value = "r" + std::to_string(round) + "-" + std::to_string(index);
      history.writes.push_back({key, value});
      engine.put(key, value);
    }
  }
}

// Freezes the memtable and flushes it: once force_flush() returns, the batch is durable.
void flush_batch(LsmStorage& engine, History& history) {
  engine.force_freeze_memtable();
  engine.force_flush();
  history.durable = history.writes.size();
}

// The session before the crashes: one SST, closed. Every controller needs two more to compact.
void setup(const std::shared_ptr<FaultInjectionFs>& fs, CompactionStrategy strategy,
           History& history) {
  auto engine = LsmStorage::open(kDb, crash_options(strategy, fs));
  write_batch(*engine, history, 0, false);
  flush_batch(*engine, history);
  engine->close();
}

// The session a crash interrupts: open, two flushed batches (one with deletes), a compaction,
// a batch that close() flushes.
void crashed_session(const std::shared_ptr<mini_lsm::FileSystem>& fs, CompactionStrategy strategy,
                     History& history) {
  auto engine = LsmStorage::open(kDb, crash_options(strategy, fs));
  write_batch(*engine, history, 1, false);
  flush_batch(*engine, history);
  write_batch(*engine, history, 2, true);
  flush_batch(*engine, history);
  if (strategy == CompactionStrategy::kNone) {
    engine->force_full_compaction();
  } else {
    const bool compacted = engine->compact_once();  // throws when the machine is dead
    CHECK(compacted);
  }
  write_batch(*engine, history, 3, true);
  engine->close();
  history.durable = history.writes.size();
}

// Everything a scan of the engine shows.
Contents scan_all(const LsmStorage& engine) {
  Contents contents;
  for (auto scan = engine.scan(Bound::unbounded(), Bound::unbounded()); scan.is_valid();
       scan.next()) {
    contents.emplace(std::string(scan.key()), std::string(scan.value()));
  }
  return contents;
}

// True when `contents` is the database after the first `count` writes of `history`, for some
// count from history.durable on: every durable write is there, and nothing older or newer than
// a prefix of the writes. (Without a WAL the prefix ends at a flush; a WAL may keep more.)
bool is_durable_prefix(const Contents& contents, const History& history) {
  Contents model;
  for (std::size_t count = 0; count <= history.writes.size(); ++count) {
    if (count > 0) {
      const Write& write = history.writes[count - 1];
      if (write.value) {
        model[write.key] = *write.value;
      } else {
        model.erase(write.key);
      }
    }
    if (count >= history.durable && model == contents) {
      return true;
    }
  }
  return false;
}

std::string contents_text(const Contents& contents) {
  std::string text;
  for (const auto& [key, value] : contents) {
    text += key + "=" + value + " ";
  }
  return text;
}

// The number of log lines of the crashed session, from a run without a crash.
std::size_t operations_of_session(CompactionStrategy strategy) {
  const auto fs = std::make_shared<FaultInjectionFs>();
  History history;
  setup(fs, strategy, history);
  const std::size_t before = fs->log_size();
  crashed_session(fs, strategy, history);
  return fs->log_size() - before;
}

// A scenario of `strategy` with a ManifestRecorder in front of the file system: the setup, the
// session, and one more open and close (which removes a planted orphan SST). Returns its events.
std::vector<DurabilityEvent> recorded_scenario(CompactionStrategy strategy) {
  const auto fs = std::make_shared<FaultInjectionFs>();
  const auto recorder = std::make_shared<ManifestRecorder>(fs);
  History history;
  {
    auto engine = LsmStorage::open(kDb, crash_options(strategy, recorder));
    write_batch(*engine, history, 0, false);
    flush_batch(*engine, history);
    engine->close();
  }
  crashed_session(recorder, strategy, history);
  for (const std::string& name : fs->files(kDb)) {
    if (name.ends_with(".sst")) {
      fs->write_file("/db/900.sst", fs->contents(std::string(kDb) + "/" + name));
      break;
    }
  }
  LsmStorage::open(kDb, crash_options(strategy, recorder))->close();
  return durability_events(fs->log(), recorder->appends());
}

// The log of a real engine creating /db with SST 0 (flush 0) and closing: the hand-made logs
// continue it, so that they start from the manifest a real engine leaves.
std::vector<DurabilityEvent> engine_start() {
  const auto fs = std::make_shared<FaultInjectionFs>();
  const auto recorder = std::make_shared<ManifestRecorder>(fs);
  {
    auto engine = LsmStorage::open(kDb, crash_options(CompactionStrategy::kNone, recorder));
    engine->put("a", "1");
    engine->force_freeze_memtable();
    engine->force_flush();
    engine->close();
  }
  auto events = durability_events(fs->log(), recorder->appends());
  REQUIRE(ordering_violations(events) == std::vector<std::string>{});
  const bool flushed = std::any_of(events.begin(), events.end(), [](const DurabilityEvent& event) {
    return std::find(event.records.begin(), event.records.end(),
                     mini_lsm::ManifestRecord{FlushRecord{0}}) != event.records.end();
  });
  REQUIRE(flushed);  // the manifest names SST 0
  return events;
}

// `start` followed by `more`.
std::vector<DurabilityEvent> joined(std::vector<DurabilityEvent> start,
                                    const std::vector<DurabilityEvent>& more) {
  start.insert(start.end(), more.begin(), more.end());
  return start;
}

}  // namespace

TEST_CASE(
    "a crash at every file-system operation of open, flushes, a compaction and close "
    "loses no durable write and revives no old value",
    "[w2d5][crash]") {
  std::size_t checked = 0;
  for (const CompactionStrategy strategy : kStrategies) {
    const std::size_t operations = operations_of_session(strategy);
    for (const CrashMode mode :
         {CrashMode::kDropUnsynced, CrashMode::kKeepRandomPrefix, CrashMode::kZeroFillUnsynced}) {
      for (std::size_t crash_point = 1; crash_point <= operations; ++crash_point) {
        INFO("strategy " << mini_lsm::compaction_strategy_name(strategy) << ", crash mode "
                         << mini_lsm::testing::crash_mode_name(mode) << ", crash after "
                         << crash_point << " of " << operations << " operations");
        const auto fs = std::make_shared<FaultInjectionFs>();
        History history;
        setup(fs, strategy, history);
        fs->crash_after(crash_point);
        try {
          crashed_session(fs, strategy, history);
        } catch (const mini_lsm::Error& error) {
          INFO(error.what());
          REQUIRE(fs->dead());  // only the dead machine makes the session fail
        }
        fs->crash(mode, crash_point);
        auto engine = LsmStorage::open(kDb, crash_options(strategy, fs));
        const auto state = engine->state();
        const auto files = fs->files(kDb);
        const auto check_exists = [&](std::size_t id) {
          INFO("SST " << id << " of " << mini_lsm::testing::tree_shape(*state, " | "));
          CHECK(std::find(files.begin(), files.end(), std::to_string(id) + ".sst") != files.end());
        };
        for (const std::size_t id : state->l0_sstables) {
          check_exists(id);
        }
        for (const Level& level : state->levels) {
          for (const std::size_t id : level.sst_ids) {
            check_exists(id);
          }
        }
        const Contents contents = scan_all(*engine);
        INFO("found: " << contents_text(contents));
        CHECK(is_durable_prefix(contents, history));
        ++checked;
      }
    }
  }
  WARN("checked " << checked << " crash points");
  CHECK(checked > 0);
}

TEST_CASE("the ordering checker finds no violation in the engine's operations, for every strategy",
          "[w2d5][crash][ordering]") {
  for (const CompactionStrategy strategy : kStrategies) {
    INFO("strategy " << mini_lsm::compaction_strategy_name(strategy));
    const auto events = recorded_scenario(strategy);
    std::size_t records = 0;
    std::size_t removes = 0;
    for (const DurabilityEvent& event : events) {
      records += event.records.size();
      removes += event.line.starts_with("remove /db/") && event.line.ends_with(".sst") ? 1 : 0;
    }
    CHECK(records >= 10);  // snapshots, new memtables, flushes and the compaction
    CHECK(removes >= 3);   // the compaction's inputs and the orphan
    CHECK(ordering_violations(events) == std::vector<std::string>{});
  }
}

TEST_CASE("the ordering checker catches a missing sync_dir after an SST's rename in a real log",
          "[w2d5][crash][ordering]") {
  auto events = recorded_scenario(CompactionStrategy::kNone);
  // Drop the sync_dir that follows the rename of the first flushed SST, SST 0.
  bool renamed = false;
  for (auto event = events.begin(); event != events.end(); ++event) {
    if (event->line.starts_with("rename ") && event->line.ends_with(" /db/0.sst")) {
      renamed = true;
    } else if (renamed && event->line == "sync_dir /db") {
      events.erase(event);
      break;
    }
  }
  REQUIRE(renamed);
  // The flush's record names it too early, and so does the snapshot of the next open: nothing
  // synced the directory in between.
  CHECK(ordering_violations(events) ==
        std::vector<std::string>{
            "rule (a): /db/MANIFEST names /db/0.sst (flush 0) before sync_dir /db made its name "
            "durable",
            "rule (a): /db/MANIFEST.tmp names /db/0.sst (snapshot next_id=3 none L0 [0] L1 []) "
            "before "
            "sync_dir /db made its name durable"});
}

TEST_CASE("the ordering checker accepts a hand-made log that keeps every rule",
          "[w2d5][crash][ordering]") {
  const auto log = joined(engine_start(),
                          {
                              {"create /db/5.sst.tmp", {}},
                              {"append /db/5.sst.tmp 100", {}},
                              {"sync /db/5.sst.tmp", {}},
                              {"rename /db/5.sst.tmp /db/5.sst", {}},
                              {"sync_dir /db", {}},
                              {"append /db/MANIFEST 13", {NewMemtableRecord{5}, FlushRecord{5}}},
                              {"sync /db/MANIFEST", {}},
                              {"create /db/6.sst.tmp", {}},
                              {"append /db/6.sst.tmp 100", {}},
                              {"sync /db/6.sst.tmp", {}},
                              {"rename /db/6.sst.tmp /db/6.sst", {}},
                              {"sync_dir /db", {}},
                              {"append /db/MANIFEST 48",
                               {CompactionRecord{FullCompactionTask{{5, 0}, {Level{1, {}}}}, {6}}}},
                              {"sync /db/MANIFEST", {}},
                              {"remove /db/0.sst", {}},
                              {"remove /db/5.sst", {}},
                              {"sync_dir /db", {}},
                          });
  CHECK(ordering_violations(log) == std::vector<std::string>{});
}

TEST_CASE("the ordering checker names the rule and the files of each seeded violation",
          "[w2d5][crash][ordering]") {
  // A real engine's log: /db/MANIFEST names SST 0, durably.
  const std::vector<DurabilityEvent> start = engine_start();
  const auto with = [&](const std::vector<DurabilityEvent>& more) {
    return ordering_violations(joined(start, more));
  };
  const DurabilityEvent compaction{
      "append /db/MANIFEST 40", {CompactionRecord{FullCompactionTask{{0}, {Level{1, {}}}}, {5}}}};

  SECTION("(a) the SST's directory entry is not synced after its rename") {
    CHECK(with({{"create /db/5.sst.tmp", {}},
                {"append /db/5.sst.tmp 100", {}},
                {"sync /db/5.sst.tmp", {}},
                {"rename /db/5.sst.tmp /db/5.sst", {}},
                compaction,
                {"sync /db/MANIFEST", {}}}) ==
          std::vector<std::string>{"rule (a): /db/MANIFEST names /db/5.sst (" +
                                   mini_lsm::describe(compaction.records[0]) +
                                   ") before sync_dir /db made its name durable"});
  }
  SECTION("(a) the SST's bytes are not synced") {
    CHECK(with({{"create /db/5.sst.tmp", {}},
                {"append /db/5.sst.tmp 100", {}},
                {"rename /db/5.sst.tmp /db/5.sst", {}},
                {"sync_dir /db", {}},
                {"append /db/MANIFEST 13", {FlushRecord{5}}}}) ==
          std::vector<std::string>{"rule (a): /db/MANIFEST names /db/5.sst (flush 5) before the "
                                   "SST's bytes are synced"});
  }
  SECTION("(a) the SST is synced only after the record") {
    CHECK(with({{"create /db/5.sst", {}},
                {"append /db/5.sst 100", {}},
                {"append /db/MANIFEST 13", {FlushRecord{5}}},
                {"sync /db/5.sst", {}},
                {"sync_dir /db", {}}}) ==
          std::vector<std::string>{
              "rule (a): /db/MANIFEST names /db/5.sst (flush 5) before the SST's bytes are synced",
              "rule (a): /db/MANIFEST names /db/5.sst (flush 5) before sync_dir /db made its name "
              "durable"});
  }
  SECTION("(b) an input is removed before the compaction's record is synced") {
    CHECK(with({{"create /db/5.sst", {}},
                {"append /db/5.sst 100", {}},
                {"sync /db/5.sst", {}},
                {"sync_dir /db", {}},
                compaction,
                {"remove /db/0.sst", {}},
                {"sync /db/MANIFEST", {}}}) ==
          std::vector<std::string>{"rule (b): /db/0.sst is removed while a synced record of "
                                   "/db/MANIFEST still names it"});
  }
  SECTION("(b) an input is removed before the compaction's record is written") {
    CHECK(with({{"remove /db/0.sst", {}}}) ==
          std::vector<std::string>{"rule (b): /db/0.sst is removed while a synced record of "
                                   "/db/MANIFEST still names it"});
  }
  SECTION("(b) an SST is removed before the rename of the manifest that drops it is durable") {
    CHECK(with({{"create /db/MANIFEST.tmp", {}},
                {"append /db/MANIFEST.tmp 30",
                 {SnapshotRecord{6, CompactionStrategy::kNone, {}, {Level{1, {}}}}}},
                {"sync /db/MANIFEST.tmp", {}},
                {"rename /db/MANIFEST.tmp /db/MANIFEST", {}},
                {"remove /db/0.sst", {}},
                {"sync_dir /db", {}}}) ==
          std::vector<std::string>{"rule (b): /db/0.sst is removed while a synced record of the "
                                   "/db/MANIFEST that a rename not yet durable replaced still "
                                   "names it"});
  }
  SECTION("(c) a record is appended after the manifest's rename, before its sync_dir") {
    CHECK(with({{"create /db/MANIFEST.tmp", {}},
                {"append /db/MANIFEST.tmp 38",
                 {SnapshotRecord{6, CompactionStrategy::kNone, {0}, {Level{1, {}}}}}},
                {"sync /db/MANIFEST.tmp", {}},
                {"rename /db/MANIFEST.tmp /db/MANIFEST", {}},
                {"open_for_append /db/MANIFEST", {}},
                {"append /db/MANIFEST 13", {NewMemtableRecord{6}}},
                {"sync /db/MANIFEST", {}},
                {"sync_dir /db", {}}}) ==
          std::vector<std::string>{"rule (c): a record is appended to /db/MANIFEST after the "
                                   "rename /db/MANIFEST.tmp -> /db/MANIFEST before sync_dir /db"});
  }
  SECTION("a failed operation does nothing: a failed sync_dir leaves the name not durable") {
    CHECK(with({{"create /db/5.sst.tmp", {}},
                {"append /db/5.sst.tmp 100", {}},
                {"sync /db/5.sst.tmp", {}},
                {"rename /db/5.sst.tmp /db/5.sst", {}},
                {"sync_dir /db (failed: Input/output error)", {}},
                {"append /db/MANIFEST 13", {FlushRecord{5}}}}) ==
          std::vector<std::string>{"rule (a): /db/MANIFEST names /db/5.sst (flush 5) before "
                                   "sync_dir /db made its name durable"});
  }
}
