#include "mini_lsm/bloom.hpp"

#include <algorithm>
#include <cmath>

#include "coding.hpp"
#include "mini_lsm/error.hpp"

namespace mini_lsm {

namespace {

// More probes than this cost time and barely lower the false-positive rate.
constexpr std::size_t kMaxProbes = 30;

}  // namespace

std::uint32_t Bloom::hash(std::string_view key) {
  // @lesson w1d7 Bloom::hash: any well-mixed hash works; e.g. 64-bit FNV-1a over the bytes, then a
  //   finalizer that spreads every input bit over the result, truncated to 32 bits
  std::uint64_t hash = 0xcbf29ce484222325ULL;  // FNV-1a offset basis
  for (const char byte : key) {
    hash = (hash ^ static_cast<unsigned char>(byte)) * 0x100000001b3ULL;
  }
  // FNV-1a alone mixes the last bytes poorly; MurmurHash3's finalizer fixes that.
  hash ^= hash >> 33;
  hash *= 0xff51afd7ed558ccdULL;
  hash ^= hash >> 33;
  hash *= 0xc4ceb9fe1a85ec53ULL;
  hash ^= hash >> 33;
  return static_cast<std::uint32_t>(hash);
  // @lesson end
}

Bloom Bloom::build(const std::vector<std::uint32_t>& key_hashes, std::size_t bits_per_key) {
  // @lesson w1d7 Bloom::build: size the bit array (bits_per_key per key, at least 64 bits,
  //   rounded up to whole bytes), take k = lround(bits_per_key * 0.69) probes (0.69 ~ ln 2),
  //   clamped to 1..30, and set the k bits of every hash: probe i sets bit
  //   (h + i * delta) % num_bits, delta = h rotated right by 17, with the sum in std::uint32_t
  //   so that it wraps at 32 bits
  const std::size_t num_bits = std::max<std::size_t>(64, key_hashes.size() * bits_per_key);
  const std::size_t num_bytes = (num_bits + 7) / 8;
  const auto probes =
      static_cast<std::size_t>(std::lround(static_cast<double>(bits_per_key) * 0.69));
  Bloom filter(std::string(num_bytes, '\0'), std::clamp<std::size_t>(probes, 1, kMaxProbes));
  const std::size_t array_bits = num_bytes * 8;
  for (std::uint32_t hash : key_hashes) {
    const std::uint32_t delta = (hash >> 17) | (hash << 15);
    for (std::size_t probe = 0; probe < filter.num_probes_; ++probe) {
      const std::size_t bit = hash % array_bits;
      filter.bits_[bit / 8] = static_cast<char>(filter.bits_[bit / 8] | (1 << (bit % 8)));
      hash += delta;
    }
  }
  return filter;
  // @lesson end
}

std::string Bloom::encode() const {
  // @lesson w1d7 Bloom::encode: the bit array, then the number of probes as one byte
  std::string bytes = bits_;
  put_u8(bytes, static_cast<std::uint8_t>(num_probes_));
  return bytes;
  // @lesson end
}

Bloom Bloom::decode(std::string_view bytes, std::string_view file, std::uint64_t file_offset) {
  // @lesson w1d7 Bloom::decode: the last byte is the number of probes (1..30), the bytes before it
  //   (at least one) are the bit array
  if (bytes.size() < 2) {
    throw Corruption(std::string(file), file_offset,
                     "a Bloom filter needs at least 2 bytes, not " + std::to_string(bytes.size()));
  }
  const std::size_t probes = static_cast<unsigned char>(bytes.back());
  if (probes == 0 || probes > kMaxProbes) {
    throw Corruption(std::string(file), file_offset + bytes.size() - 1,
                     "a Bloom filter with " + std::to_string(probes) + " probes");
  }
  return Bloom(std::string(bytes.substr(0, bytes.size() - 1)), probes);
  // @lesson end
}

bool Bloom::may_contain(std::uint32_t key_hash) const {
  // @lesson w1d7 Bloom::may_contain: probe the same bits build() set for this hash; any bit that is
  //   0 means "certainly not"
  const std::size_t array_bits = bits_.size() * 8;
  const std::uint32_t delta = (key_hash >> 17) | (key_hash << 15);
  for (std::size_t probe = 0; probe < num_probes_; ++probe) {
    const std::size_t bit = key_hash % array_bits;
    if ((static_cast<unsigned char>(bits_[bit / 8]) & (1U << (bit % 8))) == 0) {
      return false;
    }
    key_hash += delta;
  }
  return true;
  // @lesson end
}

}  // namespace mini_lsm
