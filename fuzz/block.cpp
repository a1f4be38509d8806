// Fuzz target: Block::decode() of any bytes as one block of an SST (week 1 days 3 and 7), then a
// read of every entry: a block that decodes can be read without going out of bounds or any
// exception. Seeds: the blocks of an SST as this tree writes them.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "fuzz_target.hpp"
#include "mini_lsm/block.hpp"

namespace {

using mini_lsm::Block;
using mini_lsm::Corruption;
using mini_lsm::fuzz::expect;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  if (mini_lsm::fuzz::seeds_wanted()) {
    const auto sections = mini_lsm::fuzz::built_sst(40);
    for (std::size_t i = 0; i < sections.blocks.size(); ++i) {
      mini_lsm::fuzz::write_seed("block-" + std::to_string(i), sections.blocks[i]);
    }
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes = mini_lsm::fuzz::input(data, size);
  constexpr std::uint64_t kOffset = 4096;
  std::optional<Block> block;
  try {
    block.emplace(Block::decode(bytes, "fuzz.sst", kOffset));
  } catch (const Corruption& error) {
    mini_lsm::fuzz::expect_located(error, "fuzz.sst", kOffset, kOffset + bytes.size());
    return 0;
  }
  // decode() checked every entry, so reading them throws nothing, not even Corruption.
  expect(block->num_entries() > 0, "a block that decodes has an entry");
  std::string previous;
  for (std::size_t i = 0; i < block->num_entries(); ++i) {
    const auto entry = block->entry(i);
    expect(i == 0 || entry.key > previous, "a block's keys come in ascending order");
    // A key is a prefix of the first key (itself in the block) and bytes of its own.
    expect(entry.key.size() <= 2 * bytes.size() && entry.value.size() <= bytes.size(),
           "an entry is made of the block's bytes");
    previous = entry.key;
  }
  return 0;
}
