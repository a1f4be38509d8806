// Week 2 day 6, task 3: recovery. open() replays the WALs the manifest leaves live, oldest first,
// into level-0 SSTs of their memtables' ids; ignores and removes WALs no live memtable owns;
// refuses a directory whose WALs it cannot trust; cuts a torn last record; and gives the same
// answer however often it is interrupted and repeated.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "harness/catch.hpp"
#include "harness/collect.hpp"
#include "harness/fault_injection_fs.hpp"
#include "harness/trees.hpp"
#include "harness/wal_files.hpp"
#include "mini_lsm/error.hpp"
#include "mini_lsm/lsm_storage.hpp"
#include "mini_lsm/manifest.hpp"
#include "mini_lsm/table.hpp"
#include "mini_lsm/wal.hpp"

using mini_lsm::CompactionStrategy;
using mini_lsm::Corruption;
using mini_lsm::FileSystem;
using mini_lsm::IoError;
using mini_lsm::Level;
using mini_lsm::LsmOptions;
using mini_lsm::LsmStorage;
using mini_lsm::ManifestRecord;
using mini_lsm::NewMemtableRecord;
using mini_lsm::RecoveryReport;
using mini_lsm::ReplayedWal;
using mini_lsm::SnapshotRecord;
using mini_lsm::testing::check_engine_matches;
using mini_lsm::testing::collect;
using mini_lsm::testing::CrashMode;
using mini_lsm::testing::Entries;
using mini_lsm::testing::FaultInjectionFs;
using mini_lsm::testing::files_ending;
using mini_lsm::testing::numbered_key;
using mini_lsm::testing::wal_at;
using mini_lsm::testing::wal_name;
using mini_lsm::testing::wal_options;
using mini_lsm::testing::wal_v1;
using mini_lsm::testing::WalFormat;
using mini_lsm::testing::WalWrite;
using mini_lsm::testing::written_wal_format;

namespace {

using Model = std::map<std::string, std::string>;
using Names = std::vector<std::string>;
using Ids = std::vector<std::size_t>;
const char* const kDb = "/db";
const char* const kManifest = "/db/MANIFEST";

// "[0: 3 records 61 bytes, 1: 2 records 40 bytes torn at 40]": what open() replayed, comparable.
std::string replayed_text(const std::vector<ReplayedWal>& wals) {
  std::string text = "[";
  for (const ReplayedWal& wal : wals) {
    text += (text.size() > 1 ? ", " : "") + std::to_string(wal.id) + ": " +
            std::to_string(wal.records) + " records " + std::to_string(wal.bytes) + " bytes";
    if (wal.torn_tail_offset) {
      text += " torn at " + std::to_string(*wal.torn_tail_offset);
    }
  }
  return text + "]";
}

// Every file of /db and its bytes: what an open that refuses the directory must leave alone.
std::map<std::string, std::string> directory_contents(const FaultInjectionFs& fs) {
  std::map<std::string, std::string> contents;
  for (const std::string& name : fs.files(kDb)) {
    contents[name] = fs.contents(std::string(kDb) + "/" + name);
  }
  return contents;
}

// The power cut of these tests: the engine is dropped without close(), then everything not
// synced is lost.
void crash(std::unique_ptr<LsmStorage>& engine, FaultInjectionFs& fs) {
  engine.reset();
  fs.crash(CrashMode::kDropUnsynced);
}

// Opening /db must throw Corruption; returns it.
Corruption open_must_fail(const std::shared_ptr<FaultInjectionFs>& fs) {
  try {
    LsmStorage::open(kDb, wal_options(fs));
  } catch (const Corruption& error) {
    return error;
  }
  FAIL("the open succeeded, but it must refuse the directory with Corruption");
  throw std::logic_error("unreachable");
}

// Every entry (tombstones too) of SST `id` of the engine.
Entries sstable_entries(const LsmStorage& engine, std::size_t id) {
  auto iterator =
      mini_lsm::SsTableIterator::create_and_seek_to_first(engine.state()->sstables.at(id));
  return collect(iterator);
}

// What the writes of one memtable put into its WAL: its entries, newest value per key
// (tombstones as empty values), and the writes in order (one record each).
struct MemtableWrites {
  Model entries;
  std::vector<WalWrite> writes;
};

// Writes into the engine, the model of the whole database and the writes of the current memtable.
class Writer {
 public:
  explicit Writer(LsmStorage& engine) : engine_(engine) {}

  void put(const std::string& key, const std::string& value) {
    engine_.put(key, value);
    model_[key] = value;
    note(key, value);
  }
  void del(const std::string& key) {
    engine_.del(key);
    model_.erase(key);
    note(key, "");
  }
  // Freezes the current memtable: later writes go to the next one.
  void freeze() {
    engine_.force_freeze_memtable();
    memtables_.emplace_back();
  }
  const Model& model() const { return model_; }
  const std::vector<MemtableWrites>& memtables() const { return memtables_; }

 private:
  void note(const std::string& key, const std::string& value) {
    memtables_.back().entries[key] = value;
    memtables_.back().writes.push_back(WalWrite{key, value});
  }

  LsmStorage& engine_;
  Model model_;
  std::vector<MemtableWrites> memtables_ = std::vector<MemtableWrites>(1);
};

// Three memtables 0, 1, 2 of a new database: keys 0..9, then 5..14 overwriting half of them, then
// 10..19 with every third key deleted; synced, not flushed.
void three_live_memtables(Writer& writer) {
  for (int index = 0; index < 10; ++index) {
    writer.put(numbered_key(index), "m0-" + std::to_string(index));
  }
  writer.freeze();
  for (int index = 5; index < 15; ++index) {
    writer.put(numbered_key(index), "m1-" + std::to_string(index));
  }
  writer.freeze();
  for (int index = 10; index < 20; ++index) {
    if (index % 3 == 0) {
      writer.del(numbered_key(index));
    } else {
      writer.put(numbered_key(index), "m2-" + std::to_string(index));
    }
  }
}

// A database on `fs` left by a crash with memtables 0, 1 and 2 live in their synced WALs.
// Returns what it holds.
Model crashed_with_three_live_wals(const std::shared_ptr<FaultInjectionFs>& fs) {
  auto engine = LsmStorage::open(kDb, wal_options(fs));
  Writer writer(*engine);
  three_live_memtables(writer);
  engine->sync();
  const Model model = writer.model();
  crash(engine, *fs);
  return model;
}

}  // namespace

TEST_CASE("A crash after sync() replays every live WAL into the L0 SST of its memtable's id",
          "[w2d6][wal-recovery]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  auto engine = LsmStorage::open(kDb, wal_options(fs));
  Writer writer(*engine);
  three_live_memtables(writer);
  engine->sync();
  const Model model = writer.model();
  const std::vector<MemtableWrites> memtables = writer.memtables();
  crash(engine, *fs);
  // Each WAL holds exactly its memtable's writes, in the format version it declares (1 at w2d6,
  // 2 from w2d7 on); replaying it reads all of its bytes.
  std::vector<std::string> wal_sizes;
  for (std::size_t id = 0; id < 3; ++id) {
    INFO("WAL " << id);
    const WalFormat format = written_wal_format(*fs, wal_at(id));
    CHECK(format.id == id);
    CHECK((fs->contents(wal_at(id)) == format.file(memtables[id].writes)));
    wal_sizes.push_back(std::to_string(format.offsets(memtables[id].writes).back()));
  }

  const auto reopened = LsmStorage::open(kDb, wal_options(fs));
  const RecoveryReport& report = reopened->recovery_report();
  const auto bytes = [&](std::size_t id) { return wal_sizes[id]; };
  CHECK(replayed_text(report.replayed_wals) == "[0: 10 records " + bytes(0) +
                                                   " bytes, 1: 10 records " + bytes(1) +
                                                   " bytes, 2: 10 records " + bytes(2) + " bytes]");
  CHECK(report.removed_stale_wals.empty());
  const auto state = reopened->state();
  CHECK(state->l0_sstables == Ids{2, 1, 0});  // newest first
  CHECK(state->imm_memtables.empty());
  CHECK(state->memtable->id() == 3);
  for (std::size_t id = 0; id < 3; ++id) {
    INFO("SST " << id);
    CHECK(sstable_entries(*reopened, id) ==
          Entries(memtables[id].entries.begin(), memtables[id].entries.end()));
  }
  CHECK(fs->files(kDb) == Names{"0.sst", "1.sst", "2.sst", "3.wal", "LOCK", "MANIFEST"});
  CHECK(fs->durable_files(kDb) == fs->files(kDb));
  check_engine_matches(*reopened, model);
  // The new manifest holds the replayed SSTs: the old NewMemtable records are gone with it.
  const auto entries = mini_lsm::read_manifest(kManifest, *fs).entries;
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].record ==
        ManifestRecord{SnapshotRecord{3, CompactionStrategy::kNone, {2, 1, 0}, {Level{1, {}}}}});
  CHECK(entries[1].record == ManifestRecord{NewMemtableRecord{3, true}});
}

TEST_CASE("A key put in one live WAL, overwritten in the next and deleted in a third stays deleted",
          "[w2d6][wal-recovery]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  auto engine = LsmStorage::open(kDb, wal_options(fs));
  Writer writer(*engine);
  std::mt19937 random(20260601);
  for (int memtable = 0; memtable < 3; ++memtable) {
    for (int write = 0; write < 40; ++write) {
      const std::string key = numbered_key(static_cast<int>(random() % 30));
      if (random() % 4 == 0) {
        writer.del(key);
      } else {
        writer.put(key, "m" + std::to_string(memtable) + "-" + std::to_string(write));
      }
    }
    if (memtable == 0) {
      writer.put("k", "first");
      writer.del("j");
    } else if (memtable == 1) {
      writer.put("k", "second");
      writer.put("j", "back");
    } else {
      writer.del("k");
      writer.put("j", "last");
    }
    if (memtable < 2) {
      writer.freeze();
    }
  }
  engine->sync();
  const Model model = writer.model();
  crash(engine, *fs);

  const auto reopened = LsmStorage::open(kDb, wal_options(fs));
  CHECK(reopened->recovery_report().replayed_wals.size() == 3);
  CHECK(reopened->get("k") == std::nullopt);
  CHECK(reopened->get("j") == std::optional<std::string>("last"));
  check_engine_matches(*reopened, model);
}

TEST_CASE("A stale WAL of a flushed memtable copied back is ignored and removed",
          "[w2d6][wal-recovery]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  auto engine = LsmStorage::open(kDb, wal_options(fs));
  engine->put("k", "old");
  engine->put("gone", "soon");
  engine->sync();
  const std::string stale = fs->contents(wal_at(0));
  engine->force_freeze_memtable();
  engine->force_flush();  // memtable 0 -> 0.sst; 0.wal is retired and removed
  REQUIRE(files_ending(*fs, ".wal") == Names{"1.wal"});
  engine->put("k", "new");
  engine->del("gone");
  engine->force_freeze_memtable();
  engine->force_flush();  // memtable 1 -> 1.sst
  engine->put("z", "1");  // memtable 2, live in its WAL
  engine->sync();
  crash(engine, *fs);
  fs->write_file(wal_at(0), stale);
  const WalFormat format = written_wal_format(*fs, wal_at(2));

  const auto reopened = LsmStorage::open(kDb, wal_options(fs));
  CHECK(reopened->get("k") == std::optional<std::string>("new"));
  CHECK(reopened->get("gone") == std::nullopt);
  CHECK(reopened->get("z") == std::optional<std::string>("1"));
  CHECK(reopened->recovery_report().removed_stale_wals == Ids{0});
  CHECK(replayed_text(reopened->recovery_report().replayed_wals) ==
        "[2: 1 records " + std::to_string(mini_lsm::kWalHeaderSize + format.record_size(1, 1)) +
            " bytes]");
  CHECK(reopened->state()->l0_sstables == Ids{2, 1, 0});
  CHECK(files_ending(*fs, ".wal") == Names{"3.wal"});
  CHECK(fs->durable_files(kDb) == fs->files(kDb));
}

TEST_CASE(
    "A WAL the manifest names but the directory lacks is Corruption naming it, and the "
    "directory stays as it was",
    "[w2d6][wal-recovery]") {
  for (const std::size_t missing : {std::size_t{0}, std::size_t{2}}) {
    INFO("missing " << wal_name(missing));
    const auto fs = std::make_shared<FaultInjectionFs>();
    crashed_with_three_live_wals(fs);
    fs->remove(wal_at(missing));
    // The WALs that are there end in a torn record (three bytes of an append a crash cut short,
    // in either format version): a replay would cut them off, but the open must refuse the
    // directory before it touches any WAL.
    for (std::size_t id = 0; id < 3; ++id) {
      if (id != missing) {
        fs->write_file(wal_at(id), fs->contents(wal_at(id)) + std::string("\x05\x00k", 3));
      }
    }
    const auto before = directory_contents(*fs);
    const Corruption error = open_must_fail(fs);
    INFO(error.what());
    CHECK(error.file() == wal_at(missing));
    CHECK(directory_contents(*fs) == before);
  }
}

TEST_CASE("An orphan WAL that no record names is removed, and no id is handed out twice",
          "[w2d6][wal-recovery]") {
  SECTION("a WAL planted with a high id") {
    const auto fs = std::make_shared<FaultInjectionFs>();
    crashed_with_three_live_wals(fs);
    fs->write_file(wal_at(9), wal_v1(9).file({{"ghost", "boo"}}));
    const auto reopened = LsmStorage::open(kDb, wal_options(fs));
    CHECK(reopened->recovery_report().removed_stale_wals == Ids{9});
    CHECK(reopened->recovery_report().replayed_wals.size() == 3);
    CHECK(reopened->get("ghost") == std::nullopt);
    CHECK(reopened->state()->memtable->id() == 10);
    CHECK(files_ending(*fs, ".wal") == Names{"10.wal"});
  }
  SECTION("a crash between creating a WAL and recording it") {
    const auto fs = std::make_shared<FaultInjectionFs>();
    auto engine = LsmStorage::open(kDb, wal_options(fs));
    engine->put("a", "1");
    engine->sync();
    // The freeze creates 1.wal (create, header, sync, sync_dir), then records it: the power
    // fails right before the record.
    fs->clear_log();
    fs->crash_after(4);
    CHECK_THROWS_AS(engine->force_freeze_memtable(), IoError);
    const std::vector<std::string> log = fs->log();
    REQUIRE(log.size() >= 5);
    CHECK(log[0] == "create /db/1.wal");
    CHECK(log[3] == "sync_dir /db");
    crash(engine, *fs);
    REQUIRE(files_ending(*fs, ".wal") == Names{"0.wal", "1.wal"});
    const auto reopened = LsmStorage::open(kDb, wal_options(fs));
    CHECK(reopened->recovery_report().removed_stale_wals == Ids{1});
    CHECK(replayed_text(reopened->recovery_report().replayed_wals).starts_with("[0: 1 records"));
    CHECK(reopened->state()->memtable->id() == 2);
    CHECK(reopened->get("a") == std::optional<std::string>("1"));
  }
}

TEST_CASE("WAL files without a MANIFEST are Corruption naming a WAL, and nothing is removed",
          "[w2d6][wal-recovery]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  crashed_with_three_live_wals(fs);
  fs->remove(kManifest);
  const auto before = directory_contents(*fs);
  const Corruption error = open_must_fail(fs);
  INFO(error.what());
  const std::set<std::string> wals{wal_at(0), wal_at(1), wal_at(2)};
  CHECK(wals.contains(error.file()));
  CHECK(directory_contents(*fs) == before);
}

TEST_CASE(
    "A live WAL cut inside its last record opens with every earlier write, and later writes "
    "recover after it",
    "[w2d6][wal-recovery]") {
  // Five writes synced into WAL 0; the power cut then leaves the file ending at `cut`.
  const std::vector<std::pair<std::string, std::string>> writes{
      {"k1", "v1"}, {"k2", "value-2"}, {"k3", "v3"}, {"k4", "v4"}, {"k5", "last-value"}};
  const auto crashed_after_writes = [&] {
    const auto fs = std::make_shared<FaultInjectionFs>();
    auto engine = LsmStorage::open(kDb, wal_options(fs));
    for (const auto& [key, value] : writes) {
      engine->put(key, value);
    }
    engine->sync();
    crash(engine, *fs);
    return fs;
  };
  // Where the last record lies depends on the format version the engine writes (1 at w2d6, 2
  // from w2d7 on): the WAL must hold exactly the five records of that version.
  std::vector<WalWrite> records;
  for (const auto& [key, value] : writes) {
    records.push_back(WalWrite{key, value});
  }
  const std::string written = crashed_after_writes()->contents(wal_at(0));
  const WalFormat format = written_wal_format(written);
  REQUIRE(written == format.file(records));
  const std::uint64_t last_record = format.offsets(records)[4];
  const std::uint64_t end = format.offsets(records)[5];
  for (std::uint64_t cut = last_record; cut < end; ++cut) {
    INFO("WAL cut at byte " << cut << " (the last record spans " << last_record << ".." << end
                            << ")");
    const auto fs = crashed_after_writes();
    fs->write_file(wal_at(0), fs->contents(wal_at(0)).substr(0, cut));

    auto engine = LsmStorage::open(kDb, wal_options(fs));
    const std::string torn = cut == last_record ? "" : " torn at " + std::to_string(last_record);
    CHECK(replayed_text(engine->recovery_report().replayed_wals) ==
          "[0: 4 records " + std::to_string(last_record) + " bytes" + torn + "]");
    Model model(writes.begin(), writes.end() - 1);
    check_engine_matches(*engine, model);
    engine->put("k6", "v6");
    engine->put("k2", "again");
    engine->sync();
    crash(engine, *fs);

    const auto reopened = LsmStorage::open(kDb, wal_options(fs));
    model["k6"] = "v6";
    model["k2"] = "again";
    check_engine_matches(*reopened, model);
  }
}

TEST_CASE(
    "A power cut keeping a random part of the unsynced WAL bytes recovers a prefix of the "
    "writes",
    "[w2d6][wal-recovery]") {
  // 40 writes of 4 KiB overflow the WAL's 64 KiB buffer, so unsynced records reach the file, and
  // the power cut keeps a seeded prefix of them, usually ending inside a record.
  constexpr int kWrites = 40;
  constexpr int kSynced = 10;
  const auto value_of = [](int index) {
    return std::string(4096, static_cast<char>('a' + index % 26)) + std::to_string(index);
  };
  std::set<int> recovered_counts;
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    INFO("seed " << seed);
    const auto fs = std::make_shared<FaultInjectionFs>();
    auto engine = LsmStorage::open(kDb, wal_options(fs));
    for (int index = 0; index < kWrites; ++index) {
      engine->put(numbered_key(index % 25), value_of(index));
      if (index + 1 == kSynced) {
        engine->sync();
      }
    }
    engine.reset();
    fs->crash(CrashMode::kKeepRandomPrefix, seed);
    const auto reopened = LsmStorage::open(kDb, wal_options(fs));
    REQUIRE(reopened->recovery_report().replayed_wals.size() == 1);
    const std::size_t count = reopened->recovery_report().replayed_wals[0].records;
    REQUIRE(count >= kSynced);
    REQUIRE(count <= kWrites);
    Model model;
    for (int index = 0; index < static_cast<int>(count); ++index) {
      model[numbered_key(index % 25)] = value_of(index);
    }
    check_engine_matches(*reopened, model);
    recovered_counts.insert(static_cast<int>(count));
  }
  CHECK(recovered_counts.size() > 5);  // the seeds cut in many places
}

TEST_CASE("A WAL copied under another live WAL's name is Corruption: its header names another id",
          "[w2d6][wal-recovery]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  crashed_with_three_live_wals(fs);
  fs->write_file(wal_at(0), fs->contents(wal_at(1)));
  const auto before = directory_contents(*fs);
  const Corruption error = open_must_fail(fs);
  INFO(error.what());
  CHECK(error.file() == wal_at(0));
  CHECK(error.offset() == 8);  // where the header's id is
  CHECK(directory_contents(*fs) == before);
}

TEST_CASE("Recovery is idempotent: 20 rounds of open and crash without writes change nothing",
          "[w2d6][wal-recovery]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  const Model model = crashed_with_three_live_wals(fs);
  std::optional<std::size_t> files_after_round;
  std::optional<std::size_t> bytes_after_round;
  for (int round = 1; round <= 20; ++round) {
    INFO("round " << round);
    auto engine = LsmStorage::open(kDb, wal_options(fs));
    check_engine_matches(*engine, model);
    const RecoveryReport& report = engine->recovery_report();
    CHECK(report.removed_stale_wals.empty());
    CHECK(report.replayed_wals.size() == (round == 1 ? 3 : 1));
    if (round > 1) {
      CHECK(report.replayed_wals[0].records == 0);
    }
    CHECK(engine->state()->l0_sstables == Ids{2, 1, 0});
    CHECK(fs->durable_files(kDb) == fs->files(kDb));  // open left nothing half-done
    crash(engine, *fs);
    const auto contents = directory_contents(*fs);
    std::size_t bytes = 0;
    for (const auto& [name, data] : contents) {
      bytes += data.size();
    }
    if (round >= 2) {
      CHECK(contents.size() == *files_after_round);
      CHECK(bytes == *bytes_after_round);
    }
    files_after_round = contents.size();
    bytes_after_round = bytes;
  }
  CHECK(*files_after_round == 6);  // 3 SSTs, the new memtable's WAL, LOCK, MANIFEST
}

TEST_CASE("A power cut at any file-system operation of a recovering open loses nothing",
          "[w2d6][wal-recovery]") {
  std::size_t open_operations = 0;
  {
    const auto fs = std::make_shared<FaultInjectionFs>();
    crashed_with_three_live_wals(fs);
    const std::size_t before = fs->log_size();
    LsmStorage::open(kDb, wal_options(fs));
    open_operations = fs->log_size() - before;
  }
  REQUIRE(open_operations >= 20);
  for (std::size_t crash_point = 1; crash_point <= open_operations; ++crash_point) {
    INFO("power cut after " << crash_point << " of the open's " << open_operations
                            << " operations");
    const auto fs = std::make_shared<FaultInjectionFs>();
    const Model model = crashed_with_three_live_wals(fs);
    fs->crash_after(crash_point);
    try {
      LsmStorage::open(kDb, wal_options(fs));
    } catch (const IoError&) {
      // the machine died inside the open
    }
    fs->crash(CrashMode::kDropUnsynced);
    const auto reopened = LsmStorage::open(kDb, wal_options(fs));
    check_engine_matches(*reopened, model);
    CHECK(reopened->state()->l0_sstables == Ids{2, 1, 0});
    CHECK(files_ending(*fs, ".wal") == Names{wal_name(reopened->state()->memtable->id())});
    CHECK(files_ending(*fs, ".sst") == Names{"0.sst", "1.sst", "2.sst"});
  }
}

TEST_CASE("A database written with a WAL and opened without one still replays its live WALs",
          "[w2d6][wal-recovery]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  const Model model = crashed_with_three_live_wals(fs);
  {
    const auto engine = LsmStorage::open(kDb, wal_options(fs, /*enable_wal=*/false));
    CHECK(engine->recovery_report().replayed_wals.size() == 3);
    check_engine_matches(*engine, model);
    CHECK(files_ending(*fs, ".wal").empty());
    CHECK(fs->durable_files(kDb) == fs->files(kDb));  // the removals survive a crash
    engine->close();
  }
  const auto reopened = LsmStorage::open(kDb, wal_options(fs, /*enable_wal=*/false));
  check_engine_matches(*reopened, model);
}

TEST_CASE(
    "A database written without a WAL opens with one: its WAL-less live memtables are no "
    "Corruption",
    "[w2d6][wal-recovery]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  {
    auto engine = LsmStorage::open(kDb, wal_options(fs, /*enable_wal=*/false));
    engine->put("flushed", "1");
    engine->force_freeze_memtable();
    engine->force_flush();
    engine->put("unflushed", "2");    // in memtable 1, recorded without a WAL
    engine->force_freeze_memtable();  // memtable 2, too
    crash(engine, *fs);
  }
  auto engine = LsmStorage::open(kDb, wal_options(fs));
  CHECK(engine->recovery_report().replayed_wals.empty());
  CHECK(engine->recovery_report().removed_stale_wals.empty());
  CHECK(engine->get("flushed") == std::optional<std::string>("1"));
  CHECK(engine->get("unflushed") == std::nullopt);  // never logged: lost, as without a WAL
  const std::size_t id = engine->state()->memtable->id();
  CHECK(id == 3);
  CHECK(files_ending(*fs, ".wal") == Names{wal_name(id)});
  engine->put("logged", "3");
  engine->sync();
  crash(engine, *fs);
  const auto reopened = LsmStorage::open(kDb, wal_options(fs));
  check_engine_matches(*reopened, Model{{"flushed", "1"}, {"logged", "3"}});
}

TEST_CASE("Recovered memtables go where flushes go: new tiers with tiered compaction, L0 otherwise",
          "[w2d6][wal-recovery]") {
  for (const CompactionStrategy strategy :
       {CompactionStrategy::kSimple, CompactionStrategy::kTiered, CompactionStrategy::kLeveled}) {
    INFO(mini_lsm::compaction_strategy_name(strategy) << " compaction");
    const auto fs = std::make_shared<FaultInjectionFs>();
    LsmOptions options = wal_options(fs);
    options.compaction.strategy = strategy;
    options.compaction.simple.level0_file_num_compaction_trigger = 4;
    options.compaction.tiered.num_tiers = 4;
    options.compaction.leveled.level0_file_num_compaction_trigger = 4;
    Model model;
    {
      auto engine = LsmStorage::open(kDb, options);
      engine->put("a", "0");
      engine->force_freeze_memtable();
      engine->force_flush();  // SST 0, flushed the usual way
      engine->put("a", "1");
      engine->put("b", "1");
      engine->force_freeze_memtable();
      engine->put("b", "2");
      engine->sync();
      crash(engine, *fs);
    }
    const auto reopened = LsmStorage::open(kDb, options);
    const auto state = reopened->state();
    if (strategy == CompactionStrategy::kTiered) {
      CHECK(state->l0_sstables.empty());
      REQUIRE(state->levels.size() == 3);
      CHECK(state->levels[0] == Level{2, {2}});
      CHECK(state->levels[1] == Level{1, {1}});
      CHECK(state->levels[2] == Level{0, {0}});
    } else {
      CHECK(state->l0_sstables == Ids{2, 1, 0});
      for (const Level& level : state->levels) {
        CHECK(level.sst_ids.empty());
      }
    }
    check_engine_matches(*reopened, Model{{"a", "1"}, {"b", "2"}});
  }
}
