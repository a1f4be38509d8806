// Fuzz target: SsTable::open() of any bytes as /db/1.sst, then a read of every entry (week 1 days
// 4 and 7, week 2 day 7). Seed: an SST as this tree's SsTableBuilder writes it.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "fuzz_target.hpp"
#include "mini_lsm/file.hpp"
#include "mini_lsm/table.hpp"

namespace {

using mini_lsm::Corruption;
using mini_lsm::FileObject;
using mini_lsm::SsTable;
using mini_lsm::SsTableIterator;
using mini_lsm::fuzz::expect;

constexpr const char* kPath = "/db/1.sst";

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  if (mini_lsm::fuzz::seeds_wanted()) {
    mini_lsm::fuzz::write_seed("40-keys.sst", mini_lsm::fuzz::built_sst(40).file);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes = mini_lsm::fuzz::input(data, size);
  const auto fs = mini_lsm::fuzz::holding(kPath, bytes);
  try {
    const std::shared_ptr<SsTable> table = SsTable::open(1, nullptr, FileObject::open(kPath, *fs));
    expect(table->num_blocks() > 0, "an SST that opens has a block");
    std::string previous;
    std::size_t entries = 0;
    for (auto iterator = SsTableIterator::create_and_seek_to_first(table); iterator.is_valid();
         iterator.next()) {
      expect(entries == 0 || iterator.key() > previous, "an SST's keys come in ascending order");
      expect(table->may_contain(iterator.key()), "the filter never rules out a key the SST holds");
      previous = iterator.key();
      ++entries;
    }
  } catch (const Corruption& error) {
    mini_lsm::fuzz::expect_located(error, kPath, 0, bytes.size());
  }
  return 0;
}
