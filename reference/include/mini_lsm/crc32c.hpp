// CRC-32C (week 2 day 7): the checksum on every block, SST metadata, filter, WAL record and
// manifest record.
#pragma once

#include <cstdint>
#include <string_view>

namespace mini_lsm {

/// The Castagnoli polynomial x^32 + x^28 + x^27 + x^26 + x^25 + x^23 + x^22 + x^20 + x^19 + x^18 +
/// x^14 + x^13 + x^11 + x^10 + x^9 + x^8 + x^6 + 1, written 0x1EDC6F41. The bits are processed
/// least significant first ("reflected"), so the tables use its bit-reversal, 0x82F63B78.
inline constexpr std::uint32_t kCrc32cPolynomial = 0x1EDC6F41;
inline constexpr std::uint32_t kCrc32cReflectedPolynomial = 0x82F63B78;

/// The CRC-32C of `data` (initial value and final xor 0xFFFFFFFF, as in RFC 3720, iSCSI): 32 zero
/// bytes give 0x8A9136AA and the bytes 0, 1, ..., 31 give 0x46DD794E.
std::uint32_t crc32c(std::string_view data);

/// The CRC-32C of A + `data`, given `crc` = crc32c(A): a checksum over pieces that are not
/// contiguous in memory. crc32c_extend(0, data) == crc32c(data).
std::uint32_t crc32c_extend(std::uint32_t crc, std::string_view data);

}  // namespace mini_lsm
