// Fuzz target: read_manifest() of any bytes as /db/MANIFEST (week 2 days 5 and 7).
// Seeds: a manifest of a snapshot, new memtables and flushes, as this tree's Manifest writes it.

#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_target.hpp"
#include "mini_lsm/manifest.hpp"

namespace {

using mini_lsm::Corruption;
using mini_lsm::FlushRecord;
using mini_lsm::Manifest;
using mini_lsm::ManifestContents;
using mini_lsm::ManifestEntry;
using mini_lsm::NewMemtableRecord;
using mini_lsm::SnapshotRecord;
using mini_lsm::fuzz::expect;
using mini_lsm::fuzz::FaultInjectionFs;

constexpr const char* kPath = "/db/MANIFEST";

void write_seeds() {
  FaultInjectionFs fs;
  fs.create_directories("/db");
  SnapshotRecord snapshot;
  snapshot.next_id = 4;
  snapshot.l0_sstables = {3, 2};
  Manifest manifest = Manifest::create(kPath, snapshot, fs);
  mini_lsm::fuzz::write_seed("snapshot.manifest", fs.contents(kPath));
  manifest.add_record(NewMemtableRecord{.id = 4, .wal = true});
  manifest.add_record(FlushRecord{.id = 4});
  manifest.add_record(NewMemtableRecord{.id = 5, .wal = false});
  mini_lsm::fuzz::write_seed("records.manifest", fs.contents(kPath));
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
  const auto fs = mini_lsm::fuzz::holding(kPath, bytes);
  try {
    const ManifestContents contents = read_manifest(kPath, *fs);
    expect(contents.file_size == bytes.size(), "read_manifest() reports the file's size");
    std::uint64_t end_of_previous = 0;
    for (const ManifestEntry& entry : contents.entries) {
      expect(entry.offset >= end_of_previous, "records follow each other without overlapping");
      expect(entry.offset + entry.length <= bytes.size(), "a record lies inside the file");
      expect(mini_lsm::encode_record(entry.record).size() == entry.length,
             "a record read encodes to as many bytes as it was read from");
      end_of_previous = entry.offset + entry.length;
    }
    expect(!contents.torn_tail_offset || *contents.torn_tail_offset >= end_of_previous,
           "a torn tail starts after the last whole record");
    expect(!contents.torn_tail_offset || *contents.torn_tail_offset <= bytes.size(),
           "a torn tail starts inside the file");
  } catch (const Corruption& error) {
    mini_lsm::fuzz::expect_located(error, kPath, 0, bytes.size());
  }
  return 0;
}
