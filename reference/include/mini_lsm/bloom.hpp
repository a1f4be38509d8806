// Bloom filters: a compact answer to "could this SST hold this key?".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mini_lsm {

/// A Bloom filter over 32-bit key hashes. may_contain() never says no for a key that was added
/// (no false negatives) and says yes for a key that was not with a small probability (about 1%
/// at 10 bits per key).
///
/// Encoding: the bit array, then the number of probes k (u8). Bit i is bit (i % 8) of byte i / 8.
/// The filter has no magic number or version of its own: it is only ever stored as a section of
/// an SST, and the SST footer's format version (kSstFormatVersion) fixes the layout of every
/// section, this one included, so one number says which layout the whole file has.
class Bloom {
 public:
  /// The hash of a key that build() and may_contain() take.
  static std::uint32_t hash(std::string_view key);

  /// A filter over `key_hashes` using about `bits_per_key` bits per key (at least 64 bits in
  /// all) and the number of probes that minimises false positives for that size.
  static Bloom build(const std::vector<std::uint32_t>& key_hashes, std::size_t bits_per_key);

  std::string encode() const;
  /// Parses bytes written by encode(); bad bytes throw Corruption naming `file` and `offset`.
  static Bloom decode(std::string_view bytes, std::string_view file = "bloom filter",
                      std::uint64_t file_offset = 0);

  /// False only if the key with this hash was certainly not added.
  bool may_contain(std::uint32_t key_hash) const;

  std::size_t num_bits() const { return bits_.size() * 8; }
  std::size_t num_probes() const { return num_probes_; }

 private:
  Bloom(std::string bits, std::size_t num_probes)
      : bits_(std::move(bits)), num_probes_(num_probes) {}

  std::string bits_;
  std::size_t num_probes_;
};

}  // namespace mini_lsm
