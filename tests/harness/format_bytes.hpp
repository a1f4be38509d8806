// What tests need to write out the bytes of a file format by hand: little-endian integers, and
// the harness's own CRC-32C for the checksummed formats of week 2 day 7 (the engine's crc32c() is
// code under test, and a stub before that chapter).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mini_lsm::testing {

/// `value` as `width` bytes, low byte first, appended to `out`.
inline void append_little_endian(std::string& out, std::uint64_t value, int width) {
  for (int i = 0; i < width; ++i) {
    out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
  }
}

/// `value` as its `width` little-endian bytes.
inline std::string little_endian(std::uint64_t value, int width) {
  std::string out;
  append_little_endian(out, value, width);
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

/// The `width`-byte little-endian number at `at` of `bytes` (which must hold it).
inline std::uint64_t little_endian_at(std::string_view bytes, std::size_t at, int width) {
  std::uint64_t value = 0;
  for (int i = 0; i < width; ++i) {
    value |= std::uint64_t{static_cast<unsigned char>(bytes[at + i])} << (8 * i);
  }
  return value;
}

/// CRC-32C (Castagnoli: the reflected polynomial 0x82F63B78, register starting at and finally
/// xored with 0xFFFFFFFF), one bit at a time: slow and obviously right.
constexpr std::uint32_t harness_crc32c(std::string_view bytes) {
  std::uint32_t crc = 0xFFFFFFFF;
  for (const char c : bytes) {
    crc ^= static_cast<unsigned char>(c);
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78 : crc >> 1;
    }
  }
  return ~crc;
}
// Two vectors of RFC 3720 (B.4): the harness's CRC is checked when the tests compile.
static_assert(harness_crc32c("123456789") == 0xE3069283);
static_assert(harness_crc32c(std::string_view("\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
                                              "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
                                              32)) == 0x8A9136AA);

/// A checksummed frame of week 2 day 7 (the WAL's and the manifest's format version 2):
/// checksum u32 | length u32 | payload, where the checksum is the CRC-32C of the salt (u64), the
/// length (u32) and the payload.
inline std::string checksummed_frame(std::uint64_t salt, std::string_view payload) {
  std::string covered;
  append_little_endian(covered, salt, 8);
  append_little_endian(covered, payload.size(), 4);
  covered += payload;
  std::string frame;
  append_little_endian(frame, harness_crc32c(covered), 4);
  append_little_endian(frame, payload.size(), 4);
  frame += payload;
  return frame;
}

}  // namespace mini_lsm::testing
