#include "mini_lsm/two_merge_iterator.hpp"

#include <utility>

#include "mini_lsm/error.hpp"

namespace mini_lsm {

TwoMergeIterator::TwoMergeIterator(std::unique_ptr<StorageIterator> newer,
                                   std::unique_ptr<StorageIterator> older)
    : newer_(std::move(newer)), older_(std::move(older)) {
  // @lesson w1d5 TwoMergeIterator::TwoMergeIterator: both sources may start on the same key: skip
  //   the older duplicate
  skip_older_duplicate();
  // @lesson end
}

void TwoMergeIterator::skip_older_duplicate() {
  // @lesson w1d5 TwoMergeIterator::skip_older_duplicate: while both are valid and stand on the same
  //   key, advance older_
  if (newer_->is_valid() && older_->is_valid() && newer_->key() == older_->key()) {
    older_->next();
  }
  // @lesson end
}

bool TwoMergeIterator::newer_is_current() const {
  // @lesson w1d5 TwoMergeIterator::newer_is_current: newer_ when older_ is exhausted, or when both
  //   are valid and newer_'s key is smaller
  if (!older_->is_valid()) {
    return true;
  }
  return newer_->is_valid() && newer_->key() < older_->key();
  // @lesson end
}

std::string_view TwoMergeIterator::key() const {
  // @lesson w1d5 TwoMergeIterator::key: the key of the current source
  return current().key();
  // @lesson end
}

std::string_view TwoMergeIterator::value() const {
  // @lesson w1d5 TwoMergeIterator::value: the value of the current source
  return current().value();
  // @lesson end
}

bool TwoMergeIterator::is_valid() const {
  // @lesson w1d5 TwoMergeIterator::is_valid: valid while either source is
  return newer_->is_valid() || older_->is_valid();
  // @lesson end
}

void TwoMergeIterator::next() {
  // @lesson w1d5 TwoMergeIterator::next: advance the current source, then skip an older duplicate
  //   of newer_'s new key
  if (newer_is_current()) {
    newer_->next();
  } else {
    older_->next();
  }
  skip_older_duplicate();
  // @lesson end
}

std::size_t TwoMergeIterator::num_active_iterators() const {
  return (newer_->is_valid() ? newer_->num_active_iterators() : 0) +
         (older_->is_valid() ? older_->num_active_iterators() : 0);
}

}  // namespace mini_lsm
