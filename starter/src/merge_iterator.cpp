#include "mini_lsm/merge_iterator.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "mini_lsm/error.hpp"

namespace mini_lsm {

MergeIterator::MergeIterator(std::vector<std::unique_ptr<StorageIterator>> sources)
    : sources_(std::move(sources)) {
  // TODO(w1d2): push the index of every valid source onto heap_
  throw ::mini_lsm::NotImplemented("w1d2", "MergeIterator::MergeIterator");
}

bool MergeIterator::comes_after(std::size_t left, std::size_t right) const {
  // TODO(w1d2): true when source `left` must come out after `right`: a bigger key, or the same key
  //   from an older (higher-index) source
  throw ::mini_lsm::NotImplemented("w1d2", "MergeIterator::comes_after");
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
  // TODO(w1d2): the key of the source at the front of heap_
  throw ::mini_lsm::NotImplemented("w1d2", "MergeIterator::key");
}

std::string_view MergeIterator::value() const {
  // TODO(w1d2): the value of the source at the front of heap_
  throw ::mini_lsm::NotImplemented("w1d2", "MergeIterator::value");
}

bool MergeIterator::is_valid() const {
  // TODO(w1d2): valid while some source is valid, that is, heap_ is not empty
  throw ::mini_lsm::NotImplemented("w1d2", "MergeIterator::is_valid");
}

void MergeIterator::next() {
  // TODO(w1d2): advance every source that stands on the current key (the newest and its older
  //   duplicates), putting back the ones that stay valid
  throw ::mini_lsm::NotImplemented("w1d2", "MergeIterator::next");
}

std::size_t MergeIterator::num_active_iterators() const {
  std::size_t active = 0;
  for (const std::size_t source : heap_) {
    active += sources_[source]->num_active_iterators();
  }
  return active;
}

}  // namespace mini_lsm
