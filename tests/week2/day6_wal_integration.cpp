// Week 2 day 6, task 2: the WAL inside the engine. Every memtable owns `<id>.wal` (the id of the
// SST it becomes), created durably before the manifest names it; every write enters the WAL before
// the memtable; a flush removes the WAL only once the record that retires it is durable; close()
// syncs instead of flushing. All of it watched through the FaultInjectionFs's operation log.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "harness/catch.hpp"
#include "harness/collect.hpp"
#include "harness/durability_log.hpp"
#include "harness/fault_injection_fs.hpp"
#include "harness/trees.hpp"
#include "harness/wal_files.hpp"
#include "mini_lsm/error.hpp"
#include "mini_lsm/lsm_storage.hpp"
#include "mini_lsm/manifest.hpp"
#include "mini_lsm/sync_point.hpp"
#include "mini_lsm/wal.hpp"

using mini_lsm::FileSystem;
using mini_lsm::FlushRecord;
using mini_lsm::InvalidArgument;
using mini_lsm::IoError;
using mini_lsm::kMaxKeySize;
using mini_lsm::kMaxValueSize;
using mini_lsm::LsmOptions;
using mini_lsm::LsmStorage;
using mini_lsm::ManifestRecord;
using mini_lsm::NewMemtableRecord;
using mini_lsm::WalSyncMode;
using mini_lsm::testing::check_engine_matches;
using mini_lsm::testing::CrashMode;
using mini_lsm::testing::durability_events;
using mini_lsm::testing::DurabilityEvent;
using mini_lsm::testing::FaultInjectionFs;
using mini_lsm::testing::files_ending;
using mini_lsm::testing::ManifestRecorder;
using mini_lsm::testing::numbered_key;
using mini_lsm::testing::ordering_violations;
using mini_lsm::testing::wal_at;
using mini_lsm::testing::wal_name;
using mini_lsm::testing::wal_options;
using mini_lsm::testing::WalFormat;
using mini_lsm::testing::WalWrite;
using mini_lsm::testing::written_wal_format;

namespace {

using Model = std::map<std::string, std::string>;
using Names = std::vector<std::string>;
const char* const kDb = "/db";

// The exact bytes the engine's WAL `id` must hold after `writes`, each its own record, in the
// format version the file declares: 1 at w2d6, 2 (checksummed frames) from w2d7 on.
std::string wal_holding(const FaultInjectionFs& fs, std::size_t id,
                        const std::vector<WalWrite>& writes = {}) {
  const WalFormat format = written_wal_format(fs, wal_at(id));
  REQUIRE(format.id == id);
  return format.file(writes);
}
const char* const kManifest = "/db/MANIFEST";

// The records of the MANIFEST as it is now, in order.
std::vector<ManifestRecord> manifest_records(FaultInjectionFs& fs) {
  std::vector<ManifestRecord> records;
  for (const mini_lsm::ManifestEntry& entry : mini_lsm::read_manifest(kManifest, fs).entries) {
    records.push_back(entry.record);
  }
  return records;
}

// The index of the first line of `log` at or after `from` that starts with `prefix`; fails the
// test when there is none.
std::size_t line_index(const std::vector<std::string>& log, std::string_view prefix,
                       std::size_t from = 0) {
  for (std::size_t at = from; at < log.size(); ++at) {
    if (log[at].starts_with(prefix)) {
      return at;
    }
  }
  std::string lines;
  for (const std::string& line : log) {
    lines += line + "\n";
  }
  FAIL("no line starting with \"" << prefix << "\" from line " << from << " in the log:\n"
                                  << lines);
  return log.size();
}

// The index of the first event whose manifest append carries `wanted`; fails when none does.
std::size_t event_with_record(const std::vector<DurabilityEvent>& events,
                              const ManifestRecord& wanted) {
  for (std::size_t at = 0; at < events.size(); ++at) {
    const auto& records = events[at].records;
    if (std::find(records.begin(), records.end(), wanted) != records.end()) {
      return at;
    }
  }
  FAIL("no manifest append carries the record " << mini_lsm::describe(wanted));
  return events.size();
}

std::vector<std::string> lines_of(const std::vector<DurabilityEvent>& events) {
  std::vector<std::string> lines;
  for (const DurabilityEvent& event : events) {
    lines.push_back(event.line);
  }
  return lines;
}

// Puts `count` keys from `first` into the engine and the model, values tagged with `tag`.
void put_keys(LsmStorage& engine, Model& model, int first, int count, const std::string& tag) {
  for (int index = first; index < first + count; ++index) {
    const std::string value = tag + "-" + std::to_string(index);
    engine.put(numbered_key(index), value);
    model[numbered_key(index)] = value;
  }
}

}  // namespace

TEST_CASE("A new engine with a WAL holds exactly the WAL of its current memtable, durable",
          "[w2d6][wal-integration]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  const auto engine = LsmStorage::open(kDb, wal_options(fs));
  REQUIRE(engine->state()->memtable->id() == 0);
  CHECK(fs->files(kDb) == Names{"0.wal", "LOCK", "MANIFEST"});
  // Durable as a whole: the bytes and the name survive a power cut right now.
  CHECK(fs->durable_files(kDb) == Names{"0.wal", "LOCK", "MANIFEST"});
  CHECK(fs->durable_contents(wal_at(0)) == wal_holding(*fs, 0));
  CHECK(manifest_records(*fs).back() == ManifestRecord{NewMemtableRecord{0, true}});
}

TEST_CASE("A freeze creates the WAL of the new memtable and keeps the frozen one's records",
          "[w2d6][wal-integration]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  const auto engine = LsmStorage::open(kDb, wal_options(fs));
  engine->put("a", "1");
  engine->force_freeze_memtable();
  REQUIRE(engine->state()->memtable->id() == 1);
  CHECK(fs->files(kDb) == Names{"0.wal", "1.wal", "LOCK", "MANIFEST"});
  CHECK(fs->durable_contents(wal_at(1)) == wal_holding(*fs, 1));
  engine->put("b", "2");
  engine->force_freeze_memtable();
  CHECK(files_ending(*fs, ".wal") == Names{"0.wal", "1.wal", "2.wal"});
  // sync() reaches the frozen memtables' WALs too: their records were still in memory.
  engine->sync();
  CHECK(fs->durable_contents(wal_at(0)) == wal_holding(*fs, 0, {{"a", "1"}}));
  CHECK(fs->durable_contents(wal_at(1)) == wal_holding(*fs, 1, {{"b", "2"}}));
  CHECK(fs->durable_contents(wal_at(2)) == wal_holding(*fs, 2));
}

TEST_CASE("A write that fills the memtable freezes it, and the next memtable's WAL exists at once",
          "[w2d6][wal-integration]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  LsmOptions options = wal_options(fs);
  options.target_sst_size = 64;
  const auto engine = LsmStorage::open(kDb, options);
  engine->put("small", "x");
  CHECK(engine->state()->memtable->id() == 0);
  engine->put("big", std::string(100, 'v'));  // over 64 bytes: this write freezes memtable 0
  REQUIRE(engine->state()->memtable->id() == 1);
  CHECK(files_ending(*fs, ".wal") == Names{"0.wal", "1.wal"});
  engine->put("next", "y");
  engine->sync();
  CHECK(fs->durable_contents(wal_at(0)) ==
        wal_holding(*fs, 0, {{"small", "x"}, {"big", std::string(100, 'v')}}));
  CHECK(fs->durable_contents(wal_at(1)) == wal_holding(*fs, 1, {{"next", "y"}}));
}

TEST_CASE("A flush removes its memtable's WAL only after the flush record is durable",
          "[w2d6][wal-integration]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  const auto recorder = std::make_shared<ManifestRecorder>(fs);
  const auto engine = LsmStorage::open(kDb, wal_options(recorder));
  engine->put("a", "1");
  engine->force_freeze_memtable();
  engine->force_flush();
  CHECK(fs->files(kDb) == Names{"0.sst", "1.wal", "LOCK", "MANIFEST"});
  CHECK(fs->durable_files(kDb) == Names{"0.sst", "1.wal", "LOCK", "MANIFEST"});
  CHECK(engine->state()->l0_sstables == std::vector<std::size_t>{0});

  const std::vector<DurabilityEvent> events = durability_events(fs->log(), recorder->appends());
  const std::vector<std::string> log = lines_of(events);
  const std::size_t flush_record = event_with_record(events, FlushRecord{0});
  const std::size_t record_synced = line_index(log, "sync /db/MANIFEST", flush_record);
  const std::size_t removed = line_index(log, "remove /db/0.wal");
  CHECK(removed > record_synced);
  // The removal is made durable too, or a crash brings the WAL back.
  CHECK(line_index(log, "sync_dir /db", removed) > removed);
  CHECK(ordering_violations(events).empty());
}

TEST_CASE("Each WAL carries the id of the SST its memtable becomes, and only the current one stays",
          "[w2d6][wal-integration]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  const auto engine = LsmStorage::open(kDb, wal_options(fs));
  Model model;
  std::vector<std::size_t> flushed;  // newest first, as L0 lists them
  for (int round = 0; round < 3; ++round) {
    const std::size_t id = engine->state()->memtable->id();
    REQUIRE(fs->contents(wal_at(id)) == wal_holding(*fs, id));
    put_keys(*engine, model, round * 5, 10, "r" + std::to_string(round));
    engine->force_freeze_memtable();
    engine->force_flush();
    flushed.insert(flushed.begin(), id);
    INFO("round " << round);
    CHECK(engine->state()->l0_sstables == flushed);
    CHECK(files_ending(*fs, ".wal") == Names{wal_name(engine->state()->memtable->id())});
  }
  CHECK(flushed == std::vector<std::size_t>{2, 1, 0});
  CHECK(files_ending(*fs, ".sst") == Names{"0.sst", "1.sst", "2.sst"});
  check_engine_matches(*engine, model);
}

TEST_CASE("A new WAL is created, synced and named durably before the NewMemtable record naming it",
          "[w2d6][wal-integration]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  const auto recorder = std::make_shared<ManifestRecorder>(fs);
  const auto engine = LsmStorage::open(kDb, wal_options(recorder));
  engine->put("a", "1");
  engine->force_freeze_memtable();

  const std::vector<DurabilityEvent> events = durability_events(fs->log(), recorder->appends());
  const std::vector<std::string> log = lines_of(events);
  for (const std::size_t id : {std::size_t{0}, std::size_t{1}}) {
    INFO("WAL " << id);
    const std::string path = wal_at(id);
    const std::size_t created = line_index(log, "create " + path);
    const std::size_t synced = line_index(log, "sync " + path, created);
    const std::size_t named = line_index(log, "sync_dir /db", synced);
    const std::size_t recorded = event_with_record(events, NewMemtableRecord{id, true});
    CHECK(named < recorded);
    // No sync came later (the put of "a" is still buffered), so this is what the sync before
    // the record made durable: the whole header.
    CHECK(fs->durable_contents(path) == wal_holding(*fs, id));
    CHECK(line_index(log, "sync /db/MANIFEST", recorded) > recorded);
  }
  // What manifest-dump shows: the records name the WAL of each memtable.
  const std::vector<ManifestRecord> records = manifest_records(*fs);
  REQUIRE(records.size() == 3);
  CHECK(records[1] == ManifestRecord{NewMemtableRecord{0, true}});
  CHECK(records[2] == ManifestRecord{NewMemtableRecord{1, true}});
  CHECK(mini_lsm::describe(records[2]) == "new_memtable 1 wal 1.wal");
}

TEST_CASE("Every put and delete is durable in the WAL before it reaches the memtable (kAlways)",
          "[w2d6][wal-integration]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  LsmOptions options = wal_options(fs);
  options.wal_sync = WalSyncMode::kAlways;
  const auto engine = LsmStorage::open(kDb, options);
  const WalFormat format = written_wal_format(*fs, wal_at(0));
  std::string expected_wal = format.header();
  std::vector<std::string> missing;  // writes the memtable saw before the WAL held them
  std::size_t inserts = 0;
  const mini_lsm::sync_point::Scoped before_insert(
      std::string(mini_lsm::sync_point::kSkipListInsert), [&](std::string_view key) {
        ++inserts;
        if (fs->durable_contents(wal_at(0)) != expected_wal) {
          missing.emplace_back(key);
        }
      });
  const auto write = [&](std::string_view key, std::optional<std::string_view> value) {
    expected_wal += format.record(key, value.value_or(""));
    if (value) {
      engine->put(key, *value);
    } else {
      engine->del(key);
    }
  };
  write("a", "1");
  write("b", "2");
  write("a", std::nullopt);
  write("c", std::string(300, 'c'));
  write("b", "22");
  CHECK(inserts == 5);
  CHECK(missing.empty());
  CHECK(fs->durable_contents(wal_at(0)) == expected_wal);
}

TEST_CASE("An empty frozen memtable is dropped without a record and keeps its WAL until reopen",
          "[w2d6][wal-integration]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  {
    const auto engine = LsmStorage::open(kDb, wal_options(fs));
    engine->force_freeze_memtable();  // memtable 0, empty
    const std::vector<ManifestRecord> before = manifest_records(*fs);
    engine->force_flush();
    CHECK(engine->state()->imm_memtables.empty());
    CHECK(manifest_records(*fs) == before);  // no flush record: nothing was written
    // The manifest still names WAL 0 (no record retired it), so it must stay.
    CHECK(fs->files(kDb) == Names{"0.wal", "1.wal", "LOCK", "MANIFEST"});
    engine->put("x", "1");
    engine->close();
  }
  const auto reopened = LsmStorage::open(kDb, wal_options(fs));
  const auto& replayed = reopened->recovery_report().replayed_wals;
  REQUIRE(replayed.size() == 2);
  CHECK(replayed[0].id == 0);
  CHECK(replayed[0].records == 0);
  CHECK(replayed[1].id == 1);
  CHECK(replayed[1].records == 1);
  CHECK(reopened->recovery_report().removed_stale_wals.empty());
  CHECK(fs->files(kDb) == Names{"1.sst", "2.wal", "LOCK", "MANIFEST"});
  CHECK(reopened->get("x") == std::optional<std::string>("1"));
}

TEST_CASE("Without enable_wal no .wal file is ever created and NewMemtable records name none",
          "[w2d6][wal-integration]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  Model model;
  {
    const auto engine = LsmStorage::open(kDb, wal_options(fs, /*enable_wal=*/false));
    put_keys(*engine, model, 0, 10, "a");
    engine->sync();
    engine->force_freeze_memtable();
    engine->force_flush();
    put_keys(*engine, model, 5, 10, "b");
    engine->del(numbered_key(7));
    model.erase(numbered_key(7));
    engine->sync();
    CHECK(files_ending(*fs, ".wal").empty());
    engine->close();
  }
  const auto reopened = LsmStorage::open(kDb, wal_options(fs, /*enable_wal=*/false));
  reopened->put("z", "1");
  model["z"] = "1";
  reopened->sync();
  CHECK(files_ending(*fs, ".wal").empty());
  check_engine_matches(*reopened, model);
  for (const ManifestRecord& record : manifest_records(*fs)) {
    if (const auto* created = std::get_if<NewMemtableRecord>(&record)) {
      CHECK_FALSE(created->wal);
    }
  }
  CHECK(reopened->recovery_report().replayed_wals.empty());
}

TEST_CASE("sync() without a WAL does no file-system operation and makes nothing durable",
          "[w2d6][wal-integration]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  {
    const auto engine = LsmStorage::open(kDb, wal_options(fs, /*enable_wal=*/false));
    engine->put("a", "1");
    const std::size_t operations = fs->log_size();
    engine->sync();
    CHECK(fs->log_size() == operations);
  }  // dropped without close(): the memtable was never flushed
  fs->crash(CrashMode::kDropUnsynced);
  const auto reopened = LsmStorage::open(kDb, wal_options(fs, /*enable_wal=*/false));
  CHECK(reopened->get("a") == std::nullopt);
}

TEST_CASE(
    "close() with a WAL flushes nothing and syncs every WAL, so a power cut after it loses "
    "nothing",
    "[w2d6][wal-integration]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  Model model;
  {
    const auto engine = LsmStorage::open(kDb, wal_options(fs));
    put_keys(*engine, model, 0, 20, "a");
    engine->force_freeze_memtable();
    put_keys(*engine, model, 10, 20, "b");
    engine->del(numbered_key(3));
    model.erase(numbered_key(3));
    fs->clear_log();
    engine->close();
    const std::vector<std::string> log = fs->log();
    for (const std::string& line : log) {
      INFO(line);
      CHECK_FALSE(line.starts_with("create "));  // no SST, no new WAL, no new manifest
      CHECK_FALSE(line.starts_with("append /db/MANIFEST"));
    }
    CHECK(line_index(log, "sync /db/0.wal") < log.size());
    CHECK(line_index(log, "sync /db/1.wal") < log.size());
    CHECK(files_ending(*fs, ".sst").empty());
  }
  fs->crash(CrashMode::kDropUnsynced);
  const auto reopened = LsmStorage::open(kDb, wal_options(fs));
  check_engine_matches(*reopened, model);
  CHECK(reopened->recovery_report().replayed_wals.size() == 2);
}

TEST_CASE(
    "After close() with a WAL, writes throw InvalidArgument, reads answer, and close() again "
    "does nothing",
    "[w2d6][wal-integration]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  const auto engine = LsmStorage::open(kDb, wal_options(fs));
  engine->put("a", "1");
  engine->close();
  const std::string wal = fs->contents(wal_at(0));
  CHECK(wal == wal_holding(*fs, 0, {{"a", "1"}}));
  CHECK_THROWS_AS(engine->put("b", "2"), InvalidArgument);
  CHECK_THROWS_AS(engine->del("a"), InvalidArgument);
  CHECK(fs->contents(wal_at(0)) == wal);
  CHECK(engine->get("a") == std::optional<std::string>("1"));
  CHECK(engine->get("b") == std::nullopt);
  fs->clear_log();
  engine->close();
  CHECK(fs->log().empty());
}

TEST_CASE("Bad writes are refused before a byte reaches the WAL, and the engine goes on",
          "[w2d6][wal-integration]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  LsmOptions options = wal_options(fs);
  options.wal_sync = WalSyncMode::kAlways;
  {
    const auto engine = LsmStorage::open(kDb, options);
    engine->put("a", "1");
    const std::string before = fs->contents(wal_at(0));
    const std::string long_key(kMaxKeySize + 1, 'k');
    CHECK_THROWS_AS(engine->put(long_key, "v"), InvalidArgument);
    CHECK_THROWS_AS(engine->put("k", std::string(kMaxValueSize + 1, 'v')), InvalidArgument);
    CHECK_THROWS_AS(engine->put("k", ""), InvalidArgument);
    CHECK_THROWS_AS(engine->del(long_key), InvalidArgument);
    engine->sync();
    CHECK(fs->contents(wal_at(0)) == before);
    CHECK(engine->background_error() == nullptr);
    const std::string longest_key(kMaxKeySize, 'k');
    engine->put(longest_key, "max");
    engine->put("b", "2");
    const WalFormat format = written_wal_format(before);
    CHECK(fs->durable_contents(wal_at(0)) ==
          before + format.record(longest_key, "max") + format.record("b", "2"));
  }
  fs->crash(CrashMode::kDropUnsynced);
  const auto reopened = LsmStorage::open(kDb, options);
  check_engine_matches(*reopened,
                       Model{{"a", "1"}, {"b", "2"}, {std::string(kMaxKeySize, 'k'), "max"}});
}

TEST_CASE("A power cut at any file-system operation of a flush loses no synced write",
          "[w2d6][wal-integration]") {
  // The session: writes, sync(), freeze, then the flush that the power cut interrupts.
  const auto prepare = [](const std::shared_ptr<FaultInjectionFs>& fs, Model& model) {
    auto engine = LsmStorage::open(kDb, wal_options(fs));
    put_keys(*engine, model, 0, 30, "a");
    engine->del(numbered_key(4));
    model.erase(numbered_key(4));
    engine->sync();
    engine->force_freeze_memtable();
    return engine;
  };
  std::size_t flush_operations = 0;
  {
    const auto fs = std::make_shared<FaultInjectionFs>();
    Model model;
    const auto engine = prepare(fs, model);
    const std::size_t before = fs->log_size();
    engine->force_flush();
    flush_operations = fs->log_size() - before;
  }
  REQUIRE(flush_operations >= 6);  // at least: SST create, append, sync, rename, record, remove
  for (std::size_t crash_point = 1; crash_point <= flush_operations; ++crash_point) {
    INFO("power cut after " << crash_point << " of the flush's " << flush_operations
                            << " operations");
    const auto fs = std::make_shared<FaultInjectionFs>();
    Model model;
    {
      const auto engine = prepare(fs, model);
      fs->crash_after(crash_point);
      try {
        engine->force_flush();
      } catch (const IoError&) {
        // the machine died inside the flush
      }
    }
    fs->crash(CrashMode::kDropUnsynced);
    const auto reopened = LsmStorage::open(kDb, wal_options(fs));
    check_engine_matches(*reopened, model);
    CHECK(files_ending(*fs, ".wal") == Names{wal_name(reopened->state()->memtable->id())});
  }
}
