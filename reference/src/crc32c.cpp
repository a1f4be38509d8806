// CRC-32C, eight bytes at a time (week 2 day 7).
#include "mini_lsm/crc32c.hpp"

#include <array>
#include <cstddef>

#include "mini_lsm/error.hpp"

namespace mini_lsm {

namespace {

// tables[0][b] is the CRC register after shifting byte b through it alone (the classic table);
// tables[k][b] is the same byte followed by k zero bytes, so that eight bytes can be folded into
// the register with eight lookups and no dependency between them (slicing-by-8). Provided.
using Crc32cTables = std::array<std::array<std::uint32_t, 256>, 8>;

constexpr Crc32cTables make_crc32c_tables() {
  Crc32cTables tables{};
  for (std::uint32_t byte = 0; byte < 256; ++byte) {
    std::uint32_t crc = byte;
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 1) != 0 ? (crc >> 1) ^ kCrc32cReflectedPolynomial : crc >> 1;
    }
    tables[0][byte] = crc;
  }
  for (std::size_t k = 1; k < tables.size(); ++k) {
    for (std::size_t byte = 0; byte < 256; ++byte) {
      const std::uint32_t previous = tables[k - 1][byte];
      tables[k][byte] = (previous >> 8) ^ tables[0][previous & 0xFF];
    }
  }
  return tables;
}

constexpr Crc32cTables kTables = make_crc32c_tables();

}  // namespace

std::uint32_t crc32c(std::string_view data) {
  return crc32c_extend(0, data);
}

std::uint32_t crc32c_extend(std::uint32_t crc, std::string_view data) {
  // @lesson w2d7 crc32c_extend: start from the register ~crc; for every byte b, register =
  //   kTables[0][(register ^ b) & 0xFF] ^ (register >> 8); return ~register (eight bytes at a
  //   time with kTables[1..7] is faster, and optional)
  const auto byte_at = [](std::string_view bytes, std::size_t index) -> std::uint32_t {
    return static_cast<unsigned char>(bytes[index]);
  };
  std::uint32_t reg = ~crc;
  std::size_t at = 0;
  // Eight bytes per step: the low four are xored into the register, and each of the eight is
  // looked up in the table that accounts for the bytes still behind it.
  for (; at + 8 <= data.size(); at += 8) {
    const std::uint32_t low = reg ^ (byte_at(data, at) | byte_at(data, at + 1) << 8 |
                                     byte_at(data, at + 2) << 16 | byte_at(data, at + 3) << 24);
    reg = kTables[7][low & 0xFF] ^ kTables[6][(low >> 8) & 0xFF] ^ kTables[5][(low >> 16) & 0xFF] ^
          kTables[4][low >> 24] ^ kTables[3][byte_at(data, at + 4)] ^
          kTables[2][byte_at(data, at + 5)] ^ kTables[1][byte_at(data, at + 6)] ^
          kTables[0][byte_at(data, at + 7)];
  }
  for (; at < data.size(); ++at) {
    reg = kTables[0][(reg ^ byte_at(data, at)) & 0xFF] ^ (reg >> 8);
  }
  return ~reg;
  // @lesson end
}

}  // namespace mini_lsm
