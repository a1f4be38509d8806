// Bytes written as hex, for tests that compare a format's bytes with a fixture written by hand.
#pragma once

#include <cstddef>
#include <string>

namespace mini_lsm::testing {

/// "4d 57" -> the bytes 0x4d 0x57; spaces are ignored.
inline std::string from_hex(const std::string& hex) {
  std::string digits;
  for (const char c : hex) {
    if (c != ' ') {
      digits += c;
    }
  }
  std::string bytes;
  for (std::size_t i = 0; i + 1 < digits.size(); i += 2) {
    bytes += static_cast<char>(std::stoi(digits.substr(i, 2), nullptr, 16));
  }
  return bytes;
}

/// The bytes as lowercase hex, 16 bytes a line, so that a failed comparison shows where.
inline std::string to_hex(const std::string& bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const auto code = static_cast<unsigned char>(bytes[i]);
    out += kHex[code >> 4];
    out += kHex[code & 0xf];
    out += (i % 16 == 15) ? '\n' : ' ';
  }
  return out;
}

}  // namespace mini_lsm::testing
