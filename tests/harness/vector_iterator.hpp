// Iterators over fixed data, to test the engine's merging iterators in isolation.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "harness/collect.hpp"
#include "mini_lsm/iterator.hpp"

namespace mini_lsm::testing {

/// Iterates a sorted list of entries given by the test.
class VectorIterator : public StorageIterator {
 public:
  explicit VectorIterator(Entries entries) : entries_(std::move(entries)) {}

  std::string_view key() const override { return entries_.at(position_).first; }
  std::string_view value() const override { return entries_.at(position_).second; }
  bool is_valid() const override { return position_ < entries_.size(); }
  void next() override { ++position_; }

 private:
  Entries entries_;
  std::size_t position_ = 0;
};

/// Like VectorIterator, but next() throws std::runtime_error("disk on fire") when called while
/// on entry number `throw_at` (0-based): a source whose storage fails mid-scan.
class ThrowingIterator final : public VectorIterator {
 public:
  ThrowingIterator(Entries entries, std::size_t throw_at)
      : VectorIterator(std::move(entries)), throw_at_(throw_at) {}

  void next() override {
    if (calls_++ == throw_at_) {
      throw std::runtime_error("disk on fire");
    }
    VectorIterator::next();
  }

 private:
  std::size_t throw_at_;
  std::size_t calls_ = 0;
};

}  // namespace mini_lsm::testing
