// Week 1 day 4: the LRU block cache, alone and shared by SSTs, from one thread and from several.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "harness/catch.hpp"
#include "harness/collect.hpp"
#include "harness/temp_dir.hpp"
#include "mini_lsm/block.hpp"
#include "mini_lsm/block_cache.hpp"
#include "mini_lsm/table.hpp"

using mini_lsm::Block;
using mini_lsm::BlockAddress;
using mini_lsm::BlockBuilder;
using mini_lsm::BlockCache;
using mini_lsm::BlockIterator;
using mini_lsm::SsTable;
using mini_lsm::SsTableBuilder;
using mini_lsm::SsTableIterator;
using mini_lsm::testing::collect;
using mini_lsm::testing::Entries;
using mini_lsm::testing::numbered_key;
using mini_lsm::testing::TempDir;

namespace {

// A block of one entry whose key names the address it was loaded for.
std::shared_ptr<const Block> block_for(const BlockAddress& address) {
  BlockBuilder builder(4096);
  const bool added = builder.add(
      "sst" + std::to_string(address.sst_id) + "-block" + std::to_string(address.block_index), "v");
  REQUIRE(added);
  return std::make_shared<const Block>(builder.build());
}

// What every block of block_for() costs in the cache (their keys all have the same length for
// one-digit ids and indexes).
std::size_t block_charge() {
  return BlockCache::charge(*block_for({1, 0}));
}

// A cache with room for exactly `blocks` blocks of block_for(), and not one byte more.
std::size_t room_for(std::size_t blocks) {
  return blocks * block_charge();
}

std::string first_key(const std::shared_ptr<const Block>& block) {
  return block->entry(0).key;
}

// Calls get_or_load and counts how often the cache had to load.
class CountingLoader {
 public:
  explicit CountingLoader(BlockCache& cache) : cache_(cache) {}

  std::shared_ptr<const Block> get(std::size_t sst_id, std::size_t block_index) {
    const BlockAddress address{sst_id, block_index};
    return cache_.get_or_load(address, [&] {
      ++loads_;
      return block_for(address);
    });
  }
  int loads() const { return loads_; }

 private:
  BlockCache& cache_;
  int loads_ = 0;
};

std::shared_ptr<SsTable> build_table(const TempDir& dir, std::size_t id,
                                     std::shared_ptr<BlockCache> cache, const Entries& entries) {
  SsTableBuilder builder(64);
  for (const auto& [key, value] : entries) {
    builder.add(key, value);
  }
  return builder.build(id, std::move(cache), dir.path() / (std::to_string(id) + ".sst"));
}

Entries numbered_entries(int count, const std::string& tag) {
  Entries entries;
  for (int i = 0; i < count; ++i) {
    entries.emplace_back(numbered_key(i), tag + std::to_string(i));
  }
  return entries;
}

}  // namespace

TEST_CASE("block cache loads a block once, then answers from the cache", "[w1d4][cache]") {
  BlockCache cache(room_for(4));
  CountingLoader loader(cache);
  CHECK(cache.capacity() == room_for(4));
  CHECK(cache.size() == 0);
  CHECK(cache.bytes() == 0);

  auto first = loader.get(1, 0);
  CHECK(loader.loads() == 1);
  CHECK(first_key(first) == "sst1-block0");
  CHECK(cache.misses() == 1);
  CHECK(cache.hits() == 0);
  CHECK(cache.size() == 1);
  CHECK(cache.bytes() == block_charge());

  auto again = loader.get(1, 0);
  CHECK(loader.loads() == 1);
  CHECK(again == first);  // the very block cached, not a copy
  CHECK(cache.hits() == 1);
  CHECK(cache.misses() == 1);
  CHECK(cache.size() == 1);
}

TEST_CASE("block cache tells apart blocks of different SSTs and indexes", "[w1d4][cache]") {
  BlockCache cache(room_for(8));
  CountingLoader loader(cache);
  CHECK(first_key(loader.get(1, 2)) == "sst1-block2");
  CHECK(first_key(loader.get(2, 1)) == "sst2-block1");
  CHECK(first_key(loader.get(1, 1)) == "sst1-block1");
  CHECK(first_key(loader.get(2, 2)) == "sst2-block2");
  CHECK(loader.loads() == 4);
  CHECK(cache.size() == 4);
  CHECK(first_key(loader.get(2, 1)) == "sst2-block1");
  CHECK(first_key(loader.get(1, 2)) == "sst1-block2");
  CHECK(loader.loads() == 4);
  CHECK(cache.hits() == 2);
  CHECK(cache.misses() == 4);
}

TEST_CASE("block cache evicts the least recently used block", "[w1d4][cache]") {
  BlockCache cache(room_for(2));
  CountingLoader loader(cache);
  loader.get(1, 0);  // A
  loader.get(1, 1);  // B
  loader.get(1, 0);  // touch A: B is now the least recently used
  CHECK(loader.loads() == 2);
  loader.get(1, 2);  // C evicts B
  CHECK(loader.loads() == 3);
  CHECK(cache.size() == 2);

  loader.get(1, 0);  // A is still cached
  loader.get(1, 2);  // so is C
  CHECK(loader.loads() == 3);
  CHECK(cache.hits() == 3);
  CHECK(cache.misses() == 3);

  auto b = loader.get(1, 1);  // B was evicted: loaded again, evicting A (C was used after A)
  CHECK(loader.loads() == 4);
  CHECK(first_key(b) == "sst1-block1");
  loader.get(1, 2);
  CHECK(loader.loads() == 4);
  loader.get(1, 0);
  CHECK(loader.loads() == 5);
  CHECK(cache.size() == 2);
  CHECK(cache.hits() == 4);
  CHECK(cache.misses() == 5);
}

TEST_CASE("block cache of capacity 0 caches nothing", "[w1d4][cache]") {
  BlockCache cache(0);
  CountingLoader loader(cache);
  for (int i = 0; i < 3; ++i) {
    CHECK(first_key(loader.get(5, 7)) == "sst5-block7");
  }
  CHECK(loader.loads() == 3);
  CHECK(cache.size() == 0);
  CHECK(cache.hits() == 0);
  CHECK(cache.misses() == 3);
}

TEST_CASE("block cache never holds more bytes than its capacity", "[w1d4][cache]") {
  BlockCache cache(room_for(3) + block_charge() - 1);  // not quite room for a fourth block
  CountingLoader loader(cache);
  for (std::size_t i = 0; i < 10; ++i) {
    loader.get(1, i);
    CHECK(cache.size() == std::min<std::size_t>(i + 1, 3));
    CHECK(cache.bytes() == cache.size() * block_charge());
  }
  // Exactly the three most recent ones are left.
  loader.get(1, 9);
  loader.get(1, 8);
  loader.get(1, 7);
  CHECK(loader.loads() == 10);
  loader.get(1, 6);
  CHECK(loader.loads() == 11);
  CHECK(cache.hits() == 3);
  CHECK(cache.misses() == 11);
}

TEST_CASE("block cache caches nothing when the load throws", "[w1d4][cache]") {
  BlockCache cache(room_for(2));
  CHECK_THROWS_AS(cache.get_or_load({1, 0},
                                    []() -> std::shared_ptr<const Block> {
                                      throw std::runtime_error("disk on fire");
                                    }),
                  std::runtime_error);
  CHECK(cache.size() == 0);
  // The lookup had to load, so it counts as a miss even though the load failed.
  CHECK(cache.misses() == 1);
  CHECK(cache.hits() == 0);
  CountingLoader loader(cache);
  CHECK(first_key(loader.get(1, 0)) == "sst1-block0");
  CHECK(loader.loads() == 1);
  CHECK(cache.size() == 1);
  CHECK(cache.misses() == 2);
}

TEST_CASE("sst read_block_cached through a shared cache counts hits and misses",
          "[w1d4][cache][sst]") {
  TempDir dir;
  auto cache = std::make_shared<BlockCache>(std::size_t{1} << 20);
  const Entries first_entries = numbered_entries(30, "first");
  const Entries second_entries = numbered_entries(30, "second");
  auto first = build_table(dir, 1, cache, first_entries);
  auto second = build_table(dir, 2, cache, second_entries);
  REQUIRE(first->num_blocks() > 2);
  REQUIRE(first->num_blocks() == second->num_blocks());
  const auto baseline_hits = cache->hits();
  const auto baseline_misses = cache->misses();

  auto block = first->read_block_cached(1);
  CHECK(cache->misses() == baseline_misses + 1);
  CHECK(cache->hits() == baseline_hits);
  auto again = first->read_block_cached(1);
  CHECK(again == block);
  CHECK(cache->hits() == baseline_hits + 1);
  CHECK(cache->misses() == baseline_misses + 1);

  // Block 1 of the other SST is another block: a miss, with that SST's entries.
  auto other = second->read_block_cached(1);
  CHECK(cache->misses() == baseline_misses + 2);
  CHECK(other->entry(0).key == block->entry(0).key);
  CHECK(std::string(other->entry(0).value).rfind("second", 0) == 0);
  CHECK(std::string(block->entry(0).value).rfind("first", 0) == 0);
}

TEST_CASE("sst iterator reads its blocks through the cache", "[w1d4][cache][sst]") {
  TempDir dir;
  auto cache = std::make_shared<BlockCache>(std::size_t{1} << 20);
  const Entries entries = numbered_entries(40, "value");
  auto table = build_table(dir, 1, cache, entries);
  const std::size_t blocks = table->num_blocks();
  REQUIRE(blocks > 2);
  const auto baseline_hits = cache->hits();
  const auto baseline_misses = cache->misses();

  auto iterator = SsTableIterator::create_and_seek_to_first(table);
  CHECK(collect(iterator) == entries);
  CHECK(cache->hits() + cache->misses() == baseline_hits + baseline_misses + blocks);
  CHECK(cache->size() == blocks);

  const auto hits_before = cache->hits();
  const auto misses_before = cache->misses();
  auto second = SsTableIterator::create_and_seek_to_first(table);
  CHECK(collect(second) == entries);
  CHECK(cache->hits() == hits_before + blocks);
  CHECK(cache->misses() == misses_before);
}

TEST_CASE("sst read_block_cached without a cache reads the block", "[w1d4][cache][sst]") {
  TempDir dir;
  const Entries entries = numbered_entries(30, "v");
  auto table = build_table(dir, 1, nullptr, entries);
  REQUIRE(table->num_blocks() > 1);
  auto block = table->read_block_cached(1);
  auto direct = table->read_block(1);
  CHECK(block->data() == direct->data());
  CHECK(block->offsets() == direct->offsets());
}

TEST_CASE("block cache get_or_load from several threads returns the right blocks",
          "[w1d4][cache][concurrency]") {
  // Smaller than the working set, so threads also evict each other's blocks.
  BlockCache cache(room_for(8));
  constexpr int kThreads = 6;
  constexpr int kRounds = 400;
  std::atomic<int> wrong{0};
  std::atomic<int> loads{0};
  std::mutex error_mutex;
  std::exception_ptr error;  // the last exception a thread threw, rethrown after the join
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      try {
        for (int round = 0; round < kRounds; ++round) {
          const BlockAddress address{static_cast<std::size_t>((round + t) % 3),
                                     static_cast<std::size_t>((round * 7 + t) % 5)};
          auto block = cache.get_or_load(address, [&] {
            loads.fetch_add(1);
            BlockBuilder builder(4096);
            (void)builder.add("sst" + std::to_string(address.sst_id) + "-block" +
                                  std::to_string(address.block_index),
                              "v");
            return std::make_shared<const Block>(builder.build());
          });
          const std::string expected = "sst" + std::to_string(address.sst_id) + "-block" +
                                       std::to_string(address.block_index);
          if (block == nullptr || block->entry(0).key != expected) {
            wrong.fetch_add(1);
          }
          (void)cache.size();
        }
      } catch (...) {
        const std::lock_guard<std::mutex> lock(error_mutex);
        error = std::current_exception();
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  if (error) {
    std::rethrow_exception(error);
  }
  CHECK(wrong.load() == 0);
  CHECK(cache.hits() + cache.misses() == std::uint64_t{kThreads * kRounds});
  CHECK(cache.misses() == static_cast<std::uint64_t>(loads.load()));
  CHECK(cache.size() <= 8);
  CHECK(cache.size() > 0);
  CHECK(cache.bytes() == cache.size() * block_charge());
}

namespace {

// A block of one entry with a value of `value_size` bytes.
std::shared_ptr<const Block> big_block(std::size_t value_size, const std::string& key) {
  BlockBuilder builder(4096);
  const bool added = builder.add(key, std::string(value_size, 'x'));
  REQUIRE(added);
  return std::make_shared<const Block>(builder.build());
}

// How long a test waits for another thread that must finish at once. Generous, so that a slow
// machine never fails it; reached only when the cache is wrong, and then the test fails with a
// message instead of hanging.
constexpr std::chrono::seconds kDeadlockTimeout{10};

// The loader of a block that must be cached already.
std::shared_ptr<const Block> must_not_load() {
  throw std::logic_error("the block was cached, but the cache loaded it again");
}

}  // namespace

TEST_CASE("block cache counts bytes, so a few big blocks cannot blow past its capacity",
          "[w1d4][cache]") {
  const auto big = big_block(1 << 20, "big");  // a 1 MiB value: the largest the engine allows
  const std::size_t charge = BlockCache::charge(*big);
  REQUIRE(charge > std::size_t{1} << 20);
  BlockCache cache(2 * charge + charge / 2);  // room for two such blocks, not three

  for (std::size_t index = 0; index < 5; ++index) {
    cache.get_or_load({1, index}, [&] { return big; });
    CHECK(cache.size() == std::min<std::size_t>(index + 1, 2));
    CHECK(cache.bytes() == cache.size() * charge);
    CHECK(cache.bytes() <= cache.capacity());
  }
  CHECK(cache.misses() == 5);
  // The two most recent blocks are the ones left.
  cache.get_or_load({1, 4}, must_not_load);
  cache.get_or_load({1, 3}, must_not_load);
  CHECK(cache.hits() == 2);
}

TEST_CASE("block cache evicts as many small blocks as a big one needs", "[w1d4][cache]") {
  const std::size_t small_charge = block_charge();
  const auto big = big_block(10 * small_charge, "big");
  const std::size_t big_charge = BlockCache::charge(*big);
  REQUIRE(big_charge > 3 * small_charge);
  REQUIRE(big_charge < 10 * small_charge + 64);
  BlockCache cache(10 * small_charge + 64);
  CountingLoader loader(cache);
  for (std::size_t index = 0; index < 10; ++index) {
    loader.get(1, index);
  }
  REQUIRE(cache.size() == 10);
  REQUIRE(cache.bytes() == 10 * small_charge);

  auto returned = cache.get_or_load({2, 0}, [&] { return big; });
  CHECK(returned == big);
  // Only as many of the least recently used small blocks go as make room for the big one.
  const std::size_t small_left = (cache.capacity() - big_charge) / small_charge;
  CHECK(cache.size() == 1 + small_left);
  CHECK(cache.bytes() == big_charge + small_left * small_charge);
  for (std::size_t index = 10 - small_left; index < 10; ++index) {
    loader.get(1, index);
  }
  CHECK(loader.loads() == 10);  // the newest small blocks were kept
  loader.get(1, 0);
  CHECK(loader.loads() == 11);  // the oldest one was evicted
}

TEST_CASE("block cache returns a block bigger than its capacity without caching it",
          "[w1d4][cache]") {
  BlockCache cache(room_for(2));
  CountingLoader loader(cache);
  loader.get(1, 0);
  loader.get(1, 1);
  const auto big = big_block(4 * block_charge(), "big");
  REQUIRE(BlockCache::charge(*big) > cache.capacity());

  CHECK(cache.get_or_load({2, 0}, [&] { return big; }) == big);
  CHECK(cache.get_or_load({2, 0}, [&] { return big; }) == big);
  CHECK(cache.misses() == 4);  // never cached, so loaded both times
  // And it did not push out the blocks that fit.
  CHECK(cache.size() == 2);
  CHECK(cache.bytes() == room_for(2));
  loader.get(1, 0);
  loader.get(1, 1);
  CHECK(loader.loads() == 2);
}

TEST_CASE("block cache does not hold its lock while a block loads", "[w1d4][cache][concurrency]") {
  BlockCache cache(room_for(4));
  bool other_finished = false;
  std::shared_ptr<const Block> other_block;
  // Outside the load, so that waiting for it at the end of the test happens after the load.
  std::future<std::shared_ptr<const Block>> other;
  const auto block = cache.get_or_load({1, 0}, [&] {
    // While this load runs, another thread uses the cache. With the lock held during the load it
    // would wait for this load, which waits for it: a deadlock, cut short by the timeout.
    other = std::async(std::launch::async, [&] {
      return cache.get_or_load({1, 1}, [] { return block_for({1, 1}); });
    });
    other_finished = other.wait_for(kDeadlockTimeout) == std::future_status::ready;
    if (other_finished) {
      other_block = other.get();
    }
    return block_for({1, 0});  // if `other` is stuck, it finishes once the cache lets it in
  });
  INFO(
      "another thread's get_or_load did not finish while a load ran: the cache holds its lock "
      "while it loads (the load reads a file: every reader would wait for it)");
  REQUIRE(other_finished);
  CHECK(first_key(block) == "sst1-block0");
  CHECK(first_key(other_block) == "sst1-block1");
  CHECK(cache.size() == 2);
  CHECK(cache.misses() == 2);
  CHECK(cache.hits() == 0);
}

TEST_CASE("block cache keeps one copy of a block that another thread cached during the load",
          "[w1d4][cache][concurrency]") {
  BlockCache cache(room_for(2));
  std::shared_ptr<const Block> cached_first;
  std::future<std::shared_ptr<const Block>> other;  // outlives the load, as above
  const auto loaded_late = cache.get_or_load({1, 0}, [&] {
    // Another thread misses the same block too, loads it and caches it before this load ends.
    other = std::async(std::launch::async, [&] {
      return cache.get_or_load({1, 0}, [] { return block_for({1, 0}); });
    });
    if (other.wait_for(kDeadlockTimeout) == std::future_status::ready) {
      cached_first = other.get();
    }
    return block_for({1, 0});
  });
  INFO(
      "another thread's get_or_load did not finish while a load ran: the cache holds its lock "
      "while it loads");
  REQUIRE(cached_first != nullptr);
  REQUIRE(loaded_late != cached_first);  // two loads, two blocks
  CHECK(first_key(loaded_late) == "sst1-block0");
  CHECK(cache.misses() == 2);
  CHECK(cache.hits() == 0);
  // One entry for the address, charged once.
  CHECK(cache.size() == 1);
  CHECK(cache.bytes() == block_charge());

  // The copy cached first stays the cached one, and is found.
  CHECK(cache.get_or_load({1, 0}, must_not_load) == cached_first);
  CHECK(cache.hits() == 1);

  // Evicting it leaves no stale entry behind: two newer blocks push it out, and the next lookup
  // of its address loads it again, once.
  CountingLoader loader(cache);
  loader.get(1, 1);
  loader.get(1, 2);
  CHECK(cache.size() == 2);
  CHECK(cache.bytes() == room_for(2));
  CHECK(first_key(loader.get(1, 0)) == "sst1-block0");
  CHECK(loader.loads() == 3);
  CHECK(cache.size() == 2);
  CHECK(cache.bytes() == room_for(2));
  loader.get(1, 0);
  loader.get(1, 2);
  CHECK(loader.loads() == 3);
  loader.get(1, 1);  // evicted by block 0's return
  CHECK(loader.loads() == 4);
  CHECK(cache.size() == 2);
  CHECK(cache.misses() == 6);
  CHECK(cache.hits() == 3);
}
