// Week 2 day 6: what a power cut keeps of the writes that went through the WAL, in each sync mode.
// The engine runs on the in-memory FaultInjectionFs, which knows what a power cut keeps: synced
// bytes, and directory entries made durable by a directory sync. `manual` keeps what the last
// sync() covered; `always` keeps every write that returned; `periodic` keeps what the last pass
// of the syncer covered. And a failed fsync, or a full disk, never lets the engine pretend.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "harness/catch.hpp"
#include "harness/durability_log.hpp"
#include "harness/fault_injection_fs.hpp"
#include "harness/wal_files.hpp"
#include "mini_lsm/error.hpp"
#include "mini_lsm/lsm_storage.hpp"
#include "mini_lsm/manifest.hpp"
#include "mini_lsm/sync_point.hpp"
#include "mini_lsm/wal.hpp"

using mini_lsm::Bound;
using mini_lsm::FlushRecord;
using mini_lsm::IoError;
using mini_lsm::LsmOptions;
using mini_lsm::LsmStorage;
using mini_lsm::NewMemtableRecord;
using mini_lsm::WalSyncMode;
using mini_lsm::testing::CrashMode;
using mini_lsm::testing::durability_events;
using mini_lsm::testing::DurabilityEvent;
using mini_lsm::testing::FaultInjectionFs;
using mini_lsm::testing::FsOp;
using mini_lsm::testing::ManifestRecorder;
using mini_lsm::testing::ordering_violations;
using mini_lsm::testing::WalFormat;
using mini_lsm::testing::written_wal_format;

namespace {

const char* const kDb = "/db";
using Contents = std::map<std::string, std::string>;

// One write: a value, or a tombstone (std::nullopt).
struct Write {
  std::string key;
  std::optional<std::string> value;
};

// Only the test freezes, flushes and compacts: no background flush or compaction runs.
LsmOptions wal_options(std::shared_ptr<mini_lsm::FileSystem> fs, WalSyncMode mode) {
  LsmOptions options;
  options.enable_wal = true;
  options.wal_sync = mode;
  options.file_system = std::move(fs);
  options.num_memtable_limit = 1000;
  options.bloom_bits_per_key = 0;
  options.block_size = 256;
  return options;
}

std::unique_ptr<LsmStorage> open_wal_engine(const std::shared_ptr<FaultInjectionFs>& fs,
                                            WalSyncMode mode) {
  return LsmStorage::open(kDb, wal_options(fs, mode));
}

void apply(LsmStorage& engine, const Write& write) {
  if (write.value) {
    engine.put(write.key, *write.value);
  } else {
    engine.del(write.key);
  }
}

// `count` writes over `keys` keys, the keys drawn from `seed`: every value names its write, and
// every fifth write is a delete.
std::vector<Write> make_writes(std::size_t count, std::size_t keys, std::uint32_t seed) {
  std::mt19937 random(seed);
  std::vector<Write> writes;
  for (std::size_t i = 0; i < count; ++i) {
    const std::string key = "key" + std::to_string(random() % keys);
    if (i % 5 == 4) {
      writes.push_back({key, std::nullopt});
    } else {
      writes.push_back({key, "value" + std::to_string(i) + "-" + std::string(i % 7, 'v')});
    }
  }
  return writes;
}

// The database after the first `count` of `writes`.
Contents model_after(const std::vector<Write>& writes, std::size_t count) {
  Contents model;
  for (std::size_t i = 0; i < count; ++i) {
    if (writes[i].value) {
      model[writes[i].key] = *writes[i].value;
    } else {
      model.erase(writes[i].key);
    }
  }
  return model;
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

std::string contents_text(const Contents& contents) {
  std::string text;
  for (const auto& [key, value] : contents) {
    text += key + "=" + value + " ";
  }
  return text.empty() ? "(empty)" : text;
}

// The path of the current memtable's WAL, as FaultInjectionFs names it.
std::string current_wal(const LsmStorage& engine) {
  return engine.wal_path(engine.state()->memtable->id()).generic_string();
}

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// ---- The crash at every operation of a WAL session -----------------------------------------

// What a session did: every write it attempted, in order (the one a dead machine refused too),
// and how many of them are durable: they returned in `always` mode, or a sync(), a flush or
// close() covering them returned.
struct History {
  std::vector<Write> writes;
  std::size_t durable = 0;
};

// Writes a batch of four writes over twelve keys (deletes of the even keys when `with_deletes`).
void write_batch(LsmStorage& engine, History& history, WalSyncMode mode, int round,
                 bool with_deletes) {
  for (int index = round % 3; index < 12; index += 3) {
    Write write{"key" + std::to_string(index), std::nullopt};
    if (!with_deletes || index % 2 != 0) {
      write.value = "r" + std::to_string(round) + "-" + std::to_string(index);
    }
    history.writes.push_back(write);  // before: the write in flight when the machine dies counts
    apply(engine, write);
    if (mode == WalSyncMode::kAlways) {
      history.durable = history.writes.size();
    }
  }
}

// The session before the crashes: one batch, then close(), which leaves it in a live WAL.
void setup_session(const std::shared_ptr<mini_lsm::FileSystem>& fs, WalSyncMode mode,
                   History& history) {
  auto engine = LsmStorage::open(kDb, wal_options(fs, mode));
  write_batch(*engine, history, mode, 0, false);
  engine->close();
  history.durable = history.writes.size();
}

// The session a crash interrupts: open (which replays the setup's WAL into an SST), writes, a
// freeze and a flush, a manual sync, a freeze without a flush, a full compaction, close.
void crashed_session(const std::shared_ptr<mini_lsm::FileSystem>& fs, WalSyncMode mode,
                     History& history) {
  auto engine = LsmStorage::open(kDb, wal_options(fs, mode));
  write_batch(*engine, history, mode, 1, false);
  engine->force_freeze_memtable();
  engine->force_flush();
  history.durable = history.writes.size();  // every write so far is in an SST now
  write_batch(*engine, history, mode, 2, true);
  engine->sync();
  history.durable = history.writes.size();
  engine->force_freeze_memtable();
  write_batch(*engine, history, mode, 3, true);
  engine->force_full_compaction();
  write_batch(*engine, history, mode, 4, true);
  engine->close();
  history.durable = history.writes.size();
}

// True when `contents` is the database after the first `count` writes of `history`, for a count
// from history.durable on: no durable write is missing and nothing is out of order.
bool is_prefix_state(const Contents& contents, const History& history) {
  for (std::size_t count = history.durable; count <= history.writes.size(); ++count) {
    if (model_after(history.writes, count) == contents) {
      return true;
    }
  }
  return false;
}

// True when every key of `contents` holds the value it had once the durable writes were done, or
// the value (or absence) of a later write of it: every durable write is there unless a newer one
// replaced it, and no key holds a value older than a durable one.
bool keeps_durable_writes(const Contents& contents, const History& history) {
  const Contents durable = model_after(history.writes, history.durable);
  std::set<std::string> keys;
  for (const Write& write : history.writes) {
    keys.insert(write.key);
  }
  for (const auto& [key, value] : contents) {
    if (!keys.contains(key)) {
      return false;  // a key nobody wrote
    }
  }
  for (const std::string& key : keys) {
    const auto found = contents.find(key);
    const std::optional<std::string> recovered =
        found == contents.end() ? std::nullopt : std::optional(found->second);
    const auto had = durable.find(key);
    bool allowed = recovered == (had == durable.end() ? std::nullopt : std::optional(had->second));
    for (std::size_t i = history.durable; i < history.writes.size() && !allowed; ++i) {
      allowed = history.writes[i].key == key && history.writes[i].value == recovered;
    }
    if (!allowed) {
      return false;
    }
  }
  return true;
}

// The number of log lines of the crashed session, from a run without a crash.
std::size_t operations_of_session(WalSyncMode mode) {
  const auto fs = std::make_shared<FaultInjectionFs>();
  History history;
  setup_session(fs, mode, history);
  const std::size_t before = fs->log_size();
  crashed_session(fs, mode, history);
  return fs->log_size() - before;
}

// Crashes the session after each of its operations in turn, with each crash mode, and checks
// what the reopened database holds; returns the number of crash points checked.
std::size_t crash_at_every_operation(WalSyncMode mode) {
  std::size_t checked = 0;
  const std::size_t operations = operations_of_session(mode);
  for (const CrashMode crash_mode : {CrashMode::kDropUnsynced, CrashMode::kKeepRandomPrefix}) {
    for (std::size_t crash_point = 1; crash_point <= operations; ++crash_point) {
      INFO("crash mode " << mini_lsm::testing::crash_mode_name(crash_mode) << ", crash after "
                         << crash_point << " of " << operations << " operations");
      const auto fs = std::make_shared<FaultInjectionFs>();
      History history;
      setup_session(fs, mode, history);
      fs->crash_after(crash_point);
      try {
        crashed_session(fs, mode, history);
      } catch (const mini_lsm::Error& error) {
        INFO(error.what());
        REQUIRE(fs->dead());  // only the dead machine makes the session fail
      }
      fs->crash(crash_mode, crash_point);
      auto engine = open_wal_engine(fs, mode);
      const Contents contents = scan_all(*engine);
      INFO("found: " << contents_text(contents) << "; " << history.durable << " of "
                     << history.writes.size() << " writes durable");
      CHECK(keeps_durable_writes(contents, history));
      if (mode == WalSyncMode::kAlways) {
        // Only the write in flight may be missing: every earlier one returned, synced.
        CHECK(is_prefix_state(contents, history));
      }
      ++checked;
    }
  }
  return checked;
}

// ---- The periodic syncer -------------------------------------------------------------------

// Counts the passes of the periodic syncer (sync_point::kAfterPeriodicWalSync) and lets the test
// wait for them, instead of sleeping and hoping one happened.
class SyncerPasses {
 public:
  SyncerPasses()
      : callback_(std::string(mini_lsm::sync_point::kAfterPeriodicWalSync),
                  [this](std::string_view detail) {
                    {
                      const std::lock_guard lock(mutex_);
                      ++passes_;
                      synced_ += detail == "synced" ? 1 : 0;
                    }
                    changed_.notify_all();
                  }) {}

  std::size_t passes() const {
    const std::lock_guard lock(mutex_);
    return passes_;
  }
  std::size_t synced() const {
    const std::lock_guard lock(mutex_);
    return synced_;
  }
  // True once `passes` passes in all happened (false after 5 s: the syncer is not running).
  bool wait_for_passes(std::size_t passes) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(5), [&] { return passes_ >= passes; });
  }
  // True once `synced` passes in all fsynced.
  bool wait_for_synced(std::size_t synced) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(5), [&] { return synced_ >= synced; });
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::size_t passes_ = 0;
  std::size_t synced_ = 0;
  // Last: installed once the counters exist, removed first.
  mini_lsm::sync_point::Scoped callback_;
};

// ---- Logs of a WAL run for the ordering rules ----------------------------------------------

// The events of a WAL run with a ManifestRecorder in front of the file system: the setup and the
// crashed session (run to the end), then an open that replays the live WAL, and a close.
std::vector<DurabilityEvent> recorded_wal_run() {
  const auto fs = std::make_shared<FaultInjectionFs>();
  const auto recorder = std::make_shared<ManifestRecorder>(fs);
  History history;
  setup_session(recorder, WalSyncMode::kAlways, history);
  crashed_session(recorder, WalSyncMode::kAlways, history);
  LsmStorage::open(kDb, wal_options(recorder, WalSyncMode::kAlways))->close();
  return durability_events(fs->log(), recorder->appends());
}

}  // namespace

TEST_CASE("manual sync: a power cut keeps exactly the writes before the last sync()",
          "[w2d6][wal-power-loss]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  const std::vector<Write> writes = make_writes(35, 8, 7);
  const std::size_t synced = 20;
  {
    auto engine = open_wal_engine(fs, WalSyncMode::kManual);
    for (std::size_t i = 0; i < synced; ++i) {
      apply(*engine, writes[i]);
    }
    engine->sync();
    for (std::size_t i = synced; i < writes.size(); ++i) {
      apply(*engine, writes[i]);  // overwrites and deletes some of the synced keys, adds others
    }
    CHECK(scan_all(*engine) == model_after(writes, writes.size()));
  }  // dropped without close(): nothing more is synced
  fs->crash(CrashMode::kDropUnsynced);
  auto engine = open_wal_engine(fs, WalSyncMode::kManual);
  INFO("found: " << contents_text(scan_all(*engine)));
  CHECK(scan_all(*engine) == model_after(writes, synced));
  REQUIRE(engine->recovery_report().replayed_wals.size() == 1);
  CHECK(engine->recovery_report().replayed_wals[0].records == synced);
}

TEST_CASE("manual sync: sync() makes the records of frozen memtables durable too",
          "[w2d6][wal-power-loss]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  const std::vector<Write> writes = make_writes(30, 10, 11);
  {
    auto engine = open_wal_engine(fs, WalSyncMode::kManual);
    for (std::size_t i = 0; i < writes.size(); ++i) {
      apply(*engine, writes[i]);
      if (i == 9 || i == 19) {
        engine->force_freeze_memtable();  // a freeze alone syncs nothing
      }
    }
    REQUIRE(engine->state()->imm_memtables.size() == 2);
    engine->sync();
    for (const auto& memtable : engine->state()->imm_memtables) {
      const std::string wal = engine->wal_path(memtable->id()).generic_string();
      INFO("the WAL of frozen memtable " << memtable->id());
      CHECK(fs->durable_contents(wal) == fs->contents(wal));
      CHECK(fs->durable_contents(wal).size() > mini_lsm::kWalHeaderSize);
    }
  }
  fs->crash(CrashMode::kDropUnsynced);
  auto engine = open_wal_engine(fs, WalSyncMode::kManual);
  CHECK(scan_all(*engine) == model_after(writes, writes.size()));
  CHECK(engine->recovery_report().replayed_wals.size() == 3);
}

TEST_CASE("close() with a WAL syncs every WAL and flushes nothing", "[w2d6][wal-power-loss]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  const std::vector<Write> writes = make_writes(24, 6, 5);
  {
    auto engine = open_wal_engine(fs, WalSyncMode::kManual);
    for (std::size_t i = 0; i < writes.size(); ++i) {
      apply(*engine, writes[i]);
      if (i == 11) {
        engine->force_freeze_memtable();
      }
    }
    engine->close();
    CHECK_THROWS_AS(engine->put("after", "close"), mini_lsm::InvalidArgument);
    for (const std::string& name : fs->files(kDb)) {
      INFO("file " << name);
      CHECK_FALSE(name.ends_with(".sst"));  // the WALs keep the memtables: no flush at close
    }
  }
  fs->crash(CrashMode::kDropUnsynced);
  auto engine = open_wal_engine(fs, WalSyncMode::kManual);
  CHECK(scan_all(*engine) == model_after(writes, writes.size()));
  CHECK(engine->recovery_report().replayed_wals.size() == 2);
}

TEST_CASE("always: each write is durable when it returns, and a power cut keeps every one",
          "[w2d6][wal-power-loss]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  const std::vector<Write> writes = make_writes(30, 8, 3);
  {
    auto engine = open_wal_engine(fs, WalSyncMode::kAlways);
    const std::string wal = current_wal(*engine);
    const WalFormat format = written_wal_format(*fs, wal);
    for (const Write& write : writes) {
      apply(*engine, write);
      INFO("after writing " << write.key);
      REQUIRE(fs->durable_contents(wal) == fs->contents(wal));
      REQUIRE(fs->contents(wal).ends_with(format.record(write.key, write.value.value_or(""))));
    }
  }
  fs->crash(CrashMode::kDropUnsynced);
  auto engine = open_wal_engine(fs, WalSyncMode::kAlways);
  CHECK(scan_all(*engine) == model_after(writes, writes.size()));
}

TEST_CASE(
    "always: 1,000 seeded power cuts each recover a prefix of the writes holding every one that "
    "returned",
    "[w2d6][wal-power-loss]") {
  const std::vector<Write> writes = make_writes(8, 4, 1000);
  // The operations of a session without a crash: the crash points are drawn among them.
  std::size_t operations = 0;
  {
    const auto fs = std::make_shared<FaultInjectionFs>();
    auto engine = open_wal_engine(fs, WalSyncMode::kAlways);
    const std::size_t before = fs->log_size();
    for (const Write& write : writes) {
      apply(*engine, write);
    }
    operations = fs->log_size() - before;
  }
  std::mt19937 random(2026);
  std::size_t with_write_in_flight = 0;
  for (std::uint64_t trial = 0; trial < 1000; ++trial) {
    const std::size_t crash_point = 1 + random() % operations;
    const CrashMode mode = trial % 2 == 0 ? CrashMode::kDropUnsynced : CrashMode::kKeepRandomPrefix;
    INFO("trial " << trial << ", crash after " << crash_point << " of " << operations
                  << " operations, " << mini_lsm::testing::crash_mode_name(mode));
    const auto fs = std::make_shared<FaultInjectionFs>();
    std::size_t returned = 0;
    bool in_flight = false;
    {
      auto engine = open_wal_engine(fs, WalSyncMode::kAlways);
      fs->crash_after(crash_point);
      for (const Write& write : writes) {
        try {
          apply(*engine, write);
          ++returned;
        } catch (const IoError&) {
          REQUIRE(fs->dead());
          in_flight = true;
          break;
        }
      }
    }
    fs->crash(mode, trial);
    auto engine = open_wal_engine(fs, WalSyncMode::kAlways);
    const Contents contents = scan_all(*engine);
    INFO("returned " << returned << " writes; found: " << contents_text(contents));
    const bool with_returned = contents == model_after(writes, returned);
    const bool with_in_flight = in_flight && contents == model_after(writes, returned + 1);
    REQUIRE((with_returned || with_in_flight));
    with_write_in_flight += with_in_flight ? 1 : 0;
  }
  // The random prefixes keep the write in flight sometimes, and sometimes not.
  CHECK(with_write_in_flight > 0);
}

TEST_CASE(
    "periodic: with an injected clock, writes before the last syncing pass survive and later ones "
    "do not",
    "[w2d6][wal-power-loss]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  // The clock the syncer reads; only the test moves it. The syncer looks every millisecond of
  // real time, but an interval passes only when the test says so.
  std::atomic<std::int64_t> now_ms{1'000'000};
  LsmOptions options = wal_options(fs, WalSyncMode::kPeriodic);
  options.wal_sync_interval = std::chrono::milliseconds(1);
  options.clock = [&now_ms] {
    return std::chrono::steady_clock::time_point(std::chrono::milliseconds(now_ms.load()));
  };
  const std::vector<Write> writes = make_writes(30, 8, 17);
  {
    SyncerPasses passes;
    auto engine = LsmStorage::open(kDb, options);
    // A first pass: the syncer runs and has read the clock, so its interval starts now.
    REQUIRE(passes.wait_for_passes(1));
    for (std::size_t i = 0; i < 10; ++i) {
      apply(*engine, writes[i]);
    }
    engine->force_freeze_memtable();  // a pass syncs the frozen memtables' WALs too
    CHECK(passes.synced() == 0);      // the clock has not moved: no interval has passed
    now_ms += 1;
    REQUIRE(passes.wait_for_synced(1));  // a pass that read the clock after the move synced
    for (std::size_t i = 10; i < 20; ++i) {
      apply(*engine, writes[i]);
    }
    now_ms += 5;
    REQUIRE(passes.wait_for_synced(2));
    for (std::size_t i = 20; i < writes.size(); ++i) {
      apply(*engine, writes[i]);
    }
    // Two more passes, the second one begun after the last write: with the clock still, they
    // must not sync.
    REQUIRE(passes.wait_for_passes(passes.passes() + 2));
    CHECK(passes.synced() == 2);
  }  // dropped without close()
  fs->crash(CrashMode::kDropUnsynced);
  auto engine = open_wal_engine(fs, WalSyncMode::kManual);
  INFO("found: " << contents_text(scan_all(*engine)));
  CHECK(scan_all(*engine) == model_after(writes, 20));
}

TEST_CASE(
    "a new WAL's directory entry is durable before the manifest names it: a synced write in it "
    "survives a power cut that drops unsynced directory entries",
    "[w2d6][wal-power-loss]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  {
    auto engine = open_wal_engine(fs, WalSyncMode::kManual);
    const std::string first = std::to_string(engine->state()->memtable->id()) + ".wal";
    CHECK(contains(fs->durable_files(kDb), first));  // the WAL created by open()
    engine->put("a", "in the first WAL");
    engine->sync();
    engine->force_freeze_memtable();
    const std::string second = std::to_string(engine->state()->memtable->id()) + ".wal";
    CHECK(contains(fs->durable_files(kDb), second));  // the WAL created by the freeze
    engine->put("b", "in the second WAL");
    engine->sync();
  }
  fs->crash(CrashMode::kDropUnsynced);
  auto engine = open_wal_engine(fs, WalSyncMode::kManual);
  CHECK(engine->get("a") == "in the first WAL");
  CHECK(engine->get("b") == "in the second WAL");
}

TEST_CASE(
    "always: a crash at every file-system operation of a WAL session loses no returned write and "
    "keeps a prefix",
    "[w2d6][wal-power-loss]") {
  const std::size_t checked = crash_at_every_operation(WalSyncMode::kAlways);
  WARN("checked " << checked << " crash points");
  CHECK(checked > 0);
}

TEST_CASE(
    "manual: a crash at every file-system operation of a WAL session loses no write a sync(), a "
    "flush or close() covered, and revives no old value",
    "[w2d6][wal-power-loss]") {
  const std::size_t checked = crash_at_every_operation(WalSyncMode::kManual);
  WARN("checked " << checked << " crash points");
  CHECK(checked > 0);
}

TEST_CASE(
    "the ordering checker finds no violation in a WAL run: each WAL durable before its record, "
    "removed after its flush is",
    "[w2d6][wal-power-loss][ordering]") {
  const auto events = recorded_wal_run();
  std::size_t wal_records = 0;
  std::size_t wal_removes = 0;
  for (const DurabilityEvent& event : events) {
    for (const auto& record : event.records) {
      const auto* created = std::get_if<NewMemtableRecord>(&record);
      wal_records += created != nullptr && created->wal ? 1 : 0;
    }
    wal_removes += event.line.starts_with("remove /db/") && event.line.ends_with(".wal") ? 1 : 0;
  }
  // A WAL for the memtable of each of the three opens (0, 1, 5) and of each freeze (2, 3).
  CHECK(wal_records == 5);
  // The flushed memtable's (1), and those the next open replayed into SSTs (0, then 2 and 3).
  CHECK(wal_removes == 4);
  CHECK(ordering_violations(events) == std::vector<std::string>{});
}

TEST_CASE("the ordering checker names the WAL rules a real log breaks once an operation moves",
          "[w2d6][wal-power-loss][ordering]") {
  auto events = recorded_wal_run();
  SECTION("(d) the sync_dir after a WAL's create is dropped") {
    std::string wal;
    for (auto event = events.begin(); event != events.end(); ++event) {
      if (wal.empty() && event->line.starts_with("create /db/") && event->line.ends_with(".wal")) {
        wal = event->line.substr(std::string("create ").size());
      } else if (!wal.empty() && event->line == "sync_dir /db") {
        events.erase(event);
        break;
      }
    }
    REQUIRE(wal == "/db/0.wal");  // the WAL of the first open
    CHECK(ordering_violations(events) ==
          std::vector<std::string>{"rule (d): /db/MANIFEST names /db/0.wal (" +
                                   mini_lsm::describe(NewMemtableRecord{0, true}) +
                                   ") before sync_dir /db made its name durable"});
  }
  SECTION("(e) a flushed memtable's WAL is removed before its Flush record is appended") {
    // The first flush of the crashed session: move the removal of its WAL before its record.
    auto flush = std::find_if(events.begin(), events.end(), [](const DurabilityEvent& event) {
      return std::any_of(event.records.begin(), event.records.end(), [](const auto& record) {
        return std::holds_alternative<FlushRecord>(record);
      });
    });
    REQUIRE(flush != events.end());
    const std::size_t id = std::get<FlushRecord>(flush->records.front()).id;
    const std::string remove = "remove /db/" + std::to_string(id) + ".wal";
    const auto removal = std::find_if(
        flush, events.end(), [&](const DurabilityEvent& event) { return event.line == remove; });
    REQUIRE(removal != events.end());
    const DurabilityEvent moved = *removal;
    events.erase(removal);
    events.insert(flush, moved);
    CHECK(ordering_violations(events) ==
          std::vector<std::string>{"rule (e): /db/" + std::to_string(id) +
                                   ".wal is removed while a synced record of /db/MANIFEST still "
                                   "leaves memtable " +
                                   std::to_string(id) + " live"});
  }
  SECTION("hand-made: a WAL named before its header is synced, one removed before a rename") {
    const std::vector<DurabilityEvent> log = {
        {"create /db/MANIFEST", {}},
        {"append /db/MANIFEST 30", {mini_lsm::SnapshotRecord{}}},
        {"sync /db/MANIFEST", {}},
        {"sync_dir /db", {}},
        {"create /db/4.wal", {}},
        {"append /db/4.wal 16", {}},
        {"sync_dir /db", {}},
        {"append /db/MANIFEST 10", {NewMemtableRecord{4, true}}},
        {"sync /db/MANIFEST", {}},
        {"sync /db/4.wal", {}},
        {"create /db/MANIFEST.tmp", {}},
        {"append /db/MANIFEST.tmp 30", {mini_lsm::SnapshotRecord{}}},
        {"sync /db/MANIFEST.tmp", {}},
        {"rename /db/MANIFEST.tmp /db/MANIFEST", {}},
        {"remove /db/4.wal", {}},
        {"sync_dir /db", {}},
    };
    CHECK(ordering_violations(log) ==
          std::vector<std::string>{
              "rule (d): /db/MANIFEST names /db/4.wal (" +
                  mini_lsm::describe(NewMemtableRecord{4, true}) +
                  ") before the WAL's bytes are synced",
              "rule (e): /db/4.wal is removed while a synced record of the /db/MANIFEST that a "
              "rename not yet durable replaced still leaves memtable 4 live"});
  }
}

TEST_CASE(
    "a failed WAL fsync fails its write and every later one, and the reopened database holds the "
    "earlier writes, with or without the failed one",
    "[w2d6][wal-power-loss]") {
  for (const CrashMode mode : {CrashMode::kDropUnsynced, CrashMode::kKeepRandomPrefix}) {
    INFO("crash mode " << mini_lsm::testing::crash_mode_name(mode));
    const auto fs = std::make_shared<FaultInjectionFs>();
    {
      auto engine = open_wal_engine(fs, WalSyncMode::kAlways);
      engine->put("a", "1");
      engine->put("b", "2");
      fs->fail(FsOp::kSync, 1);
      CHECK_THROWS_AS(engine->put("c", "3"), IoError);
      CHECK(engine->get("c") == std::nullopt);  // the memtable never saw it
      REQUIRE(engine->background_error() != nullptr);
      // No retry that pretends: the pages the failed fsync dropped are not on the disk.
      CHECK_THROWS_AS(engine->put("d", "4"), IoError);
      CHECK_THROWS_AS(engine->del("a"), IoError);
      CHECK_THROWS_AS(engine->sync(), IoError);
      engine->force_freeze_memtable();  // even a new memtable with a new WAL takes no write
      CHECK_THROWS_AS(engine->put("e", "5"), IoError);
      CHECK(engine->get("a") == "1");
    }
    fs->crash(mode, 9);
    auto engine = open_wal_engine(fs, WalSyncMode::kAlways);
    Contents contents = scan_all(*engine);
    INFO("found: " << contents_text(contents));
    CHECK((contents == Contents{{"a", "1"}, {"b", "2"}} ||
           contents == Contents{{"a", "1"}, {"b", "2"}, {"c", "3"}}));
    engine->put("f", "6");  // a reopen clears the error
    CHECK(engine->get("f") == "6");
  }
}

TEST_CASE(
    "manual: a failed sync() of a frozen memtable's WAL throws, sticks, and refuses writes to the "
    "new memtable",
    "[w2d6][wal-power-loss]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  {
    auto engine = open_wal_engine(fs, WalSyncMode::kManual);
    engine->put("a", "1");
    engine->sync();
    engine->put("b", "2");
    engine->force_freeze_memtable();
    engine->put("c", "3");
    fs->fail(FsOp::kSync, 1);
    CHECK_THROWS_AS(engine->sync(), IoError);
    CHECK(engine->background_error() != nullptr);
    CHECK_THROWS_AS(engine->sync(), IoError);  // never "succeeds" on a second try
    CHECK_THROWS_AS(engine->put("d", "4"), IoError);
  }
  fs->crash(CrashMode::kDropUnsynced);
  auto engine = open_wal_engine(fs, WalSyncMode::kManual);
  const Contents contents = scan_all(*engine);
  INFO("found: " << contents_text(contents));
  // Only "a" was synced; "b" and "c" may be on the disk or not, "d" never.
  CHECK(contents.at("a") == "1");
  CHECK_FALSE(contents.contains("d"));
}

TEST_CASE(
    "a torn append on a full disk fails the write, leaves the memtable unchanged, refuses later "
    "writes, and the reopen cuts the torn record",
    "[w2d6][wal-power-loss]") {
  // The format version the engine writes (1 at w2d6, 2 from w2d7 on), from a WAL it creates.
  const WalFormat format = [] {
    const auto fs = std::make_shared<FaultInjectionFs>();
    const auto engine = open_wal_engine(fs, WalSyncMode::kAlways);
    return written_wal_format(*fs, current_wal(*engine));
  }();
  const std::string torn_record = format.record("c", "the torn value");
  for (const std::size_t written : {std::size_t{1}, std::size_t{2}, std::size_t{3},
                                    torn_record.size() / 2, torn_record.size() - 1}) {
    INFO("the append writes " << written << " of the record's " << torn_record.size() << " bytes");
    const auto fs = std::make_shared<FaultInjectionFs>();
    std::string wal;
    {
      auto engine = open_wal_engine(fs, WalSyncMode::kAlways);
      wal = current_wal(*engine);
      engine->put("a", "1");
      engine->del("b");
      fs->fail_append_torn(1, written);
      CHECK_THROWS_AS(engine->put("c", "the torn value"), IoError);
      CHECK(engine->get("c") == std::nullopt);
      CHECK(engine->get("a") == "1");
      CHECK_THROWS_AS(engine->put("d", "4"), IoError);
      CHECK(engine->background_error() != nullptr);
    }
    const std::string whole = format.file({{"a", "1"}, {"b", ""}});
    const std::uint64_t torn_at = whole.size();
    // The torn bytes are in the file, after the whole records.
    REQUIRE(fs->contents(wal) == whole + torn_record.substr(0, written));
    // Reopened without a power cut: the file ends inside the failed record.
    auto engine = open_wal_engine(fs, WalSyncMode::kAlways);
    CHECK(scan_all(*engine) == Contents{{"a", "1"}});
    const auto& replayed = engine->recovery_report().replayed_wals;
    REQUIRE(replayed.size() == 1);
    CHECK(replayed[0].records == 2);
    CHECK(replayed[0].bytes == torn_at);
    CHECK(replayed[0].torn_tail_offset == torn_at);
  }
}
