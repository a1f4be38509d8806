// Week 2 day 1: force_full_compaction() merges every SST into one sorted run in L1, and the read
// path finds keys there.

#include <algorithm>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "harness/catch.hpp"
#include "harness/collect.hpp"
#include "harness/fault_injection_fs.hpp"
#include "harness/parked_thread.hpp"
#include "harness/run_cli.hpp"
#include "harness/temp_dir.hpp"
#include "harness/trees.hpp"
#include "mini_lsm/error.hpp"
#include "mini_lsm/lsm_storage.hpp"
#include "mini_lsm/sync_point.hpp"

using mini_lsm::Bound;
using mini_lsm::CompactionStrategy;
using mini_lsm::IoError;
using mini_lsm::Level;
using mini_lsm::LsmOptions;
using mini_lsm::LsmStorage;
using mini_lsm::testing::check_engine_matches;
using mini_lsm::testing::CrashMode;
using mini_lsm::testing::Entries;
using mini_lsm::testing::FaultInjectionFs;
using mini_lsm::testing::flush_all;
using mini_lsm::testing::FsOp;
using mini_lsm::testing::level_entries;
using mini_lsm::testing::numbered_key;
using mini_lsm::testing::ParkedThread;
using mini_lsm::testing::run_cli;
using mini_lsm::testing::TempDir;

namespace {

using Model = std::map<std::string, std::string>;
const char* const kDb = "/db";

// Only the test freezes and flushes (the flush thread never finds too many frozen memtables), and
// SSTs are small, so that a compaction writes several.
LsmOptions day1_options(std::shared_ptr<FaultInjectionFs> fs = nullptr) {
  LsmOptions options;
  options.target_sst_size = 4096;
  options.block_size = 512;
  options.num_memtable_limit = 1000;
  options.file_system = std::move(fs);
  return options;
}

// Writes keys [first, first + count) tagged with `round` into the engine and the model, then
// flushes them into L0 SSTs.
void flush_keys(LsmStorage& engine, Model& model, int first, int count, const std::string& round) {
  for (int index = first; index < first + count; ++index) {
    const std::string value = round + "-" + std::to_string(index) + std::string(30, 'v');
    engine.put(numbered_key(index), value);
    model[numbered_key(index)] = value;
  }
  flush_all(engine);
}

// Deletes keys [first, first + count), then freezes and flushes the tombstones into one L0 SST.
void flush_deletes(LsmStorage& engine, Model& model, int first, int count) {
  for (int index = first; index < first + count; ++index) {
    engine.del(numbered_key(index));
    model.erase(numbered_key(index));
  }
  flush_all(engine);
}

std::set<std::string> sst_files(const std::filesystem::path& dir) {
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.ends_with(".sst")) {
      names.insert(name);
    }
  }
  return names;
}

std::set<std::string> sst_files(const FaultInjectionFs& fs) {
  std::set<std::string> names;
  for (const std::string& name : fs.files(kDb)) {
    if (name.ends_with(".sst") || name.ends_with(".tmp")) {
      names.insert(name);
    }
  }
  return names;
}

std::set<std::string> names_of(const std::vector<std::size_t>& ids) {
  std::set<std::string> names;
  for (const std::size_t id : ids) {
    names.insert(std::to_string(id) + ".sst");
  }
  return names;
}

}  // namespace

TEST_CASE("a full compaction merges every L0 SST into new SSTs in L1 and deletes the old files",
          "[w2d1][full-compaction]") {
  TempDir dir;
  auto engine = LsmStorage::open(dir.path() / "db", day1_options());
  Model model;
  flush_keys(*engine, model, 0, 60, "first");
  flush_keys(*engine, model, 40, 60, "second");  // overwrites 40..59
  flush_keys(*engine, model, 30, 20, "third");   // overwrites 30..49
  const std::vector<std::size_t> inputs = engine->state()->l0_sstables;
  REQUIRE(inputs.size() == 3);

  engine->force_full_compaction();

  const auto state = engine->state();
  CHECK(state->l0_sstables.empty());
  REQUIRE(state->levels.size() == 1);
  CHECK(state->levels[0].id == 1);
  const std::vector<std::size_t>& outputs = state->levels[0].sst_ids;
  REQUIRE_FALSE(outputs.empty());
  for (const std::size_t id : outputs) {
    CHECK(id > *std::max_element(inputs.begin(), inputs.end()));  // new SSTs, new ids
  }
  // sstables holds exactly the SSTs of L1, and the directory exactly their files.
  std::vector<std::size_t> open_ids;
  for (const auto& [id, table] : state->sstables) {
    open_ids.push_back(id);
  }
  std::vector<std::size_t> sorted_outputs = outputs;
  std::sort(sorted_outputs.begin(), sorted_outputs.end());
  CHECK(open_ids == sorted_outputs);
  CHECK(sst_files(dir.path() / "db") == names_of(outputs));
  // One entry per key, each with its newest value.
  CHECK(level_entries(*state, state->levels[0]) == Entries(model.begin(), model.end()));
  check_engine_matches(*engine, model);
}

TEST_CASE("the newest value wins when new L0 SSTs are compacted with L1",
          "[w2d1][full-compaction]") {
  TempDir dir;
  auto engine = LsmStorage::open(dir.path() / "db", day1_options());
  Model model;
  flush_keys(*engine, model, 0, 80, "old");
  engine->force_full_compaction();
  flush_keys(*engine, model, 10, 20, "new");  // L0 now holds newer values than L1 for 10..29
  check_engine_matches(*engine, model);       // L0 shadows L1 before the compaction...

  engine->force_full_compaction();

  const auto state = engine->state();
  CHECK(state->l0_sstables.empty());
  REQUIRE(state->levels.size() == 1);
  CHECK(level_entries(*state, state->levels[0]) == Entries(model.begin(), model.end()));
  check_engine_matches(*engine, model);  // ...and L1 holds them after it
}

TEST_CASE("a full compaction drops tombstones, and the deleted keys stay deleted",
          "[w2d1][full-compaction]") {
  TempDir dir;
  auto engine = LsmStorage::open(dir.path() / "db", day1_options());
  Model model;
  flush_keys(*engine, model, 0, 30, "live");
  engine->force_full_compaction();             // keys 0..29 are in L1
  flush_deletes(*engine, model, 10, 10);       // tombstones for 10..19 in L0
  CHECK_FALSE(engine->get(numbered_key(15)));  // the L0 tombstone hides L1's value

  engine->force_full_compaction();

  const auto state = engine->state();
  REQUIRE(state->levels.size() == 1);
  // Nothing lies below L1, so neither the tombstones nor the values they deleted are kept.
  CHECK(level_entries(*state, state->levels[0]) == Entries(model.begin(), model.end()));
  for (int index = 10; index < 20; ++index) {
    CHECK_FALSE(engine->get(numbered_key(index)));
  }
  check_engine_matches(*engine, model);
}

TEST_CASE("a full compaction whose every entry is deleted writes no SST at all",
          "[w2d1][full-compaction]") {
  TempDir dir;
  auto engine = LsmStorage::open(dir.path() / "db", day1_options());
  Model model;
  flush_keys(*engine, model, 0, 20, "doomed");
  flush_deletes(*engine, model, 0, 20);

  engine->force_full_compaction();

  const auto state = engine->state();
  CHECK(state->l0_sstables.empty());
  CHECK(state->levels == std::vector<Level>{Level{1, {}}});
  CHECK(state->sstables.empty());
  CHECK(sst_files(dir.path() / "db").empty());
  CHECK_FALSE(engine->get(numbered_key(3)));
}

TEST_CASE("a full compaction of a tree without SSTs changes nothing", "[w2d1][full-compaction]") {
  TempDir dir;
  auto engine = LsmStorage::open(dir.path() / "db", day1_options());
  engine->put("in", "memtable");

  engine->force_full_compaction();

  const auto state = engine->state();
  CHECK(state->l0_sstables.empty());
  CHECK(state->levels == std::vector<Level>{Level{1, {}}});
  CHECK(state->sstables.empty());
  CHECK(engine->get("in") == "memtable");  // memtables are not part of a compaction
}

TEST_CASE("a full compaction cuts its output into SSTs of about target_sst_size, a sorted run",
          "[w2d1][full-compaction]") {
  TempDir dir;
  const LsmOptions options = day1_options();
  auto engine = LsmStorage::open(dir.path() / "db", options);
  Model model;
  flush_keys(*engine, model, 0, 400, "a");
  flush_keys(*engine, model, 200, 400, "b");

  engine->force_full_compaction();

  const auto state = engine->state();
  REQUIRE(state->levels.size() == 1);
  const std::vector<std::size_t>& outputs = state->levels[0].sst_ids;
  REQUIRE(outputs.size() >= 4);  // 600 entries of about 50 bytes over 4 KiB SSTs
  for (std::size_t index = 0; index < outputs.size(); ++index) {
    const auto& table = *state->sstables.at(outputs[index]);
    INFO("output SST #" << index << " (id " << table.id() << ", " << table.file_size()
                        << " bytes)");
    if (index + 1 < outputs.size()) {
      // Cut as soon as the target is reached: never before, and not much after.
      CHECK(table.file_size() >= options.target_sst_size);
      CHECK(table.file_size() < options.target_sst_size + options.block_size);
      // A sorted run: each SST's keys come before the next one's.
      CHECK(table.last_key() < state->sstables.at(outputs[index + 1])->first_key());
    }
  }
  CHECK(level_entries(*state, state->levels[0]) == Entries(model.begin(), model.end()));
}

TEST_CASE("get reads a single block of a level: the one SST whose range holds the key",
          "[w2d1][read-path]") {
  TempDir dir;
  LsmOptions options = day1_options();
  options.bloom_bits_per_key = 0;  // no filter: only key ranges can rule SSTs out
  auto engine = LsmStorage::open(dir.path() / "db", options);
  Model model;
  flush_keys(*engine, model, 0, 600, "a");
  engine->force_full_compaction();
  REQUIRE(engine->state()->levels[0].sst_ids.size() >= 4);
  const auto& cache = engine->block_cache();
  REQUIRE(cache);

  for (const int index : {0, 300, 599}) {
    const std::uint64_t misses = cache->misses();
    const std::uint64_t hits = cache->hits();
    CHECK(engine->get(numbered_key(index)) == model.at(numbered_key(index)));
    CHECK(cache->misses() + cache->hits() - misses - hits == 1);
  }
  const std::uint64_t reads = cache->misses() + cache->hits();
  CHECK_FALSE(engine->get(numbered_key(600)));  // past the level: no block read at all
  CHECK(cache->misses() + cache->hits() == reads);
}

TEST_CASE("scans over L1 honour included and excluded bounds at every SST boundary",
          "[w2d1][read-path]") {
  TempDir dir;
  auto engine = LsmStorage::open(dir.path() / "db", day1_options());
  Model model;
  flush_keys(*engine, model, 0, 200, "a");
  engine->force_full_compaction();
  flush_keys(*engine, model, 95, 10, "b");  // an L0 SST over the level
  const auto state = engine->state();
  std::vector<std::string> edges = {"", numbered_key(95), "zzz"};
  for (const std::size_t id : state->levels.at(0).sst_ids) {
    edges.push_back(state->sstables.at(id)->first_key());
    edges.push_back(state->sstables.at(id)->last_key());
  }
  for (const std::string& lower : edges) {
    for (const bool lower_included : {true, false}) {
      const Bound from = lower_included ? Bound::included(lower) : Bound::excluded(lower);
      const std::string upper = numbered_key(150);
      INFO("lower " << (lower_included ? "included " : "excluded ") << lower);
      auto scan = engine->scan(from, Bound::included(upper));
      Entries scanned;
      for (; scan.is_valid(); scan.next()) {
        scanned.emplace_back(std::string(scan.key()), std::string(scan.value()));
      }
      Entries expected;
      for (auto entry = lower_included ? model.lower_bound(lower) : model.upper_bound(lower);
           entry != model.end() && entry->first <= upper; ++entry) {
        expected.push_back(*entry);
      }
      CHECK(scanned == expected);
    }
  }
}

TEST_CASE("an SST flushed while a full compaction merges stays in L0 after it installs",
          "[w2d1][full-compaction][concurrency]") {
  TempDir dir;
  auto engine = LsmStorage::open(dir.path() / "db", day1_options());
  Model model;
  flush_keys(*engine, model, 0, 50, "a");
  flush_keys(*engine, model, 25, 50, "b");
  const std::vector<std::size_t> taken = engine->state()->l0_sstables;

  ParkedThread parked(mini_lsm::sync_point::kBeforeCompactionInstall, "full");
  auto compaction = std::async(std::launch::async, [&] { engine->force_full_compaction(); });
  REQUIRE(parked.wait_until_parked(compaction, std::chrono::seconds(10)));
  // The compaction wrote its SSTs and waits to install them. Meanwhile a flush goes through and
  // reads see the old state.
  flush_keys(*engine, model, 60, 30, "during");
  const std::size_t flushed_meanwhile = engine->state()->l0_sstables.front();
  check_engine_matches(*engine, model);
  parked.release();
  compaction.get();

  const auto state = engine->state();
  CHECK(state->l0_sstables == std::vector<std::size_t>{flushed_meanwhile});
  REQUIRE(state->levels.size() == 1);
  for (const std::size_t id : taken) {
    CHECK(state->sstables.count(id) == 0);
  }
  CHECK(state->sstables.count(flushed_meanwhile) == 1);
  check_engine_matches(*engine, model);
}

TEST_CASE("an iterator made before a full compaction still reads the SSTs it replaced",
          "[w2d1][full-compaction]") {
  TempDir dir;
  auto engine = LsmStorage::open(dir.path() / "db", day1_options());
  Model model;
  flush_keys(*engine, model, 0, 100, "a");
  flush_keys(*engine, model, 50, 100, "b");
  auto scan = engine->scan(Bound::unbounded(), Bound::unbounded());

  engine->force_full_compaction();  // deletes the files the iterator reads

  Entries scanned;
  for (; scan.is_valid(); scan.next()) {
    scanned.emplace_back(std::string(scan.key()), std::string(scan.value()));
  }
  CHECK(scanned == Entries(model.begin(), model.end()));
}

TEST_CASE("a full compaction that fails publishes nothing, keeps every file, and can be retried",
          "[w2d1][full-compaction][errors]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  auto engine = LsmStorage::open(kDb, day1_options(fs));
  Model model;
  flush_keys(*engine, model, 0, 150, "a");
  flush_keys(*engine, model, 100, 150, "b");
  const auto before = engine->state();
  const std::set<std::string> files_before = sst_files(*fs);

  // The first output SST is written; the fsync of the second fails.
  fs->fail(FsOp::kSync, 2);
  REQUIRE_THROWS_AS(engine->force_full_compaction(), IoError);

  const auto after = engine->state();
  CHECK(after->l0_sstables == before->l0_sstables);
  CHECK(after->levels == before->levels);
  CHECK(after->sstables.size() == before->sstables.size());
  CHECK(sst_files(*fs) == files_before);  // the first output is gone again, and no .tmp is left
  check_engine_matches(*engine, model);
  CHECK(engine->background_error() == nullptr);  // a failed call is not a background error

  engine->force_full_compaction();
  CHECK(engine->state()->l0_sstables.empty());
  check_engine_matches(*engine, model);
}

TEST_CASE("a full compaction publishes its new state before it deletes the input files",
          "[w2d1][full-compaction][errors]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  auto engine = LsmStorage::open(kDb, day1_options(fs));
  Model model;
  flush_keys(*engine, model, 0, 40, "a");
  flush_keys(*engine, model, 20, 40, "b");
  const std::vector<std::size_t> inputs = engine->state()->l0_sstables;

  fs->fail(FsOp::kRemove, 1);  // the first input file cannot be deleted
  CHECK_THROWS_AS(engine->force_full_compaction(), IoError);

  // Deleting comes after publishing: the new state is in place, and readers use it.
  const auto state = engine->state();
  CHECK(state->l0_sstables.empty());
  REQUIRE(state->levels.size() == 1);
  CHECK_FALSE(state->levels[0].sst_ids.empty());
  for (const std::size_t id : inputs) {
    CHECK(state->sstables.count(id) == 0);
  }
  check_engine_matches(*engine, model);
}

TEST_CASE("a full compaction syncs its new SSTs and the directory before deleting any input",
          "[w2d1][full-compaction][durability]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  auto engine = LsmStorage::open(kDb, day1_options(fs));
  Model model;
  flush_keys(*engine, model, 0, 100, "a");
  flush_keys(*engine, model, 50, 100, "b");
  const std::size_t start = fs->log_size();

  engine->force_full_compaction();

  const std::vector<std::string> log = fs->log();
  std::size_t last_rename = 0;
  std::size_t first_remove = log.size();
  std::size_t last_remove = 0;
  for (std::size_t line = start; line < log.size(); ++line) {
    if (log[line].starts_with("rename ")) {
      last_rename = line;
    }
    if (log[line].starts_with("remove ")) {
      first_remove = std::min(first_remove, line);
      last_remove = line;
    }
  }
  REQUIRE(first_remove < log.size());
  const auto directory_synced_between = [&](std::size_t from, std::size_t to) {
    for (std::size_t line = from + 1; line < to; ++line) {
      if (log[line] == std::string("sync_dir ") + kDb) {
        return true;
      }
    }
    return false;
  };
  INFO("log of the compaction:\n"
       << [&] {
            std::string text;
            for (std::size_t line = start; line < log.size(); ++line) {
              text += log[line] + "\n";
            }
            return text;
          }());
  CHECK(last_rename < first_remove);
  CHECK(directory_synced_between(last_rename, first_remove));  // new names durable first
  CHECK(directory_synced_between(last_remove, log.size()));    // then the removals
}

TEST_CASE("a power cut at any step of a full compaction loses no key and revives no deleted one",
          "[w2d1][full-compaction][durability]") {
  // Until the manifest of day 5 records the levels, a reopened engine puts every SST into L0,
  // newest id first. Deletes make this hard: the tombstones of "c" must not vanish before the
  // values they hide.
  for (std::size_t crash_point = 1;; ++crash_point) {
    INFO("crash after " << crash_point << " operations of the compaction");
    const auto fs = std::make_shared<FaultInjectionFs>();
    Model model;
    bool finished = false;
    {
      auto engine = LsmStorage::open(kDb, day1_options(fs));
      flush_keys(*engine, model, 0, 80, "a");
      flush_keys(*engine, model, 40, 80, "b");
      flush_deletes(*engine, model, 20, 40);
      fs->crash_after(crash_point);
      try {
        engine->force_full_compaction();
        finished = !fs->dead();
      } catch (const IoError&) {
        REQUIRE(fs->dead());  // only the dead machine makes it fail
      }
    }
    fs->crash(CrashMode::kDropUnsynced);
    auto engine = LsmStorage::open(kDb, day1_options(fs));
    check_engine_matches(*engine, model);
    for (int index = 20; index < 60; ++index) {
      CHECK_FALSE(engine->get(numbered_key(index)));
    }
    if (finished) {
      break;  // the whole compaction ran before the crash point: every point was tried
    }
    REQUIRE(crash_point < 1000);  // a compaction of this size takes far fewer operations
  }
}

TEST_CASE("reopening after a full compaction finds every key, in the compaction's SSTs",
          "[w2d1][full-compaction]") {
  TempDir dir;
  Model model;
  std::vector<std::size_t> outputs;
  {
    auto engine = LsmStorage::open(dir.path() / "db", day1_options());
    flush_keys(*engine, model, 0, 150, "a");
    flush_keys(*engine, model, 100, 100, "b");
    engine->force_full_compaction();
    outputs = engine->state()->levels.at(0).sst_ids;
    engine->close();
  }
  auto engine = LsmStorage::open(dir.path() / "db", day1_options());
  // Which level they come back in is day 5's business (the manifest): until then every SST is
  // an L0 SST again. Either way the inputs are gone and the outputs hold everything.
  const auto state = engine->state();
  std::vector<std::size_t> reopened = state->l0_sstables;
  for (const Level& level : state->levels) {
    reopened.insert(reopened.end(), level.sst_ids.begin(), level.sst_ids.end());
  }
  std::sort(reopened.begin(), reopened.end());
  CHECK(reopened == outputs);
  check_engine_matches(*engine, model);
}

TEST_CASE("a tree without levels below L0 refuses a full compaction", "[w2d1][full-compaction]") {
  TempDir dir;
  LsmOptions options = day1_options();
  options.compaction.strategy = CompactionStrategy::kSimple;
  options.compaction.simple.max_levels = 0;
  options.background_compaction = false;
  auto engine = LsmStorage::open(dir.path() / "db", options);
  Model model;
  flush_keys(*engine, model, 0, 10, "a");
  CHECK_THROWS_AS(engine->force_full_compaction(), mini_lsm::InvalidArgument);
  CHECK(engine->state()->l0_sstables.size() == 1);
  check_engine_matches(*engine, model);
}

TEST_CASE("cli full_compaction moves every SST below L0 and dump shows them in L1", "[w2d1][cli]") {
  TempDir dir;
  const auto db = dir.path() / "db";
  const auto result = run_cli(db,
                              "put a 1\nflush\nput b 2\nflush\nfull_compaction\n"
                              "get a\nget b\nstats\n");
  INFO(result.output);
  CHECK(result.exit_code == 0);
  CHECK(result.output.find("ok: 1 SSTs below L0, 0 in L0\n") != std::string::npos);
  CHECK(result.output.find("a=1\nb=2\n") != std::string::npos);
  CHECK(result.output.find("L0 SSTs: 0, 0 bytes\nL1 SSTs: 1, ") != std::string::npos);
}
