// One end of a key range: unbounded, or a key that is included or excluded.
#pragma once

#include <string>
#include <string_view>

namespace mini_lsm {

/// One end of a range, as in `scan(Bound::included("a"), Bound::excluded("m"))`.
class Bound {
 public:
  enum class Kind { kUnbounded, kIncluded, kExcluded };

  static Bound unbounded() { return Bound(Kind::kUnbounded, {}); }
  static Bound included(std::string_view key) { return Bound(Kind::kIncluded, key); }
  static Bound excluded(std::string_view key) { return Bound(Kind::kExcluded, key); }

  Kind kind() const { return kind_; }
  /// The bounding key; empty for an unbounded end.
  const std::string& key() const { return key_; }

 private:
  Bound(Kind kind, std::string_view key) : kind_(kind), key_(key) {}

  Kind kind_;
  std::string key_;
};

/// True when `key` is not below the range that starts at `lower`.
inline bool satisfies_lower(std::string_view key, const Bound& lower) {
  switch (lower.kind()) {
    case Bound::Kind::kIncluded:
      return key >= lower.key();
    case Bound::Kind::kExcluded:
      return key > lower.key();
    case Bound::Kind::kUnbounded:
      break;
  }
  return true;
}

/// True when `key` is not above the range that ends at `upper`.
inline bool satisfies_upper(std::string_view key, const Bound& upper) {
  switch (upper.kind()) {
    case Bound::Kind::kIncluded:
      return key <= upper.key();
    case Bound::Kind::kExcluded:
      return key < upper.key();
    case Bound::Kind::kUnbounded:
      break;
  }
  return true;
}

/// True when no key can satisfy both ends: lower above upper, or both on the same key with
/// either end excluded.
inline bool range_is_empty(const Bound& lower, const Bound& upper) {
  if (lower.kind() == Bound::Kind::kUnbounded || upper.kind() == Bound::Kind::kUnbounded) {
    return false;
  }
  if (lower.key() != upper.key()) {
    return lower.key() > upper.key();
  }
  return lower.kind() == Bound::Kind::kExcluded || upper.kind() == Bound::Kind::kExcluded;
}

}  // namespace mini_lsm
