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
  // @lesson w1d1 MemTableIterator::key: the key under the skiplist position
  return position_.key();
  // @lesson end
}

std::string_view MemTableIterator::value() const {
  // @lesson w1d1 MemTableIterator::value: the value captured in value_ when the iterator reached
  //   this entry (not the skiplist's newest value, which a concurrent delete may change)
  return value_;
  // @lesson end
}

bool MemTableIterator::is_valid() const {
  // @lesson w1d1 MemTableIterator::is_valid: valid while the skiplist position is valid and its key
  //   is within the upper bound
  return position_.valid() && satisfies_upper(position_.key(), upper_);
  // @lesson end
}

void MemTableIterator::next() {
  // @lesson w1d1 MemTableIterator::next: advance the skiplist position, then capture the value
  //   under it in value_ (when the position is valid)
  position_.next();
  value_ = position_.valid() ? position_.value() : std::string_view();
  // @lesson end
}

MemTable::MemTable(std::size_t id, std::unique_ptr<Wal> wal)
    : id_(id), map_(std::make_shared<SkipList>()), wal_(std::move(wal)) {}

void MemTable::put(std::string_view key, std::string_view value) {
  // @lesson w1d1 MemTable::put: insert into map_ and add the key and value sizes to
  //   approximate_size_
  map_->insert(key, value);
  approximate_size_.fetch_add(key.size() + value.size(), std::memory_order_relaxed);
  // @lesson end
}

std::optional<std::string> MemTable::get(std::string_view key) const {
  // @lesson w1d1 MemTable::get: look the key up in map_ and copy the value out
  if (auto value = map_->find(key)) {
    return std::string(*value);
  }
  return std::nullopt;
  // @lesson end
}

MemTableIterator MemTable::scan(const Bound& lower, const Bound& upper) const {
  // @lesson w1d1 MemTable::scan: seek map_ to the first key that satisfies `lower`; the iterator
  //   stops at `upper`
  SkipList::Iterator position = map_->seek(lower.key());
  if (lower.kind() == Bound::Kind::kExcluded && position.valid() && position.key() == lower.key()) {
    position.next();
  }
  return MemTableIterator(map_, position, upper);
  // @lesson end
}

std::size_t MemTable::approximate_size() const {
  // @lesson w1d1 MemTable::approximate_size: read approximate_size_
  return approximate_size_.load(std::memory_order_relaxed);
  // @lesson end
}

}  // namespace mini_lsm
