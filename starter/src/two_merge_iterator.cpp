#include "mini_lsm/two_merge_iterator.hpp"

#include <utility>

#include "mini_lsm/error.hpp"

namespace mini_lsm {

TwoMergeIterator::TwoMergeIterator(std::unique_ptr<StorageIterator> newer,
                                   std::unique_ptr<StorageIterator> older)
    : newer_(std::move(newer)), older_(std::move(older)) {
  // TODO(w1d5): both sources may start on the same key: skip the older duplicate
  throw ::mini_lsm::NotImplemented("w1d5", "TwoMergeIterator::TwoMergeIterator");
}

void TwoMergeIterator::skip_older_duplicate() {
  // TODO(w1d5): while both are valid and stand on the same key, advance older_
  throw ::mini_lsm::NotImplemented("w1d5", "TwoMergeIterator::skip_older_duplicate");
}

bool TwoMergeIterator::newer_is_current() const {
  // TODO(w1d5): newer_ when older_ is exhausted, or when both are valid and newer_'s key is smaller
  throw ::mini_lsm::NotImplemented("w1d5", "TwoMergeIterator::newer_is_current");
}

std::string_view TwoMergeIterator::key() const {
  // TODO(w1d5): the key of the current source
  throw ::mini_lsm::NotImplemented("w1d5", "TwoMergeIterator::key");
}

std::string_view TwoMergeIterator::value() const {
  // TODO(w1d5): the value of the current source
  throw ::mini_lsm::NotImplemented("w1d5", "TwoMergeIterator::value");
}

bool TwoMergeIterator::is_valid() const {
  // TODO(w1d5): valid while either source is
  throw ::mini_lsm::NotImplemented("w1d5", "TwoMergeIterator::is_valid");
}

void TwoMergeIterator::next() {
  // TODO(w1d5): advance the current source, then skip an older duplicate of newer_'s new key
  throw ::mini_lsm::NotImplemented("w1d5", "TwoMergeIterator::next");
}

std::size_t TwoMergeIterator::num_active_iterators() const {
  return (newer_->is_valid() ? newer_->num_active_iterators() : 0) +
         (older_->is_valid() ? older_->num_active_iterators() : 0);
}

}  // namespace mini_lsm
