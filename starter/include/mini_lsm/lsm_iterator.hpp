// The iterators a user of the engine gets from LsmStorage::scan.
#pragma once

#include <cstddef>
#include <exception>
#include <memory>
#include <string_view>

#include "mini_lsm/bound.hpp"
#include "mini_lsm/iterator.hpp"

namespace mini_lsm {

/// The engine's view of merged data: skips tombstones (deleted keys) and stops at the upper
/// bound of the scan.
class LsmIterator final : public StorageIterator {
 public:
  LsmIterator(std::unique_ptr<StorageIterator> inner, Bound upper);

  std::string_view key() const override;
  std::string_view value() const override;
  bool is_valid() const override;
  void next() override;
  std::size_t num_active_iterators() const override;

 private:
  // Moves `inner_` forward past tombstones, so that it rests on a live entry or the end.
  void skip_deleted();

  std::unique_ptr<StorageIterator> inner_;
  Bound upper_;
};

/// A guard around any iterator that makes misuse safe:
/// - once invalid, it stays invalid, and next() does nothing;
/// - after next() threw, every later next() rethrows the same error and is_valid() is false;
/// - key() and value() on an invalid iterator throw InvalidArgument instead of reading garbage.
class FusedIterator final : public StorageIterator {
 public:
  explicit FusedIterator(std::unique_ptr<StorageIterator> inner);

  std::string_view key() const override;
  std::string_view value() const override;
  bool is_valid() const override;
  void next() override;
  std::size_t num_active_iterators() const override;

 private:
  std::unique_ptr<StorageIterator> inner_;
  // The exception the inner iterator threw, kept to rethrow; null while it never threw.
  std::exception_ptr error_;
};

}  // namespace mini_lsm
