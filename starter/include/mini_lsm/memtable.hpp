// The memtable: the in-memory, sorted buffer that receives every write first.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "mini_lsm/bound.hpp"
#include "mini_lsm/iterator.hpp"
#include "mini_lsm/skiplist.hpp"
#include "mini_lsm/wal.hpp"

namespace mini_lsm {

/// Iterates the entries of one memtable inside a key range, tombstones included. It keeps the
/// memtable's map alive, so it may outlive the MemTable object it came from. The value of an
/// entry is the one it had when the iterator reached the entry: a later overwrite or delete of
/// that key does not change what value() returns (a scan that checked "not a tombstone" must
/// never then read one).
class MemTableIterator final : public StorageIterator {
 public:
  MemTableIterator(std::shared_ptr<const SkipList> map, SkipList::Iterator position, Bound upper);

  std::string_view key() const override;
  std::string_view value() const override;
  bool is_valid() const override;
  void next() override;

 private:
  std::shared_ptr<const SkipList> map_;
  SkipList::Iterator position_;
  Bound upper_;
  // The value under position_ when the iterator moved there. It points into the map, which
  // never frees a value while it lives.
  std::string_view value_;
};

/// A sorted in-memory table of key-value pairs. An empty value is a tombstone: the key was
/// deleted. Safe to use from several threads at once.
class MemTable {
 public:
  /// A memtable `id`; with `wal` (week 2 day 6), the engine appends every write to that log
  /// before putting it here.
  explicit MemTable(std::size_t id, std::unique_ptr<Wal> wal = nullptr);

  /// The id of the memtable; its SST (and, in week 2, its WAL) gets the same id.
  std::size_t id() const { return id_; }

  /// The memtable's write-ahead log, or null when the engine runs without one (week 2 day 6).
  Wal* wal() const { return wal_.get(); }

  /// Inserts `key` or overwrites its value. An empty `value` records a tombstone.
  void put(std::string_view key, std::string_view value);

  /// The latest value written for `key` in this memtable: std::nullopt when the key was never
  /// written here, an empty string when its latest write was a tombstone.
  std::optional<std::string> get(std::string_view key) const;

  /// The entries with keys inside [lower, upper], in ascending key order, tombstones included.
  MemTableIterator scan(const Bound& lower, const Bound& upper) const;

  /// Bytes of keys and values written so far, overwrites included: the number the engine
  /// compares with LsmOptions::target_sst_size to decide when to freeze.
  std::size_t approximate_size() const;

  /// True when nothing was ever written.
  bool is_empty() const { return map_->size() == 0; }

 private:
  std::size_t id_;
  std::shared_ptr<SkipList> map_;
  std::atomic<std::size_t> approximate_size_{0};
  std::unique_ptr<Wal> wal_;
};

}  // namespace mini_lsm
