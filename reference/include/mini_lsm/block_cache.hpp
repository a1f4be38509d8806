// An LRU cache of decoded blocks, shared by every SST of an engine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "mini_lsm/block.hpp"

namespace mini_lsm {

/// Which block: the id of its SST and its index in that SST.
struct BlockAddress {
  std::size_t sst_id;
  std::size_t block_index;

  bool operator==(const BlockAddress&) const = default;
};

/// Keeps the most recently used blocks, up to a fixed number of bytes. Thread safe.
class BlockCache {
 public:
  /// A cache holding blocks of at most `capacity` bytes in all, each block charged its charge()
  /// (0 caches nothing). A block bigger than the whole capacity is returned but not cached.
  explicit BlockCache(std::size_t capacity);

  /// What a block costs in the cache: the size of its encoding.
  static std::size_t charge(const Block& block);

  /// The cached block at `address`, or the one `load` returns, which is then cached and may
  /// evict the least recently used blocks; but when another thread cached the same address while
  /// `load` ran, its copy stays and the loaded one is only returned, and a block charged more
  /// than the whole capacity is never cached. `load` runs without the cache's lock held.
  std::shared_ptr<const Block> get_or_load(
      BlockAddress address, const std::function<std::shared_ptr<const Block>()>& load);

  /// The most bytes the cached blocks may be charged in all.
  std::size_t capacity() const { return capacity_; }
  /// Blocks cached now.
  std::size_t size() const;
  /// What the blocks cached now are charged in all (never above capacity()).
  std::size_t bytes() const;
  /// Lookups answered from the cache, and lookups that had to load.
  std::uint64_t hits() const;
  std::uint64_t misses() const;

 private:
  struct AddressHash {
    std::size_t operator()(const BlockAddress& address) const;
  };
  using Entry = std::pair<BlockAddress, std::shared_ptr<const Block>>;

  // Both need mutex_ held.
  std::shared_ptr<const Block> find_and_touch(const BlockAddress& address);
  void insert(const BlockAddress& address, std::shared_ptr<const Block> block);

  std::size_t capacity_;
  mutable std::mutex mutex_;
  // Most recently used first; index_ points into it.
  std::list<Entry> recency_;
  std::unordered_map<BlockAddress, std::list<Entry>::iterator, AddressHash> index_;
  // The charge of every block in recency_.
  std::size_t bytes_ = 0;
  std::uint64_t hits_ = 0;
  std::uint64_t misses_ = 0;
};

}  // namespace mini_lsm
