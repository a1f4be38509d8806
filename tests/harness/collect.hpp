// Small helpers that turn what the engine returns into values a test can compare exactly.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "harness/printers.hpp"  // so that failing comparisons of entries print them
#include "mini_lsm/iterator.hpp"

namespace mini_lsm::testing {

using Entries = std::vector<std::pair<std::string, std::string>>;

/// Drains `iterator` into (key, value) pairs, tombstones included.
inline Entries collect(StorageIterator& iterator) {
  Entries entries;
  for (; iterator.is_valid(); iterator.next()) {
    entries.emplace_back(std::string(iterator.key()), std::string(iterator.value()));
  }
  return entries;
}

/// The key used for entry `index` of a generated data set: fixed width, so order is numeric.
inline std::string numbered_key(int index) {
  std::string digits = std::to_string(index);
  return "key" + std::string(digits.size() < 6 ? 6 - digits.size() : 0, '0') + digits;
}

}  // namespace mini_lsm::testing
