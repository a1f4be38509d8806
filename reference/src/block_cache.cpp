#include "mini_lsm/block_cache.hpp"

#include "mini_lsm/error.hpp"

namespace mini_lsm {

BlockCache::BlockCache(std::size_t capacity) : capacity_(capacity) {}

std::size_t BlockCache::AddressHash::operator()(const BlockAddress& address) const {
  // Mixes the two numbers so that block 1 of SST 2 and block 2 of SST 1 land apart.
  return std::hash<std::size_t>{}(address.sst_id * 0x9E3779B97F4A7C15ULL ^ address.block_index);
}

std::shared_ptr<const Block> BlockCache::get_or_load(
    BlockAddress address, const std::function<std::shared_ptr<const Block>()>& load) {
  // @lesson w1d4 BlockCache::get_or_load: under mutex_, find_and_touch(): a hit counts in hits_; on
  //   a miss count it, call load() WITHOUT the lock (it reads a file), then insert() the block
  //   under the lock again
  {
    const std::lock_guard lock(mutex_);
    if (auto block = find_and_touch(address)) {
      ++hits_;
      return block;
    }
    ++misses_;
  }
  std::shared_ptr<const Block> block = load();
  const std::lock_guard lock(mutex_);
  insert(address, block);
  return block;
  // @lesson end
}

std::shared_ptr<const Block> BlockCache::find_and_touch(const BlockAddress& address) {
  // @lesson w1d4 BlockCache::find_and_touch: look the address up in index_; on a hit move its entry
  //   to the front of recency_ (std::list::splice) and return the block, else nullptr
  const auto found = index_.find(address);
  if (found == index_.end()) {
    return nullptr;
  }
  recency_.splice(recency_.begin(), recency_, found->second);
  return found->second->second;
  // @lesson end
}

void BlockCache::insert(const BlockAddress& address, std::shared_ptr<const Block> block) {
  // @lesson w1d4 BlockCache::insert: unless another thread cached it meanwhile or its charge()
  //   alone is over capacity_, put the block at the front of recency_ and in index_ and add its
  //   charge to bytes_, then evict from the back while bytes_ is over capacity_
  const std::size_t block_charge = charge(*block);
  if (block_charge > capacity_ || index_.contains(address)) {
    return;
  }
  recency_.emplace_front(address, std::move(block));
  index_.emplace(address, recency_.begin());
  bytes_ += block_charge;
  while (bytes_ > capacity_) {
    bytes_ -= charge(*recency_.back().second);
    index_.erase(recency_.back().first);
    recency_.pop_back();
  }
  // @lesson end
}

std::size_t BlockCache::charge(const Block& block) {
  return block.data().size() + (block.offsets().size() + 1) * sizeof(std::uint32_t);
}

std::size_t BlockCache::bytes() const {
  const std::lock_guard lock(mutex_);
  return bytes_;
}

std::size_t BlockCache::size() const {
  const std::lock_guard lock(mutex_);
  return recency_.size();
}

std::uint64_t BlockCache::hits() const {
  const std::lock_guard lock(mutex_);
  return hits_;
}

std::uint64_t BlockCache::misses() const {
  const std::lock_guard lock(mutex_);
  return misses_;
}

}  // namespace mini_lsm
