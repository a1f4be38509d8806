// Week 2 day 3: the engine with CompactionStrategy::kTiered. Flushes make tiers, compact_once()
// merges what the controller picks, tombstones go only at the bottom, tiers flushed during a
// compaction stay in front, and a model test races reads against the flush and compaction threads.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "harness/catch.hpp"
#include "harness/collect.hpp"
#include "harness/model.hpp"
#include "harness/parked_thread.hpp"
#include "harness/temp_dir.hpp"
#include "mini_lsm/bound.hpp"
#include "mini_lsm/compaction/task.hpp"
#include "mini_lsm/file_system.hpp"
#include "mini_lsm/lsm_state.hpp"
#include "mini_lsm/lsm_storage.hpp"
#include "mini_lsm/sync_point.hpp"
#include "mini_lsm/table.hpp"

using mini_lsm::Bound;
using mini_lsm::CompactionStrategy;
using mini_lsm::Level;
using mini_lsm::LsmOptions;
using mini_lsm::LsmState;
using mini_lsm::LsmStorage;
using mini_lsm::SsTable;
using mini_lsm::SsTableIterator;
using mini_lsm::TieredCompactionOptions;
using mini_lsm::testing::collect;
using mini_lsm::testing::Entries;
using mini_lsm::testing::numbered_key;
using mini_lsm::testing::ParkedThread;
using mini_lsm::testing::TempDir;

namespace {

// Only the test flushes and compacts, so every state it checks is its own.
LsmOptions stepped_tiered_options(TieredCompactionOptions tiered = {}) {
  LsmOptions options;
  options.target_sst_size = std::size_t{1} << 20;
  options.num_memtable_limit = 1000;
  options.background_compaction = false;
  options.compaction.strategy = CompactionStrategy::kTiered;
  options.compaction.tiered = tiered;
  return options;
}

std::unique_ptr<LsmStorage> open_engine(const TempDir& dir, const LsmOptions& options) {
  return LsmStorage::open(dir.path() / "db", options);
}

// Writes `entries` (an empty value deletes) into the current memtable, freezes it and flushes
// it; returns its id, which is the id of its SST and of the tier it makes.
std::size_t flush_entries(LsmStorage& engine, const Entries& entries) {
  const std::size_t id = engine.state()->memtable->id();
  for (const auto& [key, value] : entries) {
    if (value.empty()) {
      engine.del(key);
    } else {
      engine.put(key, value);
    }
  }
  engine.force_freeze_memtable();
  engine.force_flush();
  return id;
}

// Ten entries whose keys all have the same length and shape (`letter`-00 .. `letter`-09), with
// 100-byte values: SSTs of any two such batches have exactly the same size.
Entries batch(char letter) {
  Entries entries;
  for (int index = 0; index < 10; ++index) {
    entries.emplace_back(std::string(1, letter) + "-0" + std::to_string(index),
                         std::string(100, letter));
  }
  return entries;
}

Level tier(std::size_t id) {
  return Level{id, {id}};
}

Entries table_entries(std::shared_ptr<const SsTable> table) {
  auto iterator = SsTableIterator::create_and_seek_to_first(std::move(table));
  return collect(iterator);
}

Entries scan(const LsmStorage& engine, const Bound& lower = Bound::unbounded(),
             const Bound& upper = Bound::unbounded()) {
  auto iterator = engine.scan(lower, upper);
  return collect(iterator);
}

// The ids of the `<id>.sst` files in `directory`.
std::set<std::size_t> sst_files(const std::filesystem::path& directory) {
  std::set<std::size_t> ids;
  for (const auto& file : std::filesystem::directory_iterator(directory)) {
    if (file.path().extension() == ".sst") {
      ids.insert(std::stoul(file.path().stem().string()));
    }
  }
  return ids;
}

// Every SST id of every tier.
std::set<std::size_t> ssts_in_tiers(const LsmState& state) {
  std::set<std::size_t> ids;
  for (const Level& level : state.levels) {
    ids.insert(level.sst_ids.begin(), level.sst_ids.end());
  }
  return ids;
}

// The real file system, except that creating a file first reaches the sync point
// kCreatePoint with the file's name, where a test can park the creating thread.
constexpr std::string_view kCreatePoint = "day3 test: FileSystem::create";

class FileSystemWithCreatePoint final : public mini_lsm::FileSystem {
 public:
  std::unique_ptr<mini_lsm::WritableFile> create(const std::filesystem::path& path) override {
    mini_lsm::sync_point::reach(kCreatePoint, path.filename().string());
    return real_->create(path);
  }
  std::unique_ptr<mini_lsm::WritableFile> open_for_append(
      const std::filesystem::path& path) override {
    return real_->open_for_append(path);
  }
  std::unique_ptr<mini_lsm::RandomAccessFile> open_for_read(
      const std::filesystem::path& path) override {
    return real_->open_for_read(path);
  }
  void rename(const std::filesystem::path& from, const std::filesystem::path& to) override {
    real_->rename(from, to);
  }
  void remove(const std::filesystem::path& path) override { real_->remove(path); }
  void truncate(const std::filesystem::path& path, std::uint64_t size) override {
    real_->truncate(path, size);
  }
  std::vector<std::string> list(const std::filesystem::path& directory) override {
    return real_->list(directory);
  }
  bool exists(const std::filesystem::path& path) override { return real_->exists(path); }
  void create_directories(const std::filesystem::path& directory) override {
    real_->create_directories(directory);
  }
  void sync_directory(const std::filesystem::path& directory) override {
    real_->sync_directory(directory);
  }
  std::unique_ptr<mini_lsm::FileLock> lock(const std::filesystem::path& path) override {
    return real_->lock(path);
  }

 private:
  std::shared_ptr<mini_lsm::FileSystem> real_ = mini_lsm::posix_file_system();
};

}  // namespace

TEST_CASE("tiered engine: each flush makes a new tier in front, and L0 stays empty",
          "[w2d3][tiered-engine]") {
  TempDir dir;
  auto engine = open_engine(dir, stepped_tiered_options());
  CHECK(engine->state()->levels.empty());  // a tiered tree starts without levels
  const std::size_t first = flush_entries(*engine, {{"a", "1"}});
  CHECK(engine->state()->levels == std::vector<Level>{tier(first)});
  CHECK(engine->state()->l0_sstables.empty());

  const std::size_t second = flush_entries(*engine, {{"a", "2"}, {"b", "2"}});
  const std::size_t third = flush_entries(*engine, {{"b", ""}});
  CHECK(second == first + 1);
  CHECK(third == first + 2);
  const auto state = engine->state();
  CHECK(state->levels == std::vector<Level>{tier(third), tier(second), tier(first)});
  CHECK(state->l0_sstables.empty());
  CHECK(sst_files(engine->path()) == std::set<std::size_t>{first, second, third});
  CHECK(table_entries(state->sstables.at(third)) == Entries{{"b", ""}});
  CHECK(engine->get("a") == "2");
  CHECK(engine->get("b") == std::nullopt);
  CHECK(scan(*engine) == Entries{{"a", "2"}});
}

TEST_CASE("tiered engine: compact_once merges the tiers the controller picks, in their place",
          "[w2d3][tiered-engine]") {
  TempDir dir;
  auto engine = open_engine(dir, stepped_tiered_options());  // num_tiers 3, 200 %, ratio 1
  const std::size_t a = flush_entries(*engine, batch('a'));
  const std::size_t b = flush_entries(*engine, batch('b'));
  CHECK_FALSE(engine->compact_once());  // 2 tiers: fewer than num_tiers
  const std::size_t c = flush_entries(*engine, batch('c'));
  const std::size_t current = engine->state()->memtable->id();
  REQUIRE(engine->state()->levels == std::vector<Level>{tier(c), tier(b), tier(a)});

  // Three tiers of the same size: 200 % amplification, rule 1 merges them all into one SST,
  // whose id the compaction takes after the current memtable's.
  REQUIRE(engine->compact_once());
  const std::size_t abc = current + 1;
  CHECK(engine->state()->levels == std::vector<Level>{tier(abc)});
  CHECK(sst_files(engine->path()) == std::set<std::size_t>{abc});
  CHECK(engine->state()->sstables.size() == 1);
  CHECK_FALSE(engine->compact_once());

  // Two new tiers of the size of one batch above one of three: rule 2 merges the two new ones.
  const std::size_t d = flush_entries(*engine, batch('d'));
  const std::size_t e = flush_entries(*engine, batch('e'));
  CHECK(d == current);  // the memtable that was current during the compaction
  REQUIRE(engine->state()->levels == std::vector<Level>{tier(e), tier(d), tier(abc)});
  const std::size_t de = engine->state()->memtable->id() + 1;
  REQUIRE(engine->compact_once());
  CHECK(engine->state()->levels == std::vector<Level>{tier(de), tier(abc)});
  CHECK(sst_files(engine->path()) == std::set<std::size_t>{de, abc});
  CHECK(table_entries(engine->state()->sstables.at(de)).size() == 20);
  CHECK_FALSE(engine->compact_once());

  // One batch above two and three: nothing alike, so rule 3 merges the newest 3 - 3 + 2.
  flush_entries(*engine, batch('f'));
  const std::size_t def = engine->state()->memtable->id() + 1;
  REQUIRE(engine->compact_once());
  CHECK(engine->state()->levels == std::vector<Level>{tier(def), tier(abc)});
  CHECK(sst_files(engine->path()) == std::set<std::size_t>{def, abc});
  CHECK_FALSE(engine->compact_once());

  Entries expected;
  for (const char letter : {'a', 'b', 'c', 'd', 'e', 'f'}) {
    const Entries entries = batch(letter);
    expected.insert(expected.end(), entries.begin(), entries.end());
  }
  CHECK(scan(*engine) == expected);
}

TEST_CASE(
    "tiered engine: a tombstone stays until a merge takes the bottom tier, and the key "
    "never comes back",
    "[w2d3][tiered-engine]") {
  TempDir dir;
  auto engine = open_engine(dir, stepped_tiered_options());
  mini_lsm::testing::Model model;
  Entries big;  // about 10 KB: the bottom tier
  big.emplace_back("victim", "old value");
  for (int index = 0; index < 100; ++index) {
    big.emplace_back(numbered_key(index), std::string(100, 'x'));
  }
  const std::size_t bottom = flush_entries(*engine, big);
  const std::size_t deleting = flush_entries(*engine, {{"victim", ""}, {"pad-b", "b"}});
  flush_entries(*engine, {{"pad-c", std::string(200, 'c')}});  // bigger than the delete's tier
  const std::size_t merged = engine->state()->memtable->id() + 1;

  // The two small tiers are alike (rule 2), the big one is far bigger: it is not taken, so the
  // merge must keep the tombstone, or the old value below would come back.
  REQUIRE(engine->compact_once());
  CHECK(engine->state()->levels == std::vector<Level>{tier(merged), tier(bottom)});
  CHECK(table_entries(engine->state()->sstables.at(merged)) ==
        Entries{{"pad-b", "b"}, {"pad-c", std::string(200, 'c')}, {"victim", ""}});
  CHECK(engine->get("victim") == std::nullopt);
  CHECK_FALSE(std::filesystem::exists(engine->sst_path(deleting)));

  // A tier three times the bottom one: 300 % amplification, so every tier is merged, the bottom
  // one included, and the tombstone goes with the value it hid.
  Entries huge;
  for (int index = 100; index < 400; ++index) {
    huge.emplace_back(numbered_key(index), std::string(100, 'y'));
  }
  flush_entries(*engine, huge);
  const std::size_t all = engine->state()->memtable->id() + 1;
  REQUIRE(engine->compact_once());
  CHECK(engine->state()->levels == std::vector<Level>{tier(all)});
  const Entries stored = table_entries(engine->state()->sstables.at(all));
  CHECK(stored.size() == 402);  // 400 numbered keys and the two pads: no "victim" at all
  for (const auto& [key, value] : stored) {
    CHECK(key != "victim");
  }
  CHECK(engine->get("victim") == std::nullopt);
  CHECK(engine->get(numbered_key(0)) == std::string(100, 'x'));
  CHECK(engine->get(numbered_key(399)) == std::string(100, 'y'));
  CHECK(scan(*engine, Bound::included("v"), Bound::unbounded()).empty());
}

TEST_CASE("tiered engine: tiers flushed while a compaction merges stay in front of its output",
          "[w2d3][tiered-engine][concurrency]") {
  TempDir dir;
  LsmOptions options = stepped_tiered_options();
  options.file_system = std::make_shared<FileSystemWithCreatePoint>();
  auto engine = open_engine(dir, options);
  const std::size_t a = flush_entries(*engine, batch('a'));
  const std::size_t b = flush_entries(*engine, batch('b'));
  const std::size_t c = flush_entries(*engine, batch('c'));
  const std::size_t current = engine->state()->memtable->id();
  const std::size_t output = current + 1;

  // Park the compaction as it creates its output SST, and flush two memtables meanwhile.
  std::future<void> compaction;  // declared first: waited for after `parked` let it go
  bool compacted = false;
  ParkedThread parked(kCreatePoint, std::to_string(output) + ".sst.tmp");
  compaction = std::async(std::launch::async, [&] { compacted = engine->compact_once(); });
  REQUIRE(parked.wait_until_parked(compaction, std::chrono::seconds(10)));
  const std::size_t d = flush_entries(*engine, {{"a-00", "newer"}});
  const std::size_t e = flush_entries(*engine, {{"b-00", "newest"}});
  CHECK(engine->state()->levels == std::vector<Level>{tier(e), tier(d), tier(c), tier(b), tier(a)});

  parked.release();
  compaction.get();
  CHECK(compacted);
  CHECK(engine->state()->levels == std::vector<Level>{tier(e), tier(d), tier(output)});
  CHECK(sst_files(engine->path()) == std::set<std::size_t>{e, d, output});
  CHECK(engine->get("a-00") == "newer");
  CHECK(engine->get("b-00") == "newest");
  CHECK(engine->get("c-00") == std::string(100, 'c'));
  CHECK(scan(*engine).size() == 30);
}

TEST_CASE("tiered engine: force_full_compaction merges every tier into one at the bottom",
          "[w2d3][tiered-engine]") {
  TempDir dir;
  auto engine = open_engine(dir, stepped_tiered_options(TieredCompactionOptions{10, 200, 1, 2, 0}));
  const std::size_t a = flush_entries(*engine, {{"a", "1"}, {"gone", "x"}});
  const std::size_t b = flush_entries(*engine, {{"a", "2"}, {"gone", ""}});
  REQUIRE(engine->state()->levels == std::vector<Level>{tier(b), tier(a)});
  const std::size_t output = engine->state()->memtable->id() + 1;
  engine->force_full_compaction();
  CHECK(engine->state()->levels == std::vector<Level>{tier(output)});
  CHECK(table_entries(engine->state()->sstables.at(output)) == Entries{{"a", "2"}});
  CHECK(sst_files(engine->path()) == std::set<std::size_t>{output});
}

TEST_CASE(
    "tiered engine model test: random writes and reads while the flush and compaction "
    "threads run",
    "[w2d3][tiered-engine][model][concurrency]") {
  for (std::uint32_t seed = 1; seed <= 2; ++seed) {
    INFO("seed " << seed);
    mini_lsm::testing::RandomData data(seed);
    TempDir dir;
    LsmOptions options;
    options.target_sst_size = 256 + data.below(768);  // a freeze every few puts
    options.block_size = 64 + data.below(256);
    options.num_memtable_limit = 1;  // the flush thread flushes all but one frozen memtable
    options.compaction.strategy = CompactionStrategy::kTiered;
    options.compaction.tiered = TieredCompactionOptions{2 + data.below(3), 100 + data.below(200),
                                                        data.below(5), 2, data.below(2) * 3};
    auto engine = open_engine(dir, options);

    // Keys that nothing changes once written: the reader thread checks them while the writer,
    // the flush thread and the compaction thread change everything around them. The writer's
    // random keys never start with 's'.
    mini_lsm::testing::Model model;
    std::map<std::string, std::string> stable;
    for (int index = 0; index < 40; ++index) {
      stable.emplace("stable" + numbered_key(index), "value" + std::to_string(index));
    }
    for (const auto& [key, value] : stable) {
      engine->put(key, value);
      model[key] = value;
    }

    std::atomic<std::size_t> reader_errors{0};
    std::atomic<std::size_t> reads{0};
    std::string first_reader_error;  // written by the reader only, read after it is joined
    std::jthread reader([&](std::stop_token stop) {
      mini_lsm::testing::RandomData picks(seed + 100);
      const auto fail = [&](std::string what) {
        if (reader_errors.fetch_add(1) == 0) {
          first_reader_error = std::move(what);
        }
      };
      try {
        while (!stop.stop_requested()) {
          auto entry = stable.begin();
          std::advance(entry, static_cast<std::ptrdiff_t>(picks.below(stable.size())));
          if (engine->get(entry->first) != entry->second) {
            fail("get(" + entry->first + ") lost its value");
          }
          Entries stable_seen;
          std::string previous;
          bool first = true;
          for (const auto& [key, value] : scan(*engine)) {
            if (!first && key <= previous) {
              fail("scan returned " + key + " after " + previous);
            }
            if (value.empty()) {
              fail("scan returned the tombstone of " + key);
            }
            if (stable.contains(key)) {
              stable_seen.emplace_back(key, value);
            }
            previous = key;
            first = false;
          }
          if (stable_seen != Entries(stable.begin(), stable.end())) {
            fail("a scan lost or changed a stable key");
          }
          reads.fetch_add(1);
        }
      } catch (const std::exception& error) {
        fail(std::string("the reader caught: ") + error.what());
      }
    });

    for (int step = 0; step < 1500; ++step) {
      const std::size_t action = data.below(100);
      const std::string key = data.key(3);
      if (action < 55) {
        const std::string value = data.value(60);
        engine->put(key, value);
        model[key] = value;
      } else if (action < 72) {
        engine->del(key);
        model.erase(key);
      } else if (action < 92) {
        INFO("step " << step << ": get " << mini_lsm::testing::escape_bytes(key));
        const auto found = model.find(key);
        CHECK(engine->get(key) ==
              (found == model.end() ? std::nullopt : std::optional<std::string>(found->second)));
      } else {
        const Bound lower = data.bound();
        const Bound upper = data.bound();
        INFO("step " << step << ": scan " << mini_lsm::testing::describe(lower) << " .. "
                     << mini_lsm::testing::describe(upper));
        CHECK(scan(*engine, lower, upper) == mini_lsm::testing::model_range(model, lower, upper));
      }
    }

    // Let the threads finish their work: at most num_memtable_limit frozen memtables, and no
    // task left for the controller. A failed background flush or compaction ends the wait.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    const auto settled = [&] {
      const auto state = engine->state();
      return state->imm_memtables.size() <= options.num_memtable_limit &&
             !engine->compaction_controller()->generate_task(*state).has_value();
    };
    while (!settled() && engine->background_error() == nullptr &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
    reader.request_stop();
    reader.join();
    CHECK(reader_errors.load() == 0);
    CHECK(first_reader_error.empty());
    CHECK(reads.load() > 0);
    REQUIRE(engine->background_error() == nullptr);
    REQUIRE(settled());

    const auto state = engine->state();
    const std::size_t trigger = std::max<std::size_t>(options.compaction.tiered.num_tiers, 2);
    CHECK(state->levels.size() < trigger);
    CHECK(state->l0_sstables.empty());
    // Many memtables were flushed, so compactions merged tiers.
    CHECK(state->memtable->id() > 3 * trigger);
    CHECK(scan(*engine) == Entries(model.begin(), model.end()));
    // close() stops the compaction thread, which may still be deleting the input files of its
    // last compaction, then flushes the memtables into new tiers. After it, every SST of the
    // state is in exactly one tier and on disk, and every other file is gone.
    engine->close();
    const auto closed = engine->state();
    CHECK(ssts_in_tiers(*closed).size() == closed->sstables.size());
    CHECK(sst_files(engine->path()) == ssts_in_tiers(*closed));
    CHECK(scan(*engine) == Entries(model.begin(), model.end()));
  }
}
