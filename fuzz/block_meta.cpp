// Fuzz target: BlockMeta::decode() of any bytes as an SST's block metadata (week 1 day 4).
// Seed: the metadata of an SST as this tree writes it.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_target.hpp"
#include "mini_lsm/table.hpp"

namespace {

using mini_lsm::BlockMeta;
using mini_lsm::Corruption;
using mini_lsm::fuzz::expect;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  if (mini_lsm::fuzz::seeds_wanted()) {
    mini_lsm::fuzz::write_seed("meta", mini_lsm::fuzz::built_sst(40).meta);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes = mini_lsm::fuzz::input(data, size);
  constexpr std::uint64_t kOffset = 5000;
  try {
    const std::vector<BlockMeta> metas = BlockMeta::decode(bytes, "fuzz.sst", kOffset);
    std::string encoded;
    BlockMeta::encode(metas, encoded);
    expect(encoded == bytes, "metadata that decodes encodes back to its bytes");
  } catch (const Corruption& error) {
    mini_lsm::fuzz::expect_located(error, "fuzz.sst", kOffset, kOffset + bytes.size());
  }
  return 0;
}
