#include "mini_lsm/memtable.hpp"

#include <utility>

#include "mini_lsm/error.hpp"

namespace mini_lsm {

MemTableIterator::MemTableIterator(std::shared_ptr<const SkipList> map, SkipList::Iterator position,
                                   Bound upper)
    : map_(std::move(map)),
      position_(position),
      upper_(std::move(upper)),
      value_(position_.valid() ? position_.value() : std::string_view()) {}

std::string_view MemTableIterator::key() const {
  // TODO(w1d1): the key under the skiplist position
  throw ::mini_lsm::NotImplemented("w1d1", "MemTableIterator::key");
}

std::string_view MemTableIterator::value() const {
  // TODO(w1d1): the value captured in value_ when the iterator reached this entry (not the
  //   skiplist's newest value, which a concurrent delete may change)
  throw ::mini_lsm::NotImplemented("w1d1", "MemTableIterator::value");
}

bool MemTableIterator::is_valid() const {
  // TODO(w1d1): valid while the skiplist position is valid and its key is within the upper bound
  throw ::mini_lsm::NotImplemented("w1d1", "MemTableIterator::is_valid");
}

void MemTableIterator::next() {
  // TODO(w1d1): advance the skiplist position, then capture the value under it in value_ (when the
  //   position is valid)
  throw ::mini_lsm::NotImplemented("w1d1", "MemTableIterator::next");
}

MemTable::MemTable(std::size_t id, std::unique_ptr<Wal> wal)
    : id_(id), map_(std::make_shared<SkipList>()), wal_(std::move(wal)) {}

void MemTable::put(std::string_view key, std::string_view value) {
  // TODO(w1d1): insert into map_ and add the key and value sizes to approximate_size_
  throw ::mini_lsm::NotImplemented("w1d1", "MemTable::put");
}

std::optional<std::string> MemTable::get(std::string_view key) const {
  // TODO(w1d1): look the key up in map_ and copy the value out
  throw ::mini_lsm::NotImplemented("w1d1", "MemTable::get");
}

MemTableIterator MemTable::scan(const Bound& lower, const Bound& upper) const {
  // TODO(w1d1): seek map_ to the first key that satisfies `lower`; the iterator stops at `upper`
  throw ::mini_lsm::NotImplemented("w1d1", "MemTable::scan");
}

std::size_t MemTable::approximate_size() const {
  // TODO(w1d1): read approximate_size_
  throw ::mini_lsm::NotImplemented("w1d1", "MemTable::approximate_size");
}

}  // namespace mini_lsm
