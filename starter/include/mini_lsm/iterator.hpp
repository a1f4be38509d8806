// The interface every iterator of the engine implements: memtables, blocks, SSTs and merges.
#pragma once

#include <cstddef>
#include <string_view>

namespace mini_lsm {

/// A forward iterator over key-value pairs in ascending key order.
///
/// key() and value() may only be called while is_valid(); the views they return stay valid until
/// the next call to next(). An empty value is a tombstone (a deleted key).
class StorageIterator {
 public:
  virtual ~StorageIterator() = default;

  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  virtual bool is_valid() const = 0;
  virtual void next() = 0;
  /// How many underlying iterators are still positioned on data (1 for a leaf iterator).
  virtual std::size_t num_active_iterators() const { return 1; }
};

}  // namespace mini_lsm
