// Week 2 day 5: the engine keeps a MANIFEST, so that a reopened database finds the tree it left:
// the same SSTs in the same levels, the newest value of every key, and ids that never repeat.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "harness/catch.hpp"
#include "harness/collect.hpp"
#include "harness/fault_injection_fs.hpp"
#include "harness/run_cli.hpp"
#include "harness/temp_dir.hpp"
#include "harness/trees.hpp"
#include "mini_lsm/error.hpp"
#include "mini_lsm/lsm_storage.hpp"
#include "mini_lsm/manifest.hpp"

using mini_lsm::CompactionRecord;
using mini_lsm::CompactionStrategy;
using mini_lsm::Corruption;
using mini_lsm::FlushRecord;
using mini_lsm::FullCompactionTask;
using mini_lsm::IoError;
using mini_lsm::Level;
using mini_lsm::LsmOptions;
using mini_lsm::LsmState;
using mini_lsm::LsmStorage;
using mini_lsm::ManifestRecord;
using mini_lsm::NewMemtableRecord;
using mini_lsm::SnapshotRecord;
using mini_lsm::testing::check_engine_matches;
using mini_lsm::testing::CrashMode;
using mini_lsm::testing::FaultInjectionFs;
using mini_lsm::testing::flush_all;
using mini_lsm::testing::FsOp;
using mini_lsm::testing::numbered_key;
using mini_lsm::testing::run_cli;
using mini_lsm::testing::run_cli_with;
using mini_lsm::testing::TempDir;
using mini_lsm::testing::tree_shape;

namespace {

using Model = std::map<std::string, std::string>;
const char* const kDb = "/db";
const char* const kManifest = "/db/MANIFEST";

// Only the test freezes, flushes and compacts (the flush thread never finds too many frozen
// memtables, and there is no compaction thread); small SSTs, so that trees grow levels quickly.
LsmOptions stepped_options(CompactionStrategy strategy, std::shared_ptr<FaultInjectionFs> fs) {
  LsmOptions options;
  options.target_sst_size = 1024;
  options.block_size = 256;
  options.num_memtable_limit = 1000;
  options.background_compaction = false;
  options.file_system = std::move(fs);
  options.compaction.strategy = strategy;
  options.compaction.simple.level0_file_num_compaction_trigger = 2;
  options.compaction.simple.size_ratio_percent = 200;
  options.compaction.simple.max_levels = 3;
  options.compaction.tiered.num_tiers = 3;
  options.compaction.leveled.level_size_multiplier = 2;
  options.compaction.leveled.level0_file_num_compaction_trigger = 2;
  options.compaction.leveled.max_levels = 3;
  options.compaction.leveled.base_level_size_bytes = 2048;
  return options;
}

// Writes keys [first, first + count) tagged with `round` into the engine and the model, then
// flushes them into SSTs.
void flush_keys(LsmStorage& engine, Model& model, int first, int count, const std::string& round) {
  for (int index = first; index < first + count; ++index) {
    const std::string value = round + "-" + std::to_string(index);
    engine.put(numbered_key(index), value);
    model[numbered_key(index)] = value;
  }
  flush_all(engine);
}

// Every file of /db and its bytes: what an open must leave alone when it refuses the directory.
std::map<std::string, std::string> directory_contents(const FaultInjectionFs& fs) {
  std::map<std::string, std::string> contents;
  for (const std::string& name : fs.files(kDb)) {
    contents[name] = fs.contents(std::string(kDb) + "/" + name);
  }
  return contents;
}

// The bytes of a manifest holding `records`, framed as Manifest::add_record() frames them.
std::string manifest_bytes(const std::vector<ManifestRecord>& records) {
  const auto put_u32 = [](std::string& out, std::uint32_t value) {
    for (int shift = 0; shift < 32; shift += 8) {
      out.push_back(static_cast<char>((value >> shift) & 0xff));
    }
  };
  std::string bytes;
  put_u32(bytes, mini_lsm::kManifestMagic);
  put_u32(bytes, mini_lsm::kManifestFormatVersion);
  for (const ManifestRecord& record : records) {
    const std::string payload = mini_lsm::encode_record(record);
    put_u32(bytes, static_cast<std::uint32_t>(payload.size()));
    bytes += payload;
  }
  return bytes;
}

// Where the record at `index` of `records` starts in manifest_bytes(records).
std::uint64_t record_offset(const std::vector<ManifestRecord>& records, std::size_t index) {
  return manifest_bytes({records.begin(), records.begin() + static_cast<std::ptrdiff_t>(index)})
      .size();
}

// A database on `fs` that `strategy` built from two flushed rounds (keys 0..9, then 5..14),
// closed. Returns what it holds.
Model two_round_database(const std::shared_ptr<FaultInjectionFs>& fs, CompactionStrategy strategy) {
  Model model;
  auto engine = LsmStorage::open(kDb, stepped_options(strategy, fs));
  flush_keys(*engine, model, 0, 10, "a");
  flush_keys(*engine, model, 5, 10, "b");
  engine->close();
  return model;
}

// A database on `fs` with SSTs 0 and 1 in L0 (newest first) and nothing else, closed.
// Its keys: key 0..9 from SST 0, key 10..19 from SST 1.
Model two_sstable_database(const std::shared_ptr<FaultInjectionFs>& fs) {
  Model model;
  auto engine = LsmStorage::open(kDb, stepped_options(CompactionStrategy::kNone, fs));
  flush_keys(*engine, model, 0, 10, "a");
  flush_keys(*engine, model, 10, 10, "b");
  REQUIRE(engine->state()->l0_sstables == std::vector<std::size_t>{1, 0});
  engine->close();
  return model;
}

// Opening /db must throw Corruption; returns it.
Corruption open_must_fail(const std::shared_ptr<FaultInjectionFs>& fs,
                          CompactionStrategy strategy = CompactionStrategy::kNone) {
  try {
    LsmStorage::open(kDb, stepped_options(strategy, fs));
  } catch (const Corruption& error) {
    return error;
  }
  FAIL("the open succeeded, but it must refuse the directory with Corruption");
  throw std::logic_error("unreachable");
}

// Replaces the MANIFEST of `two_sstable_database()` with `records` and checks that the open
// refuses it with Corruption at the record `bad_index`, changing nothing on disk.
void check_manifest_refused(const std::vector<ManifestRecord>& records, std::size_t bad_index) {
  const auto fs = std::make_shared<FaultInjectionFs>();
  two_sstable_database(fs);
  fs->write_file(kManifest, manifest_bytes(records));
  const auto before = directory_contents(*fs);
  const Corruption error = open_must_fail(fs);
  INFO(error.what());
  CHECK(error.file().ends_with("/MANIFEST"));
  CHECK(error.offset() == record_offset(records, bad_index));
  CHECK(directory_contents(*fs) == before);
}

// The snapshot a hand-made manifest of two_sstable_database() starts with: L0 [1 0], an empty L1
// (CompactionStrategy::kNone keeps L1 for full compactions), next id 2.
SnapshotRecord two_sstable_snapshot() {
  return SnapshotRecord{2, CompactionStrategy::kNone, {1, 0}, {Level{1, {}}}};
}

// Every SST of every level, in order, sorted by first key (a level is one sorted run).
void check_levels_sorted(const LsmState& state) {
  for (const Level& level : state.levels) {
    for (std::size_t i = 1; i < level.sst_ids.size(); ++i) {
      INFO("level " << level.id << " SSTs " << level.sst_ids[i - 1] << " and " << level.sst_ids[i]);
      CHECK(state.sstables.at(level.sst_ids[i - 1])->last_key() <
            state.sstables.at(level.sst_ids[i])->first_key());
    }
  }
}

// Runs `rounds` rounds of writes (each round overwrites a quarter of the keys after it and adds
// new ones below them, so that the tree grows and new SSTs, with higher ids, hold lower keys), each
// flushed and then compacted as far as the controller wants, then one more flush that nothing
// compacts (after a full compaction for kNone). Returns the model.
Model grow_tree(LsmStorage& engine, int rounds) {
  Model model;
  for (int round = 0; round < rounds; ++round) {
    flush_keys(engine, model, (rounds - 1 - round) * 30, 40, "r" + std::to_string(round));
    while (engine.compact_once()) {
    }
  }
  if (engine.options().compaction.strategy == CompactionStrategy::kNone) {
    engine.force_full_compaction();
  }
  flush_keys(engine, model, 5, 10, "last");
  return model;
}

// The number of levels (or tiers) of `state` that hold SSTs.
std::size_t non_empty_levels(const LsmState& state) {
  return static_cast<std::size_t>(
      std::count_if(state.levels.begin(), state.levels.end(),
                    [](const Level& level) { return !level.sst_ids.empty(); }));
}

// Grows a tree with `strategy`, closes it, reopens it, and checks the reopened tree is the same
// one, level by level and key by key.
void check_reopen_finds_same_tree(CompactionStrategy strategy, int rounds) {
  const auto fs = std::make_shared<FaultInjectionFs>();
  Model model;
  std::string shape;
  {
    auto engine = LsmStorage::open(kDb, stepped_options(strategy, fs));
    model = grow_tree(*engine, rounds);
    shape = tree_shape(*engine->state(), " | ");
    // Reopening means something only for a tree with data below L0 (several levels, or tiers,
    // for a controller) and, but for tiered, in L0 too.
    INFO("tree before close: " << shape);
    CHECK(non_empty_levels(*engine->state()) >= (strategy == CompactionStrategy::kNone ? 1 : 2));
    CHECK((strategy == CompactionStrategy::kTiered || !engine->state()->l0_sstables.empty()));
    engine->close();
  }
  auto engine = LsmStorage::open(kDb, stepped_options(strategy, fs));
  INFO("tree before close: " << shape);
  CHECK(tree_shape(*engine->state(), " | ") == shape);
  check_levels_sorted(*engine->state());
  check_engine_matches(*engine, model);
}

}  // namespace

TEST_CASE(
    "a compaction's output does not hide a newer value flushed after it (the opening problem)",
    "[w2d5][manifest][opening]") {
  // SST 0 holds red; memtable 1 holds blue; the compaction writes SST 2 into L1; close() flushes
  // memtable 1 to SST 1 in L0. Ordered by id, as week 1 reopens L0, SST 2 would come first and
  // say red; the manifest knows SST 2 is in L1, below SST 1.
  const auto fs = std::make_shared<FaultInjectionFs>();
  {
    auto engine = LsmStorage::open(kDb, stepped_options(CompactionStrategy::kNone, fs));
    engine->put("color", "red");
    engine->force_freeze_memtable();
    engine->force_flush();
    engine->put("color", "blue");
    engine->force_full_compaction();
    engine->close();
  }
  auto engine = LsmStorage::open(kDb, stepped_options(CompactionStrategy::kNone, fs));
  CHECK(engine->get("color") == std::optional<std::string>("blue"));
  CHECK(tree_shape(*engine->state(), " | ") == "L0 [1] | L1 [2]");
}

TEST_CASE("cli: a value written after a full compaction is the one a new session reads",
          "[w2d5][manifest][opening][cli]") {
  TempDir dir;
  const auto db = dir.path() / "db";
  const auto first = run_cli(db, "put color red\nflush\nput color blue\nfull_compaction\nquit\n");
  INFO(first.output);
  REQUIRE(first.exit_code == 0);
  const auto second = run_cli(db, "get color\n");
  INFO(second.output);
  CHECK(second.exit_code == 0);
  CHECK(second.output == "color=blue\n");
}

TEST_CASE("reopen finds the same tree after a full compaction (no controller)",
          "[w2d5][manifest][reopen]") {
  check_reopen_finds_same_tree(CompactionStrategy::kNone, 3);
}

TEST_CASE("reopen finds the same tree of the simple leveled controller, level by level",
          "[w2d5][manifest][reopen]") {
  check_reopen_finds_same_tree(CompactionStrategy::kSimple, 8);
}

TEST_CASE("reopen finds the same tiers of the tiered controller", "[w2d5][manifest][reopen]") {
  check_reopen_finds_same_tree(CompactionStrategy::kTiered, 8);
}

TEST_CASE("reopen finds the same leveled tree, each level sorted by first key",
          "[w2d5][manifest][reopen]") {
  check_reopen_finds_same_tree(CompactionStrategy::kLeveled, 8);
}

TEST_CASE("the leveled test tree has a level whose key order is not its id order",
          "[w2d5][manifest][reopen]") {
  // A replay appends each compaction's outputs to its level (in_recovery): only sorting by first
  // key puts them back where they belong, and this tree shows whether the open does.
  const auto fs = std::make_shared<FaultInjectionFs>();
  {
    auto engine = LsmStorage::open(kDb, stepped_options(CompactionStrategy::kLeveled, fs));
    grow_tree(*engine, 8);
    engine->close();
  }
  auto engine = LsmStorage::open(kDb, stepped_options(CompactionStrategy::kLeveled, fs));
  const auto& levels = engine->state()->levels;
  INFO(tree_shape(*engine->state(), " | "));
  CHECK(std::any_of(levels.begin(), levels.end(), [](const Level& level) {
    return !std::is_sorted(level.sst_ids.begin(), level.sst_ids.end());
  }));
  check_levels_sorted(*engine->state());
}

TEST_CASE("cli: a new session finds the filled keys and dumps the same SSTs in the same levels",
          "[w2d5][manifest][cli]") {
  TempDir dir;
  const auto db = dir.path() / "db";
  const std::string arguments = "--compaction leveled --path '" + db.string() + "'";
  // The full compaction makes the bottom level; two flushes after it stay in L0 (the trigger is
  // four), so no background compaction changes the tree between the dumps.
  const auto first = run_cli_with(arguments, dir.path() / "first.script",
                                  "fill 1000 2000\nflush\nfill 1200 1400\nflush\nfull_compaction\n"
                                  "fill 1500 1600\nflush\nfill 1900 1950\nflush\ndump\nclose\n");
  INFO(first.output);
  REQUIRE(first.exit_code == 0);
  const auto second = run_cli_with(arguments, dir.path() / "second.script", "get 1500\ndump\n");
  INFO(second.output);
  CHECK(second.exit_code == 0);
  CHECK(second.output.starts_with("1500=value1500\n"));
  // The SST lines of a dump (the memtable's line names a new memtable after a reopen).
  const auto sst_lines = [](const std::string& output) {
    std::string lines;
    std::size_t at = 0;
    while (at < output.size()) {
      const std::size_t end = output.find('\n', at);
      const std::string line = output.substr(at, end - at + 1);
      if (line.find(" sst ") != std::string::npos) {
        lines += line;
      }
      at = end == std::string::npos ? output.size() : end + 1;
    }
    return lines;
  };
  CHECK(sst_lines(first.output).find("L0 sst ") != std::string::npos);
  CHECK(sst_lines(first.output).find("L4 sst ") != std::string::npos);
  CHECK(sst_lines(second.output) == sst_lines(first.output));
}

TEST_CASE("a directory of SSTs without a MANIFEST is adopted: L0 newest id first, and recorded",
          "[w2d5][manifest][adopt]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  Model model;
  {
    auto engine = LsmStorage::open(kDb, stepped_options(CompactionStrategy::kNone, fs));
    flush_keys(*engine, model, 0, 10, "a");
    flush_keys(*engine, model, 5, 10, "b");
    flush_keys(*engine, model, 8, 4, "c");
    engine->close();
  }
  fs->remove(kManifest);  // as a week-1 engine leaves its directory
  {
    auto engine = LsmStorage::open(kDb, stepped_options(CompactionStrategy::kNone, fs));
    CHECK(engine->state()->l0_sstables == std::vector<std::size_t>{2, 1, 0});
    CHECK(engine->recovery_report().adopted_without_manifest);
    CHECK(engine->recovery_report().removed_unnamed_sstables.empty());
    check_engine_matches(*engine, model);
    const auto files = fs->durable_files(kDb);
    CHECK(std::find(files.begin(), files.end(), "MANIFEST") != files.end());
  }
  fs->crash(CrashMode::kDropUnsynced);  // the manifest of the adoption is durable
  auto engine = LsmStorage::open(kDb, stepped_options(CompactionStrategy::kNone, fs));
  CHECK_FALSE(engine->recovery_report().adopted_without_manifest);
  CHECK(tree_shape(*engine->state(), " | ") == "L0 [2 1 0] | L1 []");
  check_engine_matches(*engine, model);
}

TEST_CASE("a tiered engine adopts each SST of a directory without a MANIFEST as a tier",
          "[w2d5][manifest][adopt]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  const Model model = two_round_database(fs, CompactionStrategy::kNone);
  fs->remove(kManifest);
  {
    auto engine = LsmStorage::open(kDb, stepped_options(CompactionStrategy::kTiered, fs));
    CHECK(engine->recovery_report().adopted_without_manifest);
    CHECK(tree_shape(*engine->state(), " | ") == "L0 [] | L1 [1] | L0 [0]");
    check_engine_matches(*engine, model);
    engine->close();
  }
  auto engine = LsmStorage::open(kDb, stepped_options(CompactionStrategy::kTiered, fs));
  CHECK_FALSE(engine->recovery_report().adopted_without_manifest);
  CHECK(tree_shape(*engine->state(), " | ") == "L0 [] | L1 [1] | L0 [0]");
  check_engine_matches(*engine, model);
}

TEST_CASE("an SST the manifest does not name is removed at open, and its id is never reused",
          "[w2d5][manifest][unnamed]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  const Model model = two_sstable_database(fs);
  // The orphan of a flush that crashed before its record: a whole SST no record names.
  fs->write_file("/db/50.sst", fs->contents("/db/0.sst"));
  auto engine = LsmStorage::open(kDb, stepped_options(CompactionStrategy::kNone, fs));
  CHECK(engine->recovery_report().removed_unnamed_sstables == std::vector<std::size_t>{50});
  CHECK_FALSE(engine->recovery_report().adopted_without_manifest);
  const auto files = fs->durable_files(kDb);
  CHECK(std::find(files.begin(), files.end(), "50.sst") == files.end());
  CHECK(engine->state()->l0_sstables == std::vector<std::size_t>{1, 0});
  CHECK(engine->state()->memtable->id() == 51);
  check_engine_matches(*engine, model);
}

TEST_CASE("a missing SST the manifest names is Corruption naming it, and the open changes nothing",
          "[w2d5][manifest][missing]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  two_sstable_database(fs);
  fs->remove("/db/0.sst");
  const auto before = directory_contents(*fs);
  const Corruption error = open_must_fail(fs);
  INFO(error.what());
  CHECK(error.file().ends_with("/0.sst"));
  CHECK(directory_contents(*fs) == before);
}

TEST_CASE("hostile manifest: a new memtable with an id handed out before is Corruption at it",
          "[w2d5][manifest][hostile]") {
  SECTION("the same id twice") {
    check_manifest_refused(
        {two_sstable_snapshot(), NewMemtableRecord{2}, NewMemtableRecord{3}, NewMemtableRecord{3}},
        3);
  }
  SECTION("an id below the snapshot's next id") {
    check_manifest_refused({two_sstable_snapshot(), NewMemtableRecord{2}, NewMemtableRecord{1}}, 2);
  }
}

TEST_CASE("hostile manifest: a compaction output with the id of an SST is Corruption at it",
          "[w2d5][manifest][hostile]") {
  const FullCompactionTask task{{1, 0}, {Level{1, {}}}};
  SECTION("an SST of the snapshot") {
    check_manifest_refused({two_sstable_snapshot(), CompactionRecord{task, {1}}}, 1);
  }
  SECTION("an SST of an earlier record") {
    check_manifest_refused({two_sstable_snapshot(), NewMemtableRecord{2}, FlushRecord{2},
                            CompactionRecord{FullCompactionTask{{2, 1, 0}, {Level{1, {}}}}, {2}}},
                           3);
  }
}

TEST_CASE("hostile manifest: a compaction of SSTs that are not in the tree is Corruption at it",
          "[w2d5][manifest][hostile]") {
  check_manifest_refused({two_sstable_snapshot(), NewMemtableRecord{2},
                          CompactionRecord{FullCompactionTask{{7, 1, 0}, {Level{1, {}}}}, {3}}},
                         2);
}

TEST_CASE("hostile manifest: a flush of a memtable that is not live is Corruption at it",
          "[w2d5][manifest][hostile]") {
  SECTION("never created") {
    check_manifest_refused({two_sstable_snapshot(), NewMemtableRecord{2}, FlushRecord{3}}, 2);
  }
  SECTION("flushed already") {
    check_manifest_refused({two_sstable_snapshot(), NewMemtableRecord{2}, FlushRecord{2},
                            NewMemtableRecord{3}, FlushRecord{2}},
                           4);
  }
}

TEST_CASE("hostile manifest: a snapshot after the first record is Corruption at it",
          "[w2d5][manifest][hostile]") {
  check_manifest_refused({two_sstable_snapshot(), NewMemtableRecord{2},
                          SnapshotRecord{3, CompactionStrategy::kNone, {1, 0}, {Level{1, {}}}}},
                         2);
}

TEST_CASE(
    "hostile manifest: one without any record, or not starting with a snapshot, is "
    "Corruption at its first record",
    "[w2d5][manifest][hostile]") {
  SECTION("only the header") {
    check_manifest_refused({}, 0);
  }
  SECTION("a new memtable first") {
    check_manifest_refused({NewMemtableRecord{2}, two_sstable_snapshot()}, 0);
  }
}

TEST_CASE(
    "hostile manifest: a snapshot naming an SST twice, or one at its next id, is "
    "Corruption at it",
    "[w2d5][manifest][hostile]") {
  SECTION("an SST in L0 and in L1") {
    check_manifest_refused({SnapshotRecord{2, CompactionStrategy::kNone, {1, 0}, {Level{1, {0}}}}},
                           0);
  }
  SECTION("an SST twice in L0") {
    check_manifest_refused(
        {SnapshotRecord{2, CompactionStrategy::kNone, {1, 1, 0}, {Level{1, {}}}}}, 0);
  }
  SECTION("an SST id at the next id") {
    check_manifest_refused({SnapshotRecord{1, CompactionStrategy::kNone, {1, 0}, {Level{1, {}}}}},
                           0);
  }
}

TEST_CASE("a MANIFEST ending in part of a record opens with the tree before it (a torn tail)",
          "[w2d5][manifest][torn]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  const Model model = two_sstable_database(fs);
  const std::string whole = fs->contents(kManifest);
  const std::size_t records = mini_lsm::read_manifest(kManifest, *fs).entries.size();
  // A flush of an id the manifest knows, cut after its length and type byte: a crash mid-append.
  const std::string record = manifest_bytes({FlushRecord{2}}).substr(mini_lsm::kManifestHeaderSize);
  fs->write_file(kManifest, whole + record.substr(0, 6));
  auto engine = LsmStorage::open(kDb, stepped_options(CompactionStrategy::kNone, fs));
  CHECK(engine->recovery_report().manifest_torn_tail_offset ==
        std::optional<std::uint64_t>(whole.size()));
  CHECK(engine->recovery_report().manifest_records == records);
  CHECK(records >= 5);  // the snapshot, new memtables, two flushes
  CHECK(engine->state()->l0_sstables == std::vector<std::size_t>{1, 0});
  check_engine_matches(*engine, model);
}

TEST_CASE("opening and crashing twenty times changes nothing, and the MANIFEST does not grow",
          "[w2d5][manifest][idempotent]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  Model model;
  std::string shape;
  {
    auto engine = LsmStorage::open(kDb, stepped_options(CompactionStrategy::kLeveled, fs));
    model = grow_tree(*engine, 4);
    shape = tree_shape(*engine->state(), " | ");
    engine->close();
  }
  std::optional<std::size_t> manifest_size;
  for (int round = 0; round < 20; ++round) {
    INFO("open number " << round + 1);
    {
      auto engine = LsmStorage::open(kDb, stepped_options(CompactionStrategy::kLeveled, fs));
      CHECK(tree_shape(*engine->state(), " | ") == shape);
      CHECK(engine->recovery_report().removed_unnamed_sstables.empty());
      check_engine_matches(*engine, model);
      const std::size_t size = fs->durable_contents(kManifest).size();
      CHECK(size == manifest_size.value_or(size));
      manifest_size = size;
    }
    fs->crash(CrashMode::kKeepRandomPrefix, static_cast<std::uint64_t>(round));
  }
}

TEST_CASE("a failed fsync of a flush's record publishes nothing, stops writes, and recovers",
          "[w2d5][manifest][fsync]") {
  // The ops of force_flush() from the same state are the same each time: a dry run finds which
  // sync is the MANIFEST's.
  const auto prepare = [](const std::shared_ptr<FaultInjectionFs>& fs, Model& durable,
                          Model& pending) {
    auto engine = LsmStorage::open(kDb, stepped_options(CompactionStrategy::kNone, fs));
    flush_keys(*engine, durable, 0, 20, "durable");
    for (int index = 10; index < 30; ++index) {
      pending[numbered_key(index)] = "pending-" + std::to_string(index);
      engine->put(numbered_key(index), pending[numbered_key(index)]);
    }
    engine->force_freeze_memtable();
    return engine;
  };
  std::size_t manifest_sync = 0;
  bool found = false;
  {
    const auto dry = std::make_shared<FaultInjectionFs>();
    Model durable;
    Model pending;
    auto engine = prepare(dry, durable, pending);
    dry->clear_log();
    engine->force_flush();
    for (const std::string& line : dry->log()) {
      if (line.starts_with("sync ")) {
        ++manifest_sync;
        if (line == std::string("sync ") + kManifest) {
          found = true;
          break;
        }
      }
    }
  }
  REQUIRE(found);
  REQUIRE(manifest_sync >= 2);  // the SST's sync comes first

  for (const CrashMode mode :
       {CrashMode::kDropUnsynced, CrashMode::kKeepRandomPrefix, CrashMode::kZeroFillUnsynced}) {
    INFO("crash mode " << mini_lsm::testing::crash_mode_name(mode));
    const auto fs = std::make_shared<FaultInjectionFs>();
    Model durable;
    Model pending;
    {
      auto engine = prepare(fs, durable, pending);
      const std::string before = tree_shape(*engine->state(), " | ");
      const std::size_t frozen = engine->state()->imm_memtables.size();
      fs->fail(FsOp::kSync, manifest_sync);
      CHECK_THROWS_AS(engine->force_flush(), IoError);
      CHECK(tree_shape(*engine->state(), " | ") == before);
      CHECK(engine->state()->imm_memtables.size() == frozen);
      const std::exception_ptr error = engine->background_error();
      REQUIRE(error);
      std::string first_message;
      try {
        std::rethrow_exception(error);
      } catch (const IoError& failure) {
        first_message = failure.what();
      }
      CHECK(first_message.find("MANIFEST") != std::string::npos);
      try {
        engine->put("later", "write");
        FAIL("a write after a failed manifest record must throw the background error");
      } catch (const IoError& failure) {
        CHECK(std::string(failure.what()) == first_message);
      }
    }
    fs->crash(mode, 7);
    auto engine = LsmStorage::open(kDb, stepped_options(CompactionStrategy::kNone, fs));
    // The flushed keys are all there or none is; the durable ones are there in any case.
    const bool flushed = engine->get(numbered_key(29)).has_value();
    Model expected = durable;
    if (flushed) {
      for (const auto& [key, value] : pending) {
        expected[key] = value;
      }
    }
    check_engine_matches(*engine, expected);
  }
}

TEST_CASE("after reopen, no memtable id the manifest ever named is handed out again",
          "[w2d5][manifest][ids]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  {
    auto engine = LsmStorage::open(kDb, stepped_options(CompactionStrategy::kNone, fs));
    engine->put("a", "1");
    engine->force_freeze_memtable();  // memtable 0 frozen, memtable 1 current
    engine->force_flush();            // SST 0
    engine->put("b", "2");
    engine->force_freeze_memtable();  // memtable 1 frozen, memtable 2 current
    engine->force_freeze_memtable();  // memtable 2 frozen, memtable 3 current
    REQUIRE(engine->state()->memtable->id() == 3);
    // Dropped without close(): memtables 1 to 3 are never flushed.
  }
  fs->crash(CrashMode::kDropUnsynced);
  auto engine = LsmStorage::open(kDb, stepped_options(CompactionStrategy::kNone, fs));
  CHECK(engine->state()->memtable->id() == 4);
  CHECK(engine->state()->l0_sstables == std::vector<std::size_t>{0});
  CHECK(engine->get("a") == std::optional<std::string>("1"));
}

TEST_CASE("a failed fsync of a compaction's record publishes nothing and removes no input",
          "[w2d5][manifest][fsync]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  Model model;
  auto engine = LsmStorage::open(kDb, stepped_options(CompactionStrategy::kNone, fs));
  flush_keys(*engine, model, 0, 20, "a");
  flush_keys(*engine, model, 10, 20, "b");
  const std::string before = tree_shape(*engine->state(), " | ");
  const auto files_before = fs->files(kDb);
  // A compaction syncs each output SST, then the MANIFEST: fail its 1st, 2nd, ... sync until
  // the failed one is the MANIFEST's (a failed SST sync only fails that compaction).
  bool failed_manifest_sync = false;
  for (std::size_t nth = 1; nth <= 20 && !failed_manifest_sync; ++nth) {
    fs->fail(FsOp::kSync, nth);
    try {
      engine->force_full_compaction();
      FAIL("the compaction must fail on its injected sync fault");
    } catch (const IoError& error) {
      failed_manifest_sync = std::string(error.what()).find("MANIFEST") != std::string::npos;
    }
    if (!failed_manifest_sync) {
      CHECK_FALSE(engine->background_error());
    }
  }
  REQUIRE(failed_manifest_sync);
  CHECK(tree_shape(*engine->state(), " | ") == before);
  CHECK(engine->background_error());
  for (const std::size_t id : engine->state()->l0_sstables) {
    const auto files = fs->files(kDb);
    CHECK(std::find(files.begin(), files.end(), std::to_string(id) + ".sst") != files.end());
  }
  check_engine_matches(*engine, model);
  CHECK_THROWS_AS(engine->put("later", "write"), IoError);
  engine.reset();
  fs->crash(CrashMode::kDropUnsynced);
  auto reopened = LsmStorage::open(kDb, stepped_options(CompactionStrategy::kNone, fs));
  CHECK(tree_shape(*reopened->state(), " | ") == before);
  check_engine_matches(*reopened, model);
}

TEST_CASE("flushing an empty memtable writes no SST and no flush record", "[w2d5][manifest][ids]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  Model model;
  {
    auto engine = LsmStorage::open(kDb, stepped_options(CompactionStrategy::kNone, fs));
    flush_keys(*engine, model, 0, 5, "a");
    engine->force_freeze_memtable();  // memtable 1, empty
    engine->force_flush();
    CHECK(engine->state()->l0_sstables == std::vector<std::size_t>{0});
    engine->close();
  }
  std::size_t flushes = 0;
  mini_lsm::read_manifest(kManifest, *fs, [&](const mini_lsm::ManifestEntry& entry) {
    flushes += std::holds_alternative<FlushRecord>(entry.record) ? 1 : 0;
  });
  CHECK(flushes == 1);
  auto engine = LsmStorage::open(kDb, stepped_options(CompactionStrategy::kNone, fs));
  CHECK(engine->state()->l0_sstables == std::vector<std::size_t>{0});
  check_engine_matches(*engine, model);
}

TEST_CASE("a database opened with another compaction strategy is refused, and nothing changes",
          "[w2d5][manifest][options]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  const Model model = two_round_database(fs, CompactionStrategy::kTiered);
  const auto before = directory_contents(*fs);
  // A leveled engine would put the tiers' flushes in an L0 the tree never had and lose the
  // outputs of their compactions: the snapshot's strategy stops it first.
  try {
    LsmStorage::open(kDb, stepped_options(CompactionStrategy::kLeveled, fs));
    FAIL("a tiered database opened as leveled must be refused");
  } catch (const mini_lsm::InvalidArgument& error) {
    CHECK(std::string(error.what()).find("built by tiered compaction") != std::string::npos);
    CHECK(std::string(error.what()).find("leveled") != std::string::npos);
  }
  CHECK(directory_contents(*fs) == before);
  const auto reopened = LsmStorage::open(kDb, stepped_options(CompactionStrategy::kTiered, fs));
  check_engine_matches(*reopened, model);
}

TEST_CASE("a database opened with another number of levels is refused, and nothing changes",
          "[w2d5][manifest][options]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  {
    auto engine = LsmStorage::open(kDb, stepped_options(CompactionStrategy::kLeveled, fs));
    Model model;
    flush_keys(*engine, model, 0, 10, "a");
    engine->close();
  }
  const auto before = directory_contents(*fs);
  LsmOptions more_levels = stepped_options(CompactionStrategy::kLeveled, fs);
  more_levels.compaction.leveled.max_levels = 4;
  try {
    LsmStorage::open(kDb, more_levels);
    FAIL("a tree of 3 levels opened with max_levels 4 must be refused");
  } catch (const mini_lsm::InvalidArgument& error) {
    CHECK(std::string(error.what()).find("has 3 levels below L0, but the options ask for 4") !=
          std::string::npos);
  }
  CHECK(directory_contents(*fs) == before);
}
