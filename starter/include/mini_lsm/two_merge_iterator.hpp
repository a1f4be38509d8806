// Merging two sorted iterators of different kinds: the memtables and the SSTs.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "mini_lsm/iterator.hpp"

namespace mini_lsm {

/// Merges a newer and an older sorted iterator. On equal keys the newer entry wins and the older
/// one is skipped. Cheaper than a MergeIterator when there are exactly two sources.
class TwoMergeIterator final : public StorageIterator {
 public:
  TwoMergeIterator(std::unique_ptr<StorageIterator> newer, std::unique_ptr<StorageIterator> older);

  std::string_view key() const override;
  std::string_view value() const override;
  bool is_valid() const override;
  void next() override;
  std::size_t num_active_iterators() const override;

 private:
  // Advances `older_` past the key `newer_` stands on, so that a key is never returned twice.
  void skip_older_duplicate();
  // True when the current entry comes from `newer_`.
  bool newer_is_current() const;
  const StorageIterator& current() const { return newer_is_current() ? *newer_ : *older_; }

  std::unique_ptr<StorageIterator> newer_;
  std::unique_ptr<StorageIterator> older_;
};

}  // namespace mini_lsm
