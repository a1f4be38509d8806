// Fuzz target: decode_record() of any bytes as one manifest record's payload (week 2 day 5).
// The decoder accepts exactly what encode_record() writes, so whatever decodes must encode back
// to the same bytes. Seeds: one record of each type.

#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_target.hpp"
#include "mini_lsm/manifest.hpp"

namespace {

using mini_lsm::Corruption;
using mini_lsm::encode_record;
using mini_lsm::FlushRecord;
using mini_lsm::ManifestRecord;
using mini_lsm::NewMemtableRecord;
using mini_lsm::SnapshotRecord;
using mini_lsm::fuzz::expect;
using mini_lsm::fuzz::write_seed;

void write_seeds() {
  SnapshotRecord snapshot;
  snapshot.next_id = 9;
  snapshot.l0_sstables = {8, 7};
  write_seed("snapshot.record", encode_record(snapshot));
  write_seed("new-memtable.record", encode_record(NewMemtableRecord{.id = 9, .wal = true}));
  write_seed("flush.record", encode_record(FlushRecord{.id = 9}));
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  if (mini_lsm::fuzz::seeds_wanted()) {
    write_seeds();
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes = mini_lsm::fuzz::input(data, size);
  constexpr std::uint64_t kOffset = 1000;
  try {
    const ManifestRecord record = mini_lsm::decode_record(bytes, "fuzz.manifest", kOffset);
    expect(encode_record(record) == bytes, "a record that decodes encodes back to its bytes");
  } catch (const Corruption& error) {
    mini_lsm::fuzz::expect_located(error, "fuzz.manifest", kOffset, kOffset + bytes.size());
  }
  return 0;
}
