// Week 2 day 4: the engine with CompactionStrategy::kLeveled, stepped with compact_once() and
// with both background threads running.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "harness/catch.hpp"
#include "harness/collect.hpp"
#include "harness/temp_dir.hpp"
#include "harness/trees.hpp"
#include "mini_lsm/bound.hpp"
#include "mini_lsm/compaction/leveled.hpp"
#include "mini_lsm/lsm_state.hpp"
#include "mini_lsm/lsm_storage.hpp"
#include "mini_lsm/options.hpp"
#include "mini_lsm/table.hpp"

using mini_lsm::Bound;
using mini_lsm::CompactionStrategy;
using mini_lsm::Level;
using mini_lsm::LeveledCompactionController;
using mini_lsm::LsmOptions;
using mini_lsm::LsmState;
using mini_lsm::LsmStorage;
using mini_lsm::SsTable;
using mini_lsm::SsTableIterator;
using mini_lsm::testing::collect;
using mini_lsm::testing::Entries;
using mini_lsm::testing::numbered_key;
using mini_lsm::testing::TempDir;

namespace {

LsmOptions leveled_options(std::size_t multiplier, std::size_t trigger, std::size_t max_levels,
                           std::size_t base_bytes) {
  LsmOptions options;
  options.compaction.strategy = CompactionStrategy::kLeveled;
  options.compaction.leveled.level_size_multiplier = multiplier;
  options.compaction.leveled.level0_file_num_compaction_trigger = trigger;
  options.compaction.leveled.max_levels = max_levels;
  options.compaction.leveled.base_level_size_bytes = base_bytes;
  return options;
}

// An engine that compacts only when the test calls compact_once(), and freezes only when asked:
// memtables and compaction outputs hold up to 1 MiB.
std::unique_ptr<LsmStorage> open_stepped(const TempDir& dir, LsmOptions options) {
  options.background_compaction = false;
  options.target_sst_size = std::size_t{1} << 20;
  return LsmStorage::open(dir.path() / "db", options);
}

void flush_memtable(LsmStorage& engine) {
  engine.force_freeze_memtable();
  engine.force_flush();
}

// The structure of a state as text: "L0 [9] | L1 [] | L2 [4 7]".
std::string shape(const LsmState& state) {
  return mini_lsm::testing::tree_shape(state, " | ");
}

// The SSTs of `after` that `before` did not have, in id order.
std::vector<std::size_t> new_ssts(const LsmState& before, const LsmState& after) {
  std::vector<std::size_t> ids;
  for (const auto& [id, table] : after.sstables) {
    if (!before.sstables.contains(id)) {
      ids.push_back(id);
    }
  }
  return ids;
}

// Runs one compaction and returns the id of the one SST it wrote.
std::size_t compact_into_one_sst(LsmStorage& engine) {
  const std::shared_ptr<const LsmState> before = engine.state();
  REQUIRE(engine.compact_once());
  const std::vector<std::size_t> written = new_ssts(*before, *engine.state());
  REQUIRE(written.size() == 1);
  return written.front();
}

// Every entry of SST `id`, tombstones included.
Entries sst_entries(const LsmState& state, std::size_t id) {
  auto iterator = SsTableIterator::create_and_seek_to_first(state.sstables.at(id));
  return collect(iterator);
}

std::string value_of(int index, char fill) {
  return std::string(1000, fill) + std::to_string(index);
}

// Writes keys [first, last) with values of about 1000 bytes.
void put_range(LsmStorage& engine, int first, int last, char fill) {
  for (int index = first; index < last; ++index) {
    engine.put(numbered_key(index), value_of(index, fill));
  }
}

Entries expected_range(int first, int last, char fill, int skipped = -1) {
  Entries entries;
  for (int index = first; index < last; ++index) {
    if (index != skipped) {
      entries.emplace_back(numbered_key(index), value_of(index, fill));
    }
  }
  return entries;
}

Entries scan_all(const LsmStorage& engine) {
  auto iterator = engine.scan(Bound::unbounded(), Bound::unbounded());
  return collect(iterator);
}

}  // namespace

TEST_CASE("compact_once merges L0 into the last level while the tree is small",
          "[w2d4][leveled_engine]") {
  const TempDir dir;
  // Base 1 MiB: a tree of a few KiB has only the last level, L3, as its base level.
  auto engine = open_stepped(dir, leveled_options(10, 2, 3, std::size_t{1} << 20));
  engine->put("a", "old-a");
  engine->put("b", "doomed");
  flush_memtable(*engine);
  CHECK_FALSE(engine->compact_once());  // one L0 SST, the trigger is 2
  engine->put("a", "new-a");
  engine->del("b");
  engine->put("c", "c");
  flush_memtable(*engine);
  const std::vector<std::size_t> l0 = engine->state()->l0_sstables;
  REQUIRE(l0.size() == 2);

  const std::size_t merged = compact_into_one_sst(*engine);
  const std::shared_ptr<const LsmState> state = engine->state();
  CHECK(shape(*state) == "L0 [] | L1 [] | L2 [] | L3 [" + std::to_string(merged) + "]");
  // The last level is the bottom: the tombstone of b goes, and b's old value with it.
  CHECK(sst_entries(*state, merged) == Entries{{"a", "new-a"}, {"c", "c"}});
  CHECK(state->sstables.size() == 1);
  for (const std::size_t id : l0) {
    CHECK_FALSE(std::filesystem::exists(engine->sst_path(id)));
  }
  CHECK_FALSE(engine->compact_once());
  CHECK(engine->get("b") == std::nullopt);
  CHECK(scan_all(*engine) == Entries{{"a", "new-a"}, {"c", "c"}});
}

TEST_CASE("a tombstone stays above the bottom level until it reaches it, and the key stays deleted",
          "[w2d4][leveled_engine][tombstones]") {
  const TempDir dir;
  // Two levels, multiplier 2, base 1 byte: once L2 holds data, L1's target is half of L2's size
  // and L1 becomes the base level. Every flush reaches the L0 trigger of 1.
  auto engine = open_stepped(dir, leveled_options(2, 1, 2, 1));

  // 100 keys of about 1 KiB go to the bottom, L2, since the tree is empty.
  put_range(*engine, 0, 100, 'o');
  flush_memtable(*engine);
  const std::size_t bottom = compact_into_one_sst(*engine);
  REQUIRE(shape(*engine->state()) == "L0 [] | L1 [] | L2 [" + std::to_string(bottom) + "]");
  CHECK_FALSE(engine->compact_once());  // L1 (empty) is below its target of about 50 KiB

  // A delete goes through L0 into L1, which is not the bottom: the tombstone must stay, since
  // L2 still holds the old value.
  engine->del(numbered_key(50));
  flush_memtable(*engine);
  const std::size_t tombstone = compact_into_one_sst(*engine);
  std::shared_ptr<const LsmState> state = engine->state();
  REQUIRE(shape(*state) ==
          "L0 [] | L1 [" + std::to_string(tombstone) + "] | L2 [" + std::to_string(bottom) + "]");
  CHECK(sst_entries(*state, tombstone) == Entries{{numbered_key(50), ""}});
  CHECK(engine->get(numbered_key(50)) == std::nullopt);
  CHECK(scan_all(*engine) == expected_range(0, 100, 'o', 50));
  CHECK_FALSE(engine->compact_once());  // a few bytes in L1: far below its target

  // 100 more KiB through L0 into L1 push L1 over its target; its oldest SST, the tombstone, goes
  // down first, into the bottom, where it drops the old value and itself.
  put_range(*engine, 100, 200, 'n');
  flush_memtable(*engine);
  const std::size_t upper = compact_into_one_sst(*engine);
  REQUIRE(shape(*engine->state()) == "L0 [] | L1 [" + std::to_string(tombstone) + " " +
                                         std::to_string(upper) + "] | L2 [" +
                                         std::to_string(bottom) + "]");
  const std::size_t merged = compact_into_one_sst(*engine);
  state = engine->state();
  REQUIRE(shape(*state) ==
          "L0 [] | L1 [" + std::to_string(upper) + "] | L2 [" + std::to_string(merged) + "]");
  CHECK(sst_entries(*state, merged) == expected_range(0, 100, 'o', 50));
  CHECK(engine->get(numbered_key(50)) == std::nullopt);

  // L1 is still over its target (half of L2): its last SST moves down next to the other.
  const std::size_t moved = compact_into_one_sst(*engine);
  state = engine->state();
  CHECK(shape(*state) ==
        "L0 [] | L1 [] | L2 [" + std::to_string(merged) + " " + std::to_string(moved) + "]");
  CHECK(sst_entries(*state, moved) == expected_range(100, 200, 'n'));
  CHECK_FALSE(engine->compact_once());
  CHECK(engine->get(numbered_key(50)) == std::nullopt);
  Entries all = expected_range(0, 100, 'o', 50);
  const Entries newer = expected_range(100, 200, 'n');
  all.insert(all.end(), newer.begin(), newer.end());
  CHECK(scan_all(*engine) == all);
}

namespace {

// What a reader thread saw that it should not have; the test checks it on the main thread, since
// Catch2's assertions are not thread-safe.
class ReaderErrors {
 public:
  void add(const std::string& error) {
    const std::lock_guard lock(mutex_);
    if (errors_.size() < 5) {
      errors_.push_back(error);
    }
    ++count_;
  }
  std::string text() const {
    const std::lock_guard lock(mutex_);
    std::string text = std::to_string(count_) + " errors";
    for (const std::string& error : errors_) {
      text += "\n" + error;
    }
    return text;
  }
  bool empty() const {
    const std::lock_guard lock(mutex_);
    return count_ == 0;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> errors_;
  std::size_t count_ = 0;
};

std::string stable_key(int index) {
  return "stable" + std::to_string(1000 + index);
}

// Reads the keys nobody writes while the test runs, and checks they keep their values while
// flushes and compactions move them around.
void read_stable_keys(const LsmStorage& engine, const std::map<std::string, std::string>& stable,
                      const std::atomic<bool>& done, std::uint32_t seed, ReaderErrors& errors) {
  std::mt19937 random(seed);
  const Entries expected(stable.begin(), stable.end());
  try {
    for (std::size_t round = 0; !done.load(); ++round) {
      if (round % 64 == 0) {
        auto iterator = engine.scan(Bound::included(stable.begin()->first),
                                    Bound::included(stable.rbegin()->first));
        if (collect(iterator) != expected) {
          errors.add("a scan of the stable keys did not return all of them, unchanged");
        }
        continue;
      }
      auto entry = stable.begin();
      std::advance(entry, static_cast<long>(random() % stable.size()));
      const std::optional<std::string> value = engine.get(entry->first);
      if (value != entry->second) {
        errors.add("get(" + entry->first + ") returned " + value.value_or("nothing"));
      }
    }
  } catch (const std::exception& error) {
    errors.add(std::string("a reader threw: ") + error.what());
  }
}

// Every level below L0 in key order, with no key in two SSTs of a level.
bool levels_sorted(const LsmState& state) {
  for (const Level& level : state.levels) {
    for (std::size_t index = 1; index < level.sst_ids.size(); ++index) {
      if (state.sstables.at(level.sst_ids[index - 1])->last_key() >=
          state.sstables.at(level.sst_ids[index])->first_key()) {
        return false;
      }
    }
  }
  return true;
}

}  // namespace

TEST_CASE("with background flushes and compactions and racing readers, the engine matches a map",
          "[w2d4][leveled_engine][model]") {
  const TempDir dir;
  LsmOptions options = leveled_options(3, 2, 3, 16 << 10);
  options.target_sst_size = 4096;
  options.block_size = 512;
  auto engine = LsmStorage::open(dir.path() / "db", options);

  std::map<std::string, std::string> stable;
  for (int index = 0; index < 200; ++index) {
    stable[stable_key(index)] = "stable-value-" + std::to_string(index);
    engine->put(stable_key(index), stable[stable_key(index)]);
  }
  std::atomic<bool> done = false;
  ReaderErrors reader_errors;
  std::vector<std::thread> readers;
  for (std::uint32_t seed : {11u, 12u}) {
    readers.emplace_back(
        [&, seed] { read_stable_keys(*engine, stable, done, seed, reader_errors); });
  }

  std::map<std::string, std::string> model = stable;
  std::mt19937 random(2024);
  std::size_t wrong_reads = 0;
  std::string first_wrong_read;
  try {
    for (int op = 0; op < 8'000; ++op) {
      const std::string key = numbered_key(static_cast<int>(random() % 3000));
      const std::uint32_t kind = random() % 8;
      if (kind < 5) {
        const std::string value(1 + random() % 120, static_cast<char>('a' + op % 26));
        engine->put(key, value);
        model[key] = value;
      } else if (kind < 7) {
        engine->del(key);
        model.erase(key);
      } else {
        const auto entry = model.find(key);
        const std::optional<std::string> expected =
            entry == model.end() ? std::nullopt : std::optional<std::string>(entry->second);
        if (engine->get(key) != expected && wrong_reads++ == 0) {
          first_wrong_read = "get(" + key + ") after op " + std::to_string(op);
        }
      }
    }
  } catch (...) {
    done = true;
    for (std::thread& reader : readers) {
      reader.join();
    }
    throw;
  }
  done = true;
  for (std::thread& reader : readers) {
    reader.join();
  }
  INFO(first_wrong_read);
  CHECK(wrong_reads == 0);
  INFO(reader_errors.text());
  CHECK(reader_errors.empty());
  REQUIRE(engine->background_error() == nullptr);

  // Flush what is left and let the controller finish its work, then the tree must be in shape.
  engine->force_freeze_memtable();
  while (!engine->state()->imm_memtables.empty()) {
    engine->force_flush();
  }
  while (engine->compact_once()) {
  }
  const std::shared_ptr<const LsmState> state = engine->state();
  INFO(shape(*state));
  CHECK(levels_sorted(*state));
  CHECK(state->l0_sstables.size() < 2);
  const auto& controller =
      dynamic_cast<const LeveledCompactionController&>(*engine->compaction_controller());
  const std::vector<std::uint64_t> targets = controller.target_sizes(*state);
  for (std::size_t index = 0; index + 1 < state->levels.size(); ++index) {
    std::uint64_t bytes = 0;
    for (const std::size_t id : state->levels[index].sst_ids) {
      bytes += state->sstables.at(id)->file_size();
    }
    CHECK(bytes <= targets[index]);
  }
  CHECK_FALSE(state->levels.back().sst_ids.empty());
  CHECK(scan_all(*engine) == Entries(model.begin(), model.end()));
  REQUIRE(engine->background_error() == nullptr);
}
