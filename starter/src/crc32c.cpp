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
  // TODO(w2d7): start from the register ~crc; for every byte b, register = kTables[0][(register ^
  //   b) & 0xFF] ^ (register >> 8); return ~register (eight bytes at a time with kTables[1..7] is
  //   faster, and optional)
  throw ::mini_lsm::NotImplemented("w2d7", "crc32c_extend");
}

}  // namespace mini_lsm
