// Fuzz target: Bloom::decode() of any bytes as an SST's filter (week 1 day 7), then probes: a
// filter that decodes answers any hash without reading out of bounds. Seed: the filter of an SST
// as this tree writes it.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "fuzz_target.hpp"
#include "mini_lsm/bloom.hpp"

namespace {

using mini_lsm::Bloom;
using mini_lsm::Corruption;
using mini_lsm::fuzz::expect;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  if (mini_lsm::fuzz::seeds_wanted()) {
    const std::string filter = mini_lsm::fuzz::built_sst(40).filter;
    if (!filter.empty()) {  // a tree before week 1 day 7 writes no filter
      mini_lsm::fuzz::write_seed("filter", filter);
    }
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes = mini_lsm::fuzz::input(data, size);
  constexpr std::uint64_t kOffset = 9000;
  std::optional<Bloom> bloom;
  try {
    bloom.emplace(Bloom::decode(bytes, "fuzz.sst", kOffset));
  } catch (const Corruption& error) {
    mini_lsm::fuzz::expect_located(error, "fuzz.sst", kOffset, kOffset + bytes.size());
    return 0;
  }
  expect(bloom->encode() == bytes, "a filter that decodes encodes back to its bytes");
  for (std::uint32_t hash = 0; hash < 64; ++hash) {
    static_cast<void>(bloom->may_contain(hash * 0x9E3779B9U));
  }
  return 0;
}
