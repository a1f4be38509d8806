// Week 2 day 2: the engine runs its controller's tasks, with compact_once() and in the compaction
// thread. The controller here is the simple leveled one of the day.

#include <algorithm>
#include <chrono>
#include <exception>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "harness/catch.hpp"
#include "harness/collect.hpp"
#include "harness/fault_injection_fs.hpp"
#include "harness/parked_thread.hpp"
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
using mini_lsm::LsmState;
using mini_lsm::LsmStorage;
using mini_lsm::testing::check_engine_matches;
using mini_lsm::testing::Entries;
using mini_lsm::testing::FaultInjectionFs;
using mini_lsm::testing::flush_all;
using mini_lsm::testing::FsOp;
using mini_lsm::testing::level_entries;
using mini_lsm::testing::numbered_key;
using mini_lsm::testing::ParkedThread;
using mini_lsm::testing::TempDir;

namespace {

using Model = std::map<std::string, std::string>;

// Simple leveled compaction over two levels: L0 -> L1 once L0 has 2 SSTs, L1 -> L2 while L2 has
// fewer than twice L1's SSTs. Only the test freezes and flushes.
LsmOptions day2_options(bool background, std::shared_ptr<FaultInjectionFs> fs = nullptr) {
  LsmOptions options;
  options.target_sst_size = 4096;
  options.block_size = 512;
  options.num_memtable_limit = 1000;
  options.compaction.strategy = CompactionStrategy::kSimple;
  options.compaction.simple.level0_file_num_compaction_trigger = 2;
  options.compaction.simple.size_ratio_percent = 200;
  options.compaction.simple.max_levels = 2;
  options.background_compaction = background;
  options.file_system = std::move(fs);
  return options;
}

// Writes keys [first, first + count) tagged `round` (or deletes them when `round` is empty) and
// flushes them into L0.
void flush_keys(LsmStorage& engine, Model& model, int first, int count, const std::string& round) {
  for (int index = first; index < first + count; ++index) {
    if (round.empty()) {
      engine.del(numbered_key(index));
      model.erase(numbered_key(index));
    } else {
      const std::string value = round + "-" + std::to_string(index);
      engine.put(numbered_key(index), value);
      model[numbered_key(index)] = value;
    }
  }
  flush_all(engine);
}

// Waits (at most 10 s) until `done(state)`; gives up at once when the background thread failed.
template <typename Predicate>
bool wait_for_state(const LsmStorage& engine, Predicate done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done(*engine.state())) {
    if (engine.background_error()) {
      UNSCOPED_INFO("the compaction thread failed instead");
      return false;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      UNSCOPED_INFO(
          "week 2 day 2: the compaction thread (LsmStorage::compaction_loop, started by "
          "the constructor) did not compact within 10 s");
      return false;
    }
    std::this_thread::yield();
  }
  return true;
}

std::string what(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& caught) {
    return caught.what();
  }
}

}  // namespace

TEST_CASE("compact_once does nothing without a controller", "[w2d2][compact-once]") {
  TempDir dir;
  LsmOptions options = day2_options(false);
  options.compaction.strategy = CompactionStrategy::kNone;
  auto engine = LsmStorage::open(dir.path() / "db", options);
  Model model;
  flush_keys(*engine, model, 0, 10, "a");
  flush_keys(*engine, model, 0, 10, "b");
  CHECK_FALSE(engine->compact_once());
  CHECK(engine->state()->l0_sstables.size() == 2);
}

TEST_CASE("compact_once runs the controller's tasks one at a time until the tree is in shape",
          "[w2d2][compact-once]") {
  TempDir dir;
  auto engine = LsmStorage::open(dir.path() / "db", day2_options(false));
  Model model;
  flush_keys(*engine, model, 0, 40, "a");
  CHECK_FALSE(engine->compact_once());  // one L0 SST: under the trigger
  flush_keys(*engine, model, 20, 40, "b");
  const std::vector<std::size_t> l0 = engine->state()->l0_sstables;
  REQUIRE(l0.size() == 2);

  REQUIRE(engine->compact_once());  // L0 -> L1
  {
    const auto state = engine->state();
    CHECK(state->l0_sstables.empty());
    REQUIRE(state->levels.size() == 2);
    CHECK_FALSE(state->levels[0].sst_ids.empty());
    CHECK(state->levels[1].sst_ids.empty());
    CHECK(level_entries(*state, state->levels.at(0)) == Entries(model.begin(), model.end()));
    for (const std::size_t id : l0) {
      CHECK(state->sstables.count(id) == 0);
    }
  }
  REQUIRE(engine->compact_once());  // L1 -> L2: L2 holds fewer than twice L1's SSTs
  {
    const auto state = engine->state();
    CHECK(state->levels[0].sst_ids.empty());
    CHECK(level_entries(*state, state->levels.at(1)) == Entries(model.begin(), model.end()));
  }
  CHECK_FALSE(engine->compact_once());  // in shape
  check_engine_matches(*engine, model);
}

TEST_CASE("a compaction keeps tombstones above the bottom level and drops them at the bottom",
          "[w2d2][compact-once][tombstones]") {
  TempDir dir;
  auto engine = LsmStorage::open(dir.path() / "db", day2_options(false));
  Model model;
  flush_keys(*engine, model, 0, 30, "a");
  flush_keys(*engine, model, 30, 30, "a");
  REQUIRE(engine->compact_once());         // L0 -> L1
  REQUIRE(engine->compact_once());         // L1 -> L2: keys 0..59 at the bottom
  flush_keys(*engine, model, 10, 10, "");  // tombstones for 10..19
  flush_keys(*engine, model, 50, 5, "c");

  REQUIRE(engine->compact_once());  // L0 -> L1, which is not the bottom
  {
    const auto state = engine->state();
    const Entries l1 = level_entries(*state, state->levels.at(0));
    // L2 still holds values of 10..19 under L1, so L1 must keep the tombstones that hide them.
    std::size_t tombstones = 0;
    for (const auto& [key, value] : l1) {
      tombstones += value.empty() ? 1 : 0;
    }
    CHECK(tombstones == 10);
    CHECK(l1.size() == 15);
  }
  for (int index = 10; index < 20; ++index) {
    CHECK_FALSE(engine->get(numbered_key(index)));
  }
  check_engine_matches(*engine, model);

  while (engine->compact_once()) {
  }
  const auto state = engine->state();
  CHECK(state->l0_sstables.empty());
  CHECK(state->levels[0].sst_ids.empty());
  CHECK(level_entries(*state, state->levels.at(1)) ==
        Entries(model.begin(), model.end()));  // no tombstone left
  check_engine_matches(*engine, model);
}

TEST_CASE("an SST flushed while compact_once merges stays in L0", "[w2d2][compact-once]") {
  TempDir dir;
  auto engine = LsmStorage::open(dir.path() / "db", day2_options(false));
  Model model;
  flush_keys(*engine, model, 0, 40, "a");
  flush_keys(*engine, model, 20, 40, "b");

  ParkedThread parked(mini_lsm::sync_point::kBeforeCompactionInstall, "background");
  bool compacted = false;
  auto compaction = std::async(std::launch::async, [&] { compacted = engine->compact_once(); });
  REQUIRE(parked.wait_until_parked(compaction, std::chrono::seconds(10)));
  flush_keys(*engine, model, 70, 10, "during");
  const std::size_t flushed_meanwhile = engine->state()->l0_sstables.front();
  parked.release();
  compaction.get();
  CHECK(compacted);

  const auto state = engine->state();
  CHECK(state->l0_sstables == std::vector<std::size_t>{flushed_meanwhile});
  CHECK_FALSE(state->levels[0].sst_ids.empty());
  check_engine_matches(*engine, model);
}

TEST_CASE("the compaction thread compacts after flushes without being asked",
          "[w2d2][compaction-thread]") {
  TempDir dir;
  auto engine = LsmStorage::open(dir.path() / "db", day2_options(true));
  Model model;
  flush_keys(*engine, model, 0, 40, "a");
  flush_keys(*engine, model, 20, 40, "b");
  // L0 -> L1, then L1 -> L2: the thread goes on until the controller has nothing to do.
  REQUIRE(wait_for_state(*engine, [](const LsmState& state) {
    return state.l0_sstables.empty() && state.levels[0].sst_ids.empty() &&
           !state.levels[1].sst_ids.empty();
  }));
  check_engine_matches(*engine, model);
  CHECK_FALSE(engine->compact_once());
}

TEST_CASE("a failed background compaction changes nothing and its error sticks",
          "[w2d2][compaction-thread][errors]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  auto engine = LsmStorage::open("/db", day2_options(true, fs));
  Model model;
  // The second flush syncs as often as the first (its SST, and from day 5 on its manifest
  // records); the compaction after it fails at its first sync.
  const std::size_t syncs_before = fs->count(FsOp::kSync);
  flush_keys(*engine, model, 0, 40, "a");
  fs->fail(FsOp::kSync, fs->count(FsOp::kSync) - syncs_before + 1);
  flush_keys(*engine, model, 20, 40, "b");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!engine->background_error() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  const std::exception_ptr error = engine->background_error();
  REQUIRE(error);
  CHECK(what(error).find("sync") != std::string::npos);

  const auto state = engine->state();
  CHECK(state->l0_sstables.size() == 2);  // the old state, and its files, are intact
  CHECK(state->levels[0].sst_ids.empty());
  // The two L0 SSTs and no output left behind.
  const std::vector<std::string> files = fs->files("/db");
  CHECK(std::count_if(files.begin(), files.end(),
                      [](const std::string& name) { return name.ends_with(".sst"); }) == 2);
  CHECK(std::none_of(files.begin(), files.end(),
                     [](const std::string& name) { return name.ends_with(".tmp"); }));
  check_engine_matches(*engine, model);
  // Every later write throws the same error, until the engine is opened again.
  try {
    engine->put("after", "error");
    FAIL("a write after a failed background compaction must throw");
  } catch (const IoError& thrown) {
    CHECK(std::string(thrown.what()) == what(error));
  }
}

TEST_CASE("close() waits for a running background compaction to finish before it returns",
          "[w2d2][compaction-thread]") {
  TempDir dir;
  Model model;
  {
    auto engine = LsmStorage::open(dir.path() / "db", day2_options(true));
    ParkedThread parked(mini_lsm::sync_point::kBeforeCompactionInstall, "background");
    flush_keys(*engine, model, 0, 40, "a");
    flush_keys(*engine, model, 20, 40, "b");
    // The compaction thread takes L0 -> L1 and stops just before installing it.
    const std::future<void> never = std::async(std::launch::deferred, [] {});
    if (!parked.wait_until_parked(never, std::chrono::seconds(10))) {
      FAIL(
          "week 2 day 2: the compaction thread (LsmStorage::compaction_loop, started by the "
          "constructor) never ran the L0 -> L1 compaction");
    }
    auto closing = std::async(std::launch::async, [&] { engine->close(); });
    // A close() that left the thread running would return now, with a compaction still to come.
    CHECK(closing.wait_for(std::chrono::milliseconds(300)) == std::future_status::timeout);
    parked.release();
    closing.get();
    const auto state = engine->state();
    CHECK(state->l0_sstables.empty());  // the compaction was installed before close() returned
    CHECK_FALSE(state->levels[0].sst_ids.empty());
  }
  auto engine = LsmStorage::open(dir.path() / "db", day2_options(false));
  check_engine_matches(*engine, model);
}

TEST_CASE("gets and scans agree with a model while flushes and compactions run in the background",
          "[w2d2][compaction-thread][model]") {
  TempDir dir;
  LsmOptions options = day2_options(true);
  options.target_sst_size = 1024;  // many small memtables, flushes and compactions
  options.num_memtable_limit = 2;
  options.compaction.simple.max_levels = 3;
  auto engine = LsmStorage::open(dir.path() / "db", options);
  Model model;
  std::mt19937 random(2026);
  for (int operation = 0; operation < 6000; ++operation) {
    const std::string key = numbered_key(static_cast<int>(random() % 500));
    switch (random() % 10) {
      case 0:
        engine->del(key);
        model.erase(key);
        break;
      case 1: {
        INFO("after " << operation << " operations, get " << key);
        const auto found = model.find(key);
        CHECK(engine->get(key) ==
              (found == model.end() ? std::nullopt : std::optional<std::string>(found->second)));
        break;
      }
      default: {
        const std::string value = "v" + std::to_string(operation);
        engine->put(key, value);
        model[key] = value;
      }
    }
    if (operation % 1500 == 1499) {
      INFO("scan after " << operation << " operations");
      check_engine_matches(*engine, model);
    }
  }
  REQUIRE(engine->background_error() == nullptr);
  const auto state = engine->state();
  std::size_t below_l0 = 0;
  for (const Level& level : state->levels) {
    below_l0 += level.sst_ids.size();
  }
  CHECK(below_l0 > 0);  // the compaction thread did run
  check_engine_matches(*engine, model);
}
