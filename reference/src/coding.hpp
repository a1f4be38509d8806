// Little-endian integers in byte strings, and a reader that never reads past its input
// (provided: the lessons are about layouts, not about byte shuffling).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "mini_lsm/error.hpp"

namespace mini_lsm {

inline void put_u8(std::string& out, std::uint8_t value) {
  out.push_back(static_cast<char>(value));
}

inline void put_u16(std::string& out, std::uint16_t value) {
  put_u8(out, static_cast<std::uint8_t>(value));
  put_u8(out, static_cast<std::uint8_t>(value >> 8));
}

inline void put_u32(std::string& out, std::uint32_t value) {
  put_u16(out, static_cast<std::uint16_t>(value));
  put_u16(out, static_cast<std::uint16_t>(value >> 16));
}

inline void put_u64(std::string& out, std::uint64_t value) {
  put_u32(out, static_cast<std::uint32_t>(value));
  put_u32(out, static_cast<std::uint32_t>(value >> 32));
}

/// `value` as 0x followed by eight hex digits, for messages about checksums.
inline std::string hex32(std::uint32_t value) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text = "0x";
  for (int shift = 28; shift >= 0; shift -= 4) {
    text.push_back(kDigits[(value >> shift) & 0xF]);
  }
  return text;
}

/// Reads integers and byte strings from `bytes` in order. Reading past the end throws
/// Corruption naming `file` and the offset in the file (`file_offset` is where `bytes` start).
class ByteReader {
 public:
  ByteReader(std::string_view bytes, std::string_view file, std::uint64_t file_offset)
      : bytes_(bytes), file_(file), file_offset_(file_offset) {}

  std::uint8_t u8() { return static_cast<std::uint8_t>(take(1)[0]); }
  std::uint16_t u16() {
    const std::uint16_t low = u8();
    return static_cast<std::uint16_t>(low | (std::uint16_t{u8()} << 8));
  }
  std::uint32_t u32() {
    const std::uint32_t low = u16();
    return low | (std::uint32_t{u16()} << 16);
  }
  std::uint64_t u64() {
    const std::uint64_t low = u32();
    return low | (std::uint64_t{u32()} << 32);
  }
  /// The next `count` bytes, as a view into the input.
  std::string_view take(std::size_t count) {
    if (count > remaining()) {
      fail_short_read(count);
    }
    const std::string_view part = bytes_.substr(position_, count);
    position_ += count;
    return part;
  }

  std::size_t position() const { return position_; }
  std::size_t remaining() const { return bytes_.size() - position_; }
  /// Throws Corruption at the current position.
  [[noreturn]] void fail(std::string_view what) const {
    throw Corruption(std::string(file_), file_offset_ + position_, what);
  }

 private:
  // The message is built here, apart from take(): with it inline, take() is too big for the
  // compiler to inline into every u8() of a block read (measured: 6% of a random read).
  [[noreturn, gnu::cold, gnu::noinline]] void fail_short_read(std::size_t count) const {
    fail("needs " + std::to_string(count) + " bytes but only " + std::to_string(remaining()) +
         " are left");
  }

  std::string_view bytes_;
  std::string_view file_;
  std::uint64_t file_offset_;
  std::size_t position_ = 0;
};

}  // namespace mini_lsm
