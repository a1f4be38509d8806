// Randomised model testing (the idea of LevelDB's table_test harness): build a structure from
// random sorted data, keep the same data in a std::map, then make random seeks and scans of
// both and compare. Seeded, so a failure repeats; the seed is printed with every failure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <map>
#include <random>
#include <string>

#include "harness/collect.hpp"
#include "mini_lsm/bound.hpp"

namespace mini_lsm::testing {

using Model = std::map<std::string, std::string>;

/// Random keys and values over a small alphabet with NUL and 0xff bytes, so that keys often
/// share prefixes, are prefixes of each other, and compare byte by byte.
class RandomData {
 public:
  explicit RandomData(std::uint32_t seed) : random_(seed) {}

  /// A key of 0..max_length bytes (the empty key included).
  std::string key(std::size_t max_length = 12) {
    static constexpr char kAlphabet[] = {'\0', 'a', 'b', 'c', 'k', 'z', '\x7f', '\xff'};
    std::string key(below(max_length + 1), '\0');
    for (char& byte : key) {
      byte = kAlphabet[below(sizeof kAlphabet)];
    }
    return key;
  }

  /// A value of 1..max_length printable bytes (never empty: an empty value is a tombstone).
  std::string value(std::size_t max_length = 40) {
    std::string value(1 + below(max_length), '\0');
    for (char& byte : value) {
      byte = static_cast<char>('!' + below(94));
    }
    return value;
  }

  /// A uniformly random number in [0, bound).
  std::size_t below(std::size_t bound) {
    return std::uniform_int_distribution<std::size_t>(0, bound - 1)(random_);
  }

  /// An unbounded end one time in five, else an included or excluded random key.
  Bound bound() {
    switch (below(5)) {
      case 0:
        return Bound::unbounded();
      case 1:
      case 2:
        return Bound::included(key());
      default:
        return Bound::excluded(key());
    }
  }

  /// `count` distinct random keys with random values.
  Model model(std::size_t count, std::size_t max_key_length = 12) {
    Model model;
    while (model.size() < count) {
      model.emplace(key(max_key_length), value());
    }
    return model;
  }

 private:
  std::mt19937 random_;
};

/// The entries of `model` in [lower, upper].
inline Entries model_range(const Model& model, const Bound& lower, const Bound& upper) {
  Entries entries;
  auto entry = lower.kind() == Bound::Kind::kUnbounded  ? model.begin()
               : lower.kind() == Bound::Kind::kIncluded ? model.lower_bound(lower.key())
                                                        : model.upper_bound(lower.key());
  for (; entry != model.end() && satisfies_upper(entry->first, upper); ++entry) {
    entries.emplace_back(entry->first, entry->second);
  }
  return entries;
}

/// Up to `count` entries of `model` from the first key >= `key`, as a seek and nexts return them.
inline Entries model_from(const Model& model, const std::string& key, std::size_t count) {
  Entries entries;
  for (auto entry = model.lower_bound(key); entry != model.end() && entries.size() < count;
       ++entry) {
    entries.emplace_back(entry->first, entry->second);
  }
  return entries;
}

/// Up to `count` entries of `iterator` from where it stands.
inline Entries take(StorageIterator& iterator, std::size_t count) {
  Entries entries;
  for (; iterator.is_valid() && entries.size() < count; iterator.next()) {
    entries.emplace_back(std::string(iterator.key()), std::string(iterator.value()));
  }
  return entries;
}

/// A bound as text, for failure messages.
inline std::string describe(const Bound& bound) {
  switch (bound.kind()) {
    case Bound::Kind::kIncluded:
      return "included(" + escape_bytes(bound.key()) + ")";
    case Bound::Kind::kExcluded:
      return "excluded(" + escape_bytes(bound.key()) + ")";
    case Bound::Kind::kUnbounded:
      break;
  }
  return "unbounded";
}

}  // namespace mini_lsm::testing
