// Merging sorted iterators: the newest source wins when several hold the same key.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mini_lsm/iterator.hpp"

namespace mini_lsm {

/// Merges any number of sorted iterators into one sorted stream without duplicate keys.
///
/// `sources[0]` is the newest source. When several sources hold the same key, the entry of the
/// newest one is returned and the older entries are skipped. Tombstones are returned like any
/// other value: hiding them is the engine iterator's job.
///
/// If a source throws from next(), the exception propagates and the merge iterator must not be
/// used again (wrap it in a FusedIterator to enforce that).
class MergeIterator final : public StorageIterator {
 public:
  explicit MergeIterator(std::vector<std::unique_ptr<StorageIterator>> sources);

  std::string_view key() const override;
  std::string_view value() const override;
  bool is_valid() const override;
  void next() override;
  std::size_t num_active_iterators() const override;

 private:
  // Orders heap_ so that its front is the source with the smallest key, the newest on a tie.
  bool comes_after(std::size_t left, std::size_t right) const;
  void push(std::size_t source);
  std::size_t pop();
  const StorageIterator& current() const { return *sources_[heap_.front()]; }

  std::vector<std::unique_ptr<StorageIterator>> sources_;
  // Indexes of the sources that are still valid, as a binary heap (std::push_heap order).
  std::vector<std::size_t> heap_;
  // next()'s copy of the key it steps over (a member so that its buffer is reused).
  std::string current_key_;
};

}  // namespace mini_lsm
