#include "mini_lsm/concat_iterator.hpp"

#include <utility>

#include "mini_lsm/error.hpp"

namespace mini_lsm {

SstConcatIterator::SstConcatIterator(std::vector<std::shared_ptr<const SsTable>> tables)
    : tables_(std::move(tables)) {}

SstConcatIterator SstConcatIterator::create_and_seek_to_first(
    std::vector<std::shared_ptr<const SsTable>> tables) {
  // TODO(w2d1): check that `tables` is a sorted run, then open_table(0) on its first entry
  throw ::mini_lsm::NotImplemented("w2d1", "SstConcatIterator::create_and_seek_to_first");
}

SstConcatIterator SstConcatIterator::create_and_seek_to_key(
    std::vector<std::shared_ptr<const SsTable>> tables, std::string_view key) {
  // TODO(w2d1): check the run, find the first SST whose last key is >= `key` (a binary search: the
  //   run is sorted), and open_table() it at `key`
  throw ::mini_lsm::NotImplemented("w2d1", "SstConcatIterator::create_and_seek_to_key");
}

void SstConcatIterator::open_table(std::size_t index, std::optional<std::string_view> key) {
  // TODO(w2d1): from tables_[index] on, open each SST (at `key` for the first, at its first entry
  //   for the others) until one yields a valid iterator; past the last SST, reset current_
  throw ::mini_lsm::NotImplemented("w2d1", "SstConcatIterator::open_table");
}

std::string_view SstConcatIterator::key() const {
  // TODO(w2d1): the key of the current SST's iterator
  throw ::mini_lsm::NotImplemented("w2d1", "SstConcatIterator::key");
}

std::string_view SstConcatIterator::value() const {
  // TODO(w2d1): the value of the current SST's iterator
  throw ::mini_lsm::NotImplemented("w2d1", "SstConcatIterator::value");
}

bool SstConcatIterator::is_valid() const {
  // TODO(w2d1): an SST is open (open_table() leaves current_ only on an entry)
  throw ::mini_lsm::NotImplemented("w2d1", "SstConcatIterator::is_valid");
}

void SstConcatIterator::next() {
  // TODO(w2d1): step the current SST's iterator; when it runs out, open the next SST on its first
  //   entry
  throw ::mini_lsm::NotImplemented("w2d1", "SstConcatIterator::next");
}

}  // namespace mini_lsm
