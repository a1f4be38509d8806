#include "mini_lsm/merge_iterator.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "mini_lsm/error.hpp"

namespace mini_lsm {

MergeIterator::MergeIterator(std::vector<std::unique_ptr<StorageIterator>> sources)
    : sources_(std::move(sources)) {
  // @lesson w1d2 MergeIterator::MergeIterator: push the index of every valid source onto heap_
  for (std::size_t source = 0; source < sources_.size(); ++source) {
    if (sources_[source] && sources_[source]->is_valid()) {
      push(source);
    }
  }
  // @lesson end
}

bool MergeIterator::comes_after(std::size_t left, std::size_t right) const {
  // @lesson w1d2 MergeIterator::comes_after: true when source `left` must come out after `right`: a
  //   bigger key, or the same key from an older (higher-index) source
  const std::string_view left_key = sources_[left]->key();
  const std::string_view right_key = sources_[right]->key();
  return left_key != right_key ? left_key > right_key : left > right;
  // @lesson end
}

void MergeIterator::push(std::size_t source) {
  heap_.push_back(source);
  // std::push_heap keeps the largest element at the front; "largest" is the one that comes
  // first, so the comparison is comes_after.
  std::push_heap(heap_.begin(), heap_.end(),
                 [this](std::size_t left, std::size_t right) { return comes_after(left, right); });
}

std::size_t MergeIterator::pop() {
  std::pop_heap(heap_.begin(), heap_.end(),
                [this](std::size_t left, std::size_t right) { return comes_after(left, right); });
  const std::size_t source = heap_.back();
  heap_.pop_back();
  return source;
}

std::string_view MergeIterator::key() const {
  // @lesson w1d2 MergeIterator::key: the key of the source at the front of heap_
  return current().key();
  // @lesson end
}

std::string_view MergeIterator::value() const {
  // @lesson w1d2 MergeIterator::value: the value of the source at the front of heap_
  return current().value();
  // @lesson end
}

bool MergeIterator::is_valid() const {
  // @lesson w1d2 MergeIterator::is_valid: valid while some source is valid, that is, heap_ is not
  //   empty
  return !heap_.empty();
  // @lesson end
}

void MergeIterator::next() {
  // @lesson w1d2 MergeIterator::next: advance every source that stands on the current key (the
  //   newest and its older duplicates), putting back the ones that stay valid
  // Copied: advancing the source it came from invalidates the view. Into a member, so that its
  // buffer is reused from entry to entry instead of allocated for each.
  current_key_.assign(key());
  while (!heap_.empty() && current().key() == current_key_) {
    const std::size_t source = pop();
    // Popped before it moves, so if next() throws the heap still only holds valid sources.
    sources_[source]->next();
    if (sources_[source]->is_valid()) {
      push(source);
    }
  }
  // @lesson end
}

std::size_t MergeIterator::num_active_iterators() const {
  std::size_t active = 0;
  for (const std::size_t source : heap_) {
    active += sources_[source]->num_active_iterators();
  }
  return active;
}

}  // namespace mini_lsm
