// Week 1 day 6: a flush survives a power cut once it returns, and a power cut or a failed write
// in the middle of one never leaves a database that cannot be opened. The engine runs on the
// in-memory FaultInjectionFs, which knows what a power cut keeps: synced bytes, and directory
// entries made durable by a directory sync.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/catch.hpp"
#include "harness/collect.hpp"
#include "harness/fault_injection_fs.hpp"
#include "mini_lsm/error.hpp"
#include "mini_lsm/lsm_storage.hpp"

using mini_lsm::IoError;
using mini_lsm::LsmOptions;
using mini_lsm::LsmStorage;
using mini_lsm::testing::crash_mode_name;
using mini_lsm::testing::CrashMode;
using mini_lsm::testing::FaultInjectionFs;
using mini_lsm::testing::FsOp;
using mini_lsm::testing::numbered_key;

namespace {

using Model = std::map<std::string, std::string>;

constexpr CrashMode kModes[] = {CrashMode::kDropUnsynced, CrashMode::kKeepRandomPrefix,
                                CrashMode::kZeroFillUnsynced};
constexpr std::uint64_t kSeed = 2026;
const char* const kDb = "/db";

// Only the test flushes: the flush thread never finds too many frozen memtables.
LsmOptions crash_options(const std::shared_ptr<FaultInjectionFs>& fs) {
  LsmOptions options;
  options.bloom_bits_per_key = 0;  // day 7's filters are not needed here
  options.num_memtable_limit = 1000;
  options.file_system = fs;
  return options;
}

std::unique_ptr<LsmStorage> open_engine(const std::shared_ptr<FaultInjectionFs>& fs) {
  return LsmStorage::open(kDb, crash_options(fs));
}

// Writes keys [first, first + count) with values tagged by `round`, into the engine and `model`.
void put_keys(LsmStorage& engine, Model& model, int first, int count, const std::string& round) {
  for (int i = first; i < first + count; ++i) {
    const std::string value = round + "-value-" + std::to_string(i) + std::string(40, 'v');
    engine.put(numbered_key(i), value);
    model[numbered_key(i)] = value;
  }
}

// Every key of `model` has its exact value in `engine`.
void check_model(const LsmStorage& engine, const Model& model) {
  for (const auto& [key, value] : model) {
    INFO("key " << key);
    const std::optional<std::string> found = engine.get(key);
    REQUIRE(found.has_value());
    CHECK(*found == value);
  }
}

bool has_temporary_file(const FaultInjectionFs& fs) {
  for (const std::string& name : fs.files(kDb)) {
    if (name.size() >= 4 && name.compare(name.size() - 4, 4, ".tmp") == 0) {
      return true;
    }
  }
  return false;
}

bool has_file(const FaultInjectionFs& fs, const std::string& name) {
  for (const std::string& file : fs.files(kDb)) {
    if (file == name) {
      return true;
    }
  }
  return false;
}

// The flush scenario of the crash tests: a first flush completes, then a second memtable, which
// overwrites some keys of the first and adds others, is frozen and flushed with the machine set
// to die after `crash_point` operations of that second flush (none: it runs to the end).
struct FlushScenario {
  Model before;               // what the database holds once the first flush is done
  Model after;                // what it holds once the second flush is done too
  std::size_t log_start = 0;  // the log line where the second flush begins
  bool second_flush_returned = false;
};

FlushScenario run_flush_scenario(const std::shared_ptr<FaultInjectionFs>& fs,
                                 std::optional<std::size_t> crash_point) {
  FlushScenario scenario;
  auto engine = open_engine(fs);
  put_keys(*engine, scenario.before, 0, 40, "first");
  engine->force_freeze_memtable();
  engine->force_flush();
  scenario.after = scenario.before;
  put_keys(*engine, scenario.after, 30, 40, "second");  // keys 30..39 overwritten, 40..69 new
  engine->force_freeze_memtable();
  scenario.log_start = fs->log_size();
  if (crash_point) {
    fs->crash_after(*crash_point);
  }
  try {
    engine->force_flush();
    scenario.second_flush_returned = true;
  } catch (const IoError&) {
    REQUIRE(crash_point.has_value());  // only a dead machine makes it fail
  }
  return scenario;  // drops the engine without close(), as a power cut would
}

// A flush that failed before it was done: it published nothing, left no file behind, and a
// second attempt succeeds and survives a crash.
void check_failed_flush_then_retry(const std::shared_ptr<FaultInjectionFs>& fs, LsmStorage& engine,
                                   const Model& model) {
  const auto frozen_before = engine.state()->imm_memtables;
  REQUIRE(frozen_before.size() == 1);
  const std::size_t id = frozen_before.front()->id();
  const std::string sst = std::to_string(id) + ".sst";

  REQUIRE_THROWS_AS(engine.force_flush(), IoError);
  {
    const auto state = engine.state();
    REQUIRE(state->imm_memtables.size() == 1);
    CHECK(state->imm_memtables.front()->id() == id);  // still frozen, still the same
    CHECK(state->l0_sstables.empty());
    CHECK(state->sstables.empty());
  }
  CHECK_FALSE(has_file(*fs, sst));
  CHECK_FALSE(has_temporary_file(*fs));
  check_model(engine, model);  // still readable from the frozen memtable

  engine.force_flush();
  {
    const auto state = engine.state();
    CHECK(state->imm_memtables.empty());
    CHECK(state->l0_sstables == std::vector<std::size_t>{id});
  }
  CHECK(has_file(*fs, sst));
  CHECK_FALSE(has_temporary_file(*fs));
  check_model(engine, model);
}

}  // namespace

TEST_CASE("an SST whose flush returned survives a power cut", "[w1d6][crash]") {
  for (const CrashMode mode : kModes) {
    INFO("crash mode: " << crash_mode_name(mode));
    auto fs = std::make_shared<FaultInjectionFs>();
    Model model;
    {
      auto engine = open_engine(fs);
      put_keys(*engine, model, 0, 100, "only");
      engine->force_freeze_memtable();
      engine->force_flush();
    }  // dropped without close()
    fs->crash(mode, kSeed);
    auto engine = open_engine(fs);
    CHECK(engine->state()->l0_sstables.size() == 1);
    check_model(*engine, model);
  }
}

TEST_CASE("a crash at any operation of a flush leaves a database that opens, before or after",
          "[w1d6][crash]") {
  // Run once to the end to learn which operations a flush performs, and where the step that
  // makes it durable comes: the directory sync that makes the new SST's name durable, or (from
  // week 2 day 5 on, when the manifest says which SSTs the tree holds) the sync of the manifest
  // record naming the SST, which comes after it.
  const auto counting_fs = std::make_shared<FaultInjectionFs>();
  const FlushScenario complete = run_flush_scenario(counting_fs, std::nullopt);
  const std::vector<std::string> full_log = counting_fs->log();
  const std::vector<std::string> flush_ops(
      full_log.begin() + static_cast<std::ptrdiff_t>(complete.log_start), full_log.end());
  REQUIRE(complete.second_flush_returned);
  std::optional<std::size_t> sync_dir_at;  // 1-based, among the flush's operations
  std::optional<std::size_t> durable_at;   // the same, or the later sync of the manifest
  for (std::size_t i = 0; i < flush_ops.size(); ++i) {
    if (flush_ops[i].rfind("sync_dir ", 0) == 0) {
      sync_dir_at = durable_at = i + 1;
    }
    if (flush_ops[i].rfind("sync ", 0) == 0 && flush_ops[i].ends_with("/MANIFEST") && sync_dir_at) {
      durable_at = i + 1;
    }
  }
  INFO("the operations of the flush:\n"
       << [&] {
            std::string all;
            for (const std::string& line : flush_ops) {
              all += "  " + line + "\n";
            }
            return all;
          }());
  REQUIRE(sync_dir_at.has_value());  // a flush must make the new file's name durable

  for (std::size_t k = 1; k <= flush_ops.size(); ++k) {
    for (const CrashMode mode : kModes) {
      INFO("crash after operation " << k << " of the flush (" << flush_ops[k - 1] << "), mode "
                                    << crash_mode_name(mode));
      const auto fs = std::make_shared<FaultInjectionFs>();
      const FlushScenario run = run_flush_scenario(fs, k);
      // The same operations as the counting run, up to the crash point.
      const std::vector<std::string> log = fs->log();
      REQUIRE(log.size() >= run.log_start + k);
      CHECK(
          std::vector<std::string>(log.begin() + static_cast<std::ptrdiff_t>(run.log_start),
                                   log.begin() + static_cast<std::ptrdiff_t>(run.log_start + k)) ==
          std::vector<std::string>(flush_ops.begin(),
                                   flush_ops.begin() + static_cast<std::ptrdiff_t>(k)));
      const bool must_keep = k >= *durable_at;
      if (run.second_flush_returned) {
        CHECK(must_keep);  // a flush that returned is durable
      }

      fs->crash(mode, kSeed + k);
      std::unique_ptr<LsmStorage> engine;
      REQUIRE_NOTHROW(engine = open_engine(fs));
      CHECK_FALSE(has_temporary_file(*fs));
      const bool kept = engine->get(numbered_key(69)).has_value();
      CHECK(kept == must_keep);
      check_model(*engine, kept ? run.after : run.before);
      if (!kept) {
        CHECK_FALSE(engine->get(numbered_key(40)).has_value());
      }
      CHECK(engine->state()->l0_sstables.size() == (kept ? 2U : 1U));
    }
  }
}

TEST_CASE("a failed fsync of the SST publishes nothing, leaves no file, and can be retried",
          "[w1d6][crash]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  Model model;
  {
    auto engine = open_engine(fs);
    put_keys(*engine, model, 0, 50, "only");
    engine->force_freeze_memtable();
    fs->fail(FsOp::kSync, 1);
    check_failed_flush_then_retry(fs, *engine, model);
  }
  fs->crash(CrashMode::kDropUnsynced);
  auto engine = open_engine(fs);
  check_model(*engine, model);
}

TEST_CASE("a failed directory fsync after the SST is created publishes nothing and can be retried",
          "[w1d6][crash]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  Model model;
  {
    auto engine = open_engine(fs);
    put_keys(*engine, model, 0, 50, "only");
    engine->force_freeze_memtable();
    const std::size_t id = engine->state()->imm_memtables.front()->id();
    const std::string sst = std::to_string(id) + ".sst";
    // The SST is complete and renamed into place; only the directory fsync after it fails.
    fs->fail(FsOp::kSyncDirectory, 1);
    REQUIRE_THROWS_AS(engine->force_flush(), IoError);
    CHECK(engine->state()->imm_memtables.size() == 1);
    CHECK(engine->state()->l0_sstables.empty());
    REQUIRE(has_file(*fs, sst));  // the failed attempt's file, which no state names

    // The retry must write its SST over that file rather than fail on it.
    engine->force_flush();
    CHECK(engine->state()->imm_memtables.empty());
    CHECK(engine->state()->l0_sstables == std::vector<std::size_t>{id});
    CHECK_FALSE(has_temporary_file(*fs));
    check_model(*engine, model);
  }
  fs->crash(CrashMode::kDropUnsynced);
  auto engine = open_engine(fs);
  check_model(*engine, model);
}

TEST_CASE("a torn append (ENOSPC part-way) publishes nothing, leaves no file, and can be retried",
          "[w1d6][crash]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  Model model;
  {
    auto engine = open_engine(fs);
    put_keys(*engine, model, 0, 50, "only");
    engine->force_freeze_memtable();
    fs->fail_append_torn(1, 100);
    check_failed_flush_then_retry(fs, *engine, model);
  }
  CHECK(fs->count(FsOp::kAppend) >= 2);  // the torn one, then the retry's
  fs->crash(CrashMode::kDropUnsynced);
  auto engine = open_engine(fs);
  check_model(*engine, model);
}
