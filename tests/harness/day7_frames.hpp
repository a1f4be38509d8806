// Bytes of week 2 day 7's checksummed formats, written out by hand so that a test can build a
// file, or damage one, without asking the code under test how: little-endian integers, a WAL
// header of either version, and the damage a disk or a crash does to bytes.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "harness/format_bytes.hpp"
#include "mini_lsm/wal.hpp"

namespace mini_lsm::testing {

/// Overwrites the four bytes at `at` with `value`, little-endian: a garbled length field.
inline void overwrite_u32(std::string& bytes, std::size_t at, std::uint32_t value) {
  bytes.replace(at, 4, le32(value));
}

/// Sets the bytes [from, from + count) to zero: a page the disk lost.
inline void zero_range(std::string& bytes, std::size_t from, std::size_t count) {
  std::fill_n(bytes.begin() + static_cast<std::ptrdiff_t>(from), count, '\0');
}

/// The 16 bytes a WAL starts with: "MWAL", `version`, `id` (u64).
inline std::string wal_header_of_version(std::uint32_t version, std::uint64_t id) {
  return le32(kWalMagic) + le32(version) + le64(id);
}

/// key_len (u16) | key | value_len (u32) | value: one write, as both versions lay it out.
inline std::string hand_record(std::string_view key, std::string_view value) {
  return little_endian(key.size(), 2) + std::string(key) +
         le32(static_cast<std::uint32_t>(value.size())) + std::string(value);
}

}  // namespace mini_lsm::testing
