// Iterating over a sorted run: SSTs whose key ranges follow each other without overlapping.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "mini_lsm/iterator.hpp"
#include "mini_lsm/table.hpp"

namespace mini_lsm {

/// Iterates a sorted run (a level below L0) as if it were one SST. It opens one SST at a time,
/// so a scan over a level of a thousand SSTs reads blocks of one of them only (week 2 day 1).
class SstConcatIterator final : public StorageIterator {
 public:
  /// `tables` must be in ascending key order with no two key ranges overlapping (throws
  /// InvalidArgument otherwise). It may be empty: the iterator is then invalid.
  static SstConcatIterator create_and_seek_to_first(
      std::vector<std::shared_ptr<const SsTable>> tables);
  /// An iterator on the first entry whose key is >= `key` (invalid if none is), which may be in
  /// any of the SSTs.
  static SstConcatIterator create_and_seek_to_key(
      std::vector<std::shared_ptr<const SsTable>> tables, std::string_view key);

  std::string_view key() const override;
  std::string_view value() const override;
  bool is_valid() const override;
  void next() override;

 private:
  explicit SstConcatIterator(std::vector<std::shared_ptr<const SsTable>> tables);
  // Opens tables_[index] on its first entry >= `key` (its first entry when `key` is nullopt);
  // when that table has no such entry, goes on with the next table on its first entry, so the
  // iterator is either on an entry or past the last table.
  void open_table(std::size_t index, std::optional<std::string_view> key);

  std::vector<std::shared_ptr<const SsTable>> tables_;
  // The index in tables_ of the SST that current_ iterates.
  std::size_t table_index_ = 0;
  std::optional<SsTableIterator> current_;
};

}  // namespace mini_lsm
