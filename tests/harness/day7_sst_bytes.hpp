// Bytes of week 2 day 7's checksummed SSTs and manifests, worked out by the tests themselves: a
// CRC-32C of the harness's own (the engine's crc32c() is code under test, and a stub before week 2
// day 7), little-endian integers, sealed SST sections and record frames.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mini_lsm::testing::day7 {

/// CRC-32C (Castagnoli: the reflected polynomial 0x82F63B78, initial value and final xor all
/// ones), one bit at a time. Slow and short, and it shares nothing with the engine's tables.
constexpr std::uint32_t crc32c_bitwise(std::string_view bytes) {
  std::uint32_t crc = 0xFFFFFFFF;
  for (const char c : bytes) {
    crc ^= static_cast<unsigned char>(c);
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78 : crc >> 1;
    }
  }
  return ~crc;
}
static_assert(crc32c_bitwise("123456789") == 0xE3069283);  // RFC 3720's check value

/// `value` as `count` little-endian bytes.
inline std::string little_endian(std::uint64_t value, int count) {
  std::string out;
  for (int index = 0; index < count; ++index) {
    out.push_back(static_cast<char>((value >> (8 * index)) & 0xff));
  }
  return out;
}
inline std::string le16(std::uint16_t value) {
  return little_endian(value, 2);
}
inline std::string le32(std::uint32_t value) {
  return little_endian(value, 4);
}
inline std::string le64(std::uint64_t value) {
  return little_endian(value, 8);
}

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
  return std::string(section) + le32(crc32c_bitwise(section));
}

/// The 16-byte footer of an SST: meta offset, filter offset, format version, magic "LSMT".
inline std::string sst_footer(std::uint32_t meta_offset, std::uint32_t filter_offset,
                              std::uint32_t version) {
  return le32(meta_offset) + le32(filter_offset) + le32(version) + "LSMT";
}

/// A checksummed record frame: CRC-32C of (salt u64, length u32, payload), the length (u32), the
/// payload. A manifest's frames have salt 0.
inline std::string frame(std::uint64_t salt, std::string_view payload) {
  const std::string length = le32(static_cast<std::uint32_t>(payload.size()));
  const std::string covered = le64(salt) + length + std::string(payload);
  return le32(crc32c_bitwise(covered)) + length + std::string(payload);
}

}  // namespace mini_lsm::testing::day7
