// Bytes of week 2 day 7's checksummed SSTs, worked out by the tests themselves (with the CRC-32C
// and the little-endian integers of format_bytes.hpp): sealed sections, footers, flipped bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "harness/format_bytes.hpp"

namespace mini_lsm::testing::day7 {

/// The little-endian u32 at `at` of `bytes`.
inline std::uint32_t u32_at(std::string_view bytes, std::size_t at) {
  std::uint32_t value = 0;
  for (std::size_t index = 4; index-- > 0;) {
    value = (value << 8) | static_cast<unsigned char>(bytes.at(at + index));
  }
  return value;
}

/// `bytes` with the byte at `at` xored with `mask`.
inline std::string flipped(std::string bytes, std::size_t at, unsigned char mask) {
  bytes.at(at) = static_cast<char>(static_cast<unsigned char>(bytes[at]) ^ mask);
  return bytes;
}

/// A section of a version-2 SST: its bytes, then their CRC-32C (u32).
inline std::string sealed(std::string_view section) {
  return std::string(section) + le32(harness_crc32c(section));
}

/// The 16-byte footer of an SST: meta offset, filter offset, format version, magic "LSMT".
inline std::string sst_footer(std::uint32_t meta_offset, std::uint32_t filter_offset,
                              std::uint32_t version) {
  return le32(meta_offset) + le32(filter_offset) + le32(version) + "LSMT";
}

}  // namespace mini_lsm::testing::day7
