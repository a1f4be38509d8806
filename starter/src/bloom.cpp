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
  // TODO(w1d7): any well-mixed hash works; e.g. 64-bit FNV-1a over the bytes, then a finalizer that
  //   spreads every input bit over the result, truncated to 32 bits
  throw ::mini_lsm::NotImplemented("w1d7", "Bloom::hash");
}

Bloom Bloom::build(const std::vector<std::uint32_t>& key_hashes, std::size_t bits_per_key) {
  // TODO(w1d7): size the bit array (bits_per_key per key, at least 64 bits, rounded up to whole
  //   bytes), take k = lround(bits_per_key * 0.69) probes (0.69 ~ ln 2), clamped to 1..30, and set
  //   the k bits of every hash: probe i sets bit (h + i * delta) % num_bits, delta = h rotated
  //   right by 17, with the sum in std::uint32_t so that it wraps at 32 bits
  throw ::mini_lsm::NotImplemented("w1d7", "Bloom::build");
}

std::string Bloom::encode() const {
  // TODO(w1d7): the bit array, then the number of probes as one byte
  throw ::mini_lsm::NotImplemented("w1d7", "Bloom::encode");
}

Bloom Bloom::decode(std::string_view bytes, std::string_view file, std::uint64_t file_offset) {
  // TODO(w1d7): the last byte is the number of probes (1..30), the bytes before it (at least one)
  //   are the bit array
  throw ::mini_lsm::NotImplemented("w1d7", "Bloom::decode");
}

bool Bloom::may_contain(std::uint32_t key_hash) const {
  // TODO(w1d7): probe the same bits build() set for this hash; any bit that is 0 means "certainly
  //   not"
  throw ::mini_lsm::NotImplemented("w1d7", "Bloom::may_contain");
}

}  // namespace mini_lsm
