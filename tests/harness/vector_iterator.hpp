// Iterators over fixed data, to test the engine's merging iterators in isolation.
#pragma once

#include <algorithm>
#include <array>
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

/// Like VectorIterator, but with one key buffer that next() overwrites in place, as an iterator
/// over a file's block does: a string_view of an earlier key() then reads the current key. (The
/// buffer never moves or shrinks, so such a view reads wrong bytes, never freed memory.)
class ReusingKeyIterator final : public StorageIterator {
 public:
  explicit ReusingKeyIterator(Entries entries) : entries_(std::move(entries)) { load(); }

  std::string_view key() const override { return {buffer_.data(), length_}; }
  std::string_view value() const override { return entries_.at(position_).second; }
  bool is_valid() const override { return position_ < entries_.size(); }
  void next() override {
    ++position_;
    load();
  }

 private:
  void load() {
    length_ = 0;
    if (position_ < entries_.size()) {
      const std::string& key = entries_[position_].first;
      if (key.size() > buffer_.size()) {
        throw std::length_error("ReusingKeyIterator: key too long for its buffer");
      }
      std::copy(key.begin(), key.end(), buffer_.begin());
      length_ = key.size();
    }
  }

  Entries entries_;
  std::size_t position_ = 0;
  std::array<char, 256> buffer_{};
  std::size_t length_ = 0;
};

}  // namespace mini_lsm::testing
