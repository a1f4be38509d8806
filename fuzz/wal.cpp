// Fuzz target: read_wal() of any bytes as the WAL /db/1.wal (week 2 days 6 and 7).
// Seeds: a WAL of single records and, from day 7, one with a batch, as this tree's Wal writes them.

#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "fuzz_target.hpp"
#include "mini_lsm/wal.hpp"
#include "mini_lsm/write_op.hpp"

namespace {

using mini_lsm::Corruption;
using mini_lsm::Wal;
using mini_lsm::WalReadResult;
using mini_lsm::WalRecordView;
using mini_lsm::WriteOp;
using mini_lsm::fuzz::expect;
using mini_lsm::fuzz::FaultInjectionFs;

constexpr const char* kPath = "/db/1.wal";

void write_seeds() {
  FaultInjectionFs fs;
  fs.create_directories("/db");
  auto wal = Wal::create(kPath, 1, fs);
  wal->put("alice", "1");
  wal->put("bob", "");  // a delete
  wal->put(std::string(300, 'k'), std::string(2000, 'v'));
  wal->sync();
  mini_lsm::fuzz::write_seed("records.wal", fs.contents(kPath));
  try {
    const std::vector<WriteOp> batch = {WriteOp::put("carol", "3"), WriteOp::del("alice")};
    wal->put_batch(batch);
    wal->sync();
    mini_lsm::fuzz::write_seed("records-and-batch.wal", fs.contents(kPath));
  } catch (const std::exception&) {
    // A tree before week 2 day 7 has no batches yet: its seeds are the records alone.
  }
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
  std::size_t records = 0;
  std::uint64_t previous_offset = 0;
  try {
    const WalReadResult result =
        read_wal(kPath, *fs, std::nullopt, [&](const WalRecordView& record) {
          expect(record.offset < bytes.size(), "a record starts inside the file");
          expect(records == 0 || record.offset >= previous_offset, "records come in file order");
          expect(record.key.size() + record.value.size() <= bytes.size() - record.offset,
                 "a record's key and value fit in the file after its start");
          expect(record.index_in_batch < record.batch_size, "a record is inside its batch");
          previous_offset = record.offset;
          ++records;
        });
    expect(result.records == records, "read_wal() counts the records it passed on");
    expect(result.batches <= result.records, "a batch holds at least one record");
    expect(result.file_size == bytes.size(), "read_wal() reports the file's size");
    expect(result.valid_size <= result.file_size, "the whole records lie inside the file");
    expect(result.torn_tail_offset.has_value() == (result.valid_size < result.file_size),
           "the bytes after the last whole record, and only they, are a torn tail");
    expect(!result.torn_tail_offset || *result.torn_tail_offset == result.valid_size,
           "the torn tail starts where the last whole record ends");
  } catch (const Corruption& error) {
    mini_lsm::fuzz::expect_located(error, kPath, 0, bytes.size());
  }
  return 0;
}
