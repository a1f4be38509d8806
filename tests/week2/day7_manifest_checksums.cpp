// Week 2 day 7: manifest format version 2. After the header (magic, version 2), every record is a
// checksummed frame (record_frame.hpp, salt 0): checksum (u32) | length (u32) | payload. A record
// is decoded only once its checksum matched. A bad frame with a whole one after it is damage, and
// Corruption at the bad frame; one without is the torn tail a crash left, and the records before
// it are the manifest. So no flipped bit ever turns into a record that was not written. A
// manifest of version 1, written before this chapter, still reads.
//
// Everything runs on the in-memory FaultInjectionFs. The checksums in the golden bytes were
// worked out with a bitwise CRC-32C, which the harness has too (harness/day7_sst_bytes.hpp).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "harness/catch.hpp"
#include "harness/day7_sst_bytes.hpp"
#include "harness/fault_injection_fs.hpp"
#include "harness/hex.hpp"
#include "mini_lsm/error.hpp"
#include "mini_lsm/lsm_storage.hpp"
#include "mini_lsm/manifest.hpp"

using mini_lsm::CompactionRecord;
using mini_lsm::CompactionStrategy;
using mini_lsm::Corruption;
using mini_lsm::encode_record;
using mini_lsm::FlushRecord;
using mini_lsm::FullCompactionTask;
using mini_lsm::kManifestChecksummedFormatVersion;
using mini_lsm::kManifestFormatVersion;
using mini_lsm::kManifestHeaderSize;
using mini_lsm::kMaxManifestRecordSize;
using mini_lsm::Level;
using mini_lsm::LsmOptions;
using mini_lsm::LsmStorage;
using mini_lsm::Manifest;
using mini_lsm::ManifestContents;
using mini_lsm::ManifestEntry;
using mini_lsm::ManifestRecord;
using mini_lsm::NewMemtableRecord;
using mini_lsm::read_manifest;
using mini_lsm::SnapshotRecord;
using mini_lsm::testing::checksummed_frame;
using mini_lsm::testing::FaultInjectionFs;
using mini_lsm::testing::from_hex;
using mini_lsm::testing::le32;
using mini_lsm::testing::to_hex;
using mini_lsm::testing::day7::flipped;
using mini_lsm::testing::day7::u32_at;

namespace {

const char* const kDir = "/db";
const char* const kPath = "/db/MANIFEST";

// ---- The golden manifest -----------------------------------------------------------------------

// A snapshot (SST 2 in L0, an empty L1), memtable 3 created with a WAL and flushed, a full
// compaction of 3 and 2 into 4, and memtable 5 created without a WAL.
std::vector<ManifestRecord> golden_records() {
  return {
      SnapshotRecord{3, CompactionStrategy::kNone, {2}, {Level{1, {}}}},
      NewMemtableRecord{3, true},
      FlushRecord{3},
      CompactionRecord{FullCompactionTask{{3, 2}, {Level{1, {}}}}, {4}},
      NewMemtableRecord{5, false},
  };
}

// Worked out by hand: each frame's checksum is the CRC-32C of the salt (0, as a u64), the length
// (u32) and the payload; the payloads are week 2 day 5's records.
const std::string kGoldenHex =
    "4d414e49 02000000"                           // magic "MANI", format version 2
    "7eae98fc 26000000"                           // @8: checksum, length 38
    "01 0300000000000000 00"                      //   snapshot, next_id 3, strategy none
    "01000000 0200000000000000"                   //   L0: [2]
    "01000000 0100000000000000 00000000"          //   1 level: L1 []
    "3f7e408c 09000000"                           // @54: checksum, length 9
    "05 0300000000000000"                         //   new_memtable 3 with a WAL
    "6d661ebf 09000000"                           // @71: checksum, length 9
    "03 0300000000000000"                         //   flush 3
    "c1d569cd 32000000"                           // @88: checksum, length 50
    "04 01"                                       //   compaction, full
    "02000000 0300000000000000 0200000000000000"  //   L0: [3 2]
    "01000000 0100000000000000 00000000"          //   1 level: L1 []
    "01000000 0400000000000000"                   //   output [4]
    "06c845f8 09000000"                           // @146: checksum, length 9
    "02 0500000000000000";                        //   new_memtable 5

constexpr std::uint64_t kOffsets[] = {8, 54, 71, 88, 146};
constexpr std::uint32_t kLengths[] = {38, 9, 9, 50, 9};
constexpr std::uint32_t kChecksums[] = {0xfc98ae7e, 0x8c407e3f, 0xbf1e666d, 0xcd69d5c1, 0xf845c806};
constexpr std::uint64_t kGoldenSize = 163;
constexpr std::size_t kRecords = 5;

// ---- Writing and reading ---------------------------------------------------------------------

void write_manifest(FaultInjectionFs& fs, const std::vector<ManifestRecord>& records) {
  fs.create_directories(kDir);
  Manifest manifest = Manifest::create(kPath, records.front(), fs);
  for (std::size_t i = 1; i < records.size(); ++i) {
    manifest.add_record(records[i]);
  }
}

// The golden records written by this chapter's Manifest: REQUIREs version 2 (before week 2 day 7
// the manifest is written as version 1, and the tests that start here stop at this line).
std::string written_v2_bytes(FaultInjectionFs& fs) {
  write_manifest(fs, golden_records());
  const std::string bytes = fs.contents(kPath);
  INFO("week 2 day 7: Manifest writes format version 2 (written_manifest_format_version)");
  REQUIRE(u32_at(bytes, 4) == kManifestChecksummedFormatVersion);
  return bytes;
}

// What read_manifest() made of some bytes: the contents, or the Corruption; and in both cases
// the records its callback saw, in order.
struct ReadResult {
  std::optional<ManifestContents> contents;
  std::optional<Corruption> error;
  std::vector<ManifestRecord> seen;
};

ReadResult read_bytes(const std::string& bytes) {
  FaultInjectionFs fs;
  fs.write_file(kPath, bytes);
  ReadResult result;
  try {
    result.contents = read_manifest(
        kPath, fs, [&](const ManifestEntry& entry) { result.seen.push_back(entry.record); });
  } catch (const Corruption& error) {
    result.error = error;
  }
  return result;
}

// How many golden frames end at or before byte `position`: those a change there leaves whole.
std::size_t whole_frames_before(std::size_t position) {
  std::size_t whole = 0;
  while (whole < kRecords && kOffsets[whole] + 8 + kLengths[whole] <= position) {
    ++whole;
  }
  return whole;
}

std::vector<ManifestRecord> first_records(std::size_t count) {
  std::vector<ManifestRecord> records = golden_records();
  records.resize(count);
  return records;
}

std::vector<ManifestRecord> records_of(const ManifestContents& contents) {
  std::vector<ManifestRecord> records;
  for (const ManifestEntry& entry : contents.entries) {
    records.push_back(entry.record);
  }
  return records;
}

bool mentions(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Asserts that reading `bytes` ended in a torn tail at `offset` after the first `records` golden
// records, and returns the reason given.
std::string require_torn(const std::string& bytes, std::uint64_t offset, std::size_t records) {
  const ReadResult result = read_bytes(bytes);
  if (result.error) {
    FAIL("Corruption instead of a torn tail: " << result.error->what());
  }
  REQUIRE(result.contents.has_value());
  CHECK(result.contents->torn_tail_offset == offset);
  CHECK(records_of(*result.contents) == first_records(records));
  CHECK(result.seen == first_records(records));
  CHECK(result.contents->file_size == bytes.size());
  return result.contents->torn_tail_reason;
}

// Asserts that reading `bytes` is Corruption naming the manifest at `offset`, after the callback
// saw the first `records` golden records; returns what the Corruption says.
std::string require_corruption(const std::string& bytes, std::uint64_t offset,
                               std::size_t records) {
  const ReadResult result = read_bytes(bytes);
  if (!result.error) {
    FAIL("read_manifest accepted the bytes (torn tail at "
         << result.contents->torn_tail_offset.value_or(0) << ")");
  }
  INFO(result.error->what());
  CHECK(result.error->file() == kPath);
  CHECK(result.error->offset() == offset);
  CHECK(result.seen == first_records(records));
  return result.error->detail();
}

// The reason read_frames() gives for a last frame whose length field now says `length`, with
// `available` bytes after its header.
std::string expected_reason_start(std::uint32_t length, std::uint64_t available) {
  if (length == 0 || length > kMaxManifestRecordSize) {
    return "a record length of " + std::to_string(length) + " bytes";
  }
  if (length > available) {
    return "the file ends inside a record of " + std::to_string(length) + " bytes";
  }
  return "checksum mismatch";
}

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

// A version-1 manifest of `records`: the header, then length (u32) | payload per record.
std::string v1_bytes(const std::vector<ManifestRecord>& records) {
  std::string bytes = from_hex("4d414e49") + le32(kManifestFormatVersion);
  for (const ManifestRecord& record : records) {
    const std::string payload = encode_record(record);
    bytes += le32(static_cast<std::uint32_t>(payload.size())) + payload;
  }
  return bytes;
}

// ---- The engine --------------------------------------------------------------------------------

LsmOptions engine_options(const std::shared_ptr<FaultInjectionFs>& fs) {
  LsmOptions options;
  options.file_system = fs;
  options.enable_wal = true;  // so that each memtable has a new-memtable record too
  options.bloom_bits_per_key = 0;
  options.num_memtable_limit = 1000;
  return options;
}

// A database of three flushed SSTs, closed: its manifest holds a snapshot and a new-memtable
// record, then a new-memtable and a flush record per flush.
void write_database(const std::shared_ptr<FaultInjectionFs>& fs) {
  auto engine = LsmStorage::open(kDir, engine_options(fs));
  for (int flush = 0; flush < 3; ++flush) {
    engine->put("key" + std::to_string(flush), "value" + std::to_string(flush));
    engine->force_freeze_memtable();
    engine->force_flush();
  }
  engine->close();
}

// Every file of the database directory with its bytes and its durable bytes.
std::map<std::string, std::pair<std::string, std::string>> directory_image(
    const FaultInjectionFs& fs) {
  std::map<std::string, std::pair<std::string, std::string>> image;
  for (const std::string& name : fs.files(kDir)) {
    const auto path = std::filesystem::path(kDir) / name;
    image[name] = {fs.contents(path), fs.durable_contents(path)};
  }
  return image;
}

}  // namespace

// ---- Golden bytes ------------------------------------------------------------------------------

TEST_CASE(
    "manifest of version 2 written by create and add_record is the header, then one checksummed "
    "frame per record, exactly",
    "[w2d7][manifest-checksums][golden]") {
  FaultInjectionFs fs;
  const std::string bytes = written_v2_bytes(fs);
  CHECK(bytes.size() == kGoldenSize);
  CHECK(to_hex(bytes) == to_hex(from_hex(kGoldenHex)));
  CHECK(fs.durable_contents(kPath) == bytes);  // every record synced

  // The same frames built by the harness from the records' payloads, salt 0.
  std::string framed = bytes.substr(0, kManifestHeaderSize);
  for (const ManifestRecord& record : golden_records()) {
    framed += checksummed_frame(0, encode_record(record));
  }
  CHECK(to_hex(framed) == to_hex(bytes));
}

TEST_CASE(
    "manifest golden bytes of version 2 read back as five entries with their frame offsets, "
    "payload lengths, checksums and records",
    "[w2d7][manifest-checksums][golden]") {
  const ReadResult result = read_bytes(from_hex(kGoldenHex));
  REQUIRE(result.contents.has_value());
  const ManifestContents& contents = *result.contents;
  CHECK(contents.format_version == kManifestChecksummedFormatVersion);
  CHECK(contents.file_size == kGoldenSize);
  CHECK(contents.torn_tail_offset == std::nullopt);
  CHECK(contents.torn_tail_reason.empty());
  REQUIRE(contents.entries.size() == kRecords);
  const std::vector<ManifestRecord> records = golden_records();
  for (std::size_t i = 0; i < kRecords; ++i) {
    INFO("record " << i << ": " << mini_lsm::describe(records[i]));
    CHECK(contents.entries[i].offset == kOffsets[i]);
    CHECK(contents.entries[i].length == kLengths[i]);
    CHECK(contents.entries[i].checksum == kChecksums[i]);
    CHECK(contents.entries[i].record == records[i]);
  }
  CHECK(result.seen == records);
}

// ---- Damage ----------------------------------------------------------------------------------

TEST_CASE(
    "manifest of version 2 with any bit flipped: Corruption at the damaged record while a whole "
    "one follows, a torn tail in the last record, never a record that was not written",
    "[w2d7][manifest-checksums]") {
  FaultInjectionFs fs;
  const std::string bytes = written_v2_bytes(fs);
  REQUIRE(bytes == from_hex(kGoldenHex));
  for (std::size_t position = 0; position < bytes.size(); ++position) {
    for (int bit = 0; bit < 8; ++bit) {
      INFO("byte " << position << ", bit " << bit);
      const std::string damaged = flipped(bytes, position, static_cast<unsigned char>(1U << bit));
      if (position < 4) {
        require_corruption(damaged, 0, 0);  // not a manifest any more
        continue;
      }
      if (position < kManifestHeaderSize) {
        const std::string detail = require_corruption(damaged, 4, 0);
        CHECK(mentions(detail, "version " + std::to_string(u32_at(damaged, 4))));
        continue;
      }
      const std::size_t record = whole_frames_before(position);  // the frame holding the byte
      if (record + 1 < kRecords) {
        // The records after it are whole: damage, reported where the damaged frame starts, and
        // naming where the whole record after it is.
        const std::string detail = require_corruption(damaged, kOffsets[record], record);
        CHECK(mentions(detail, "offset " + std::to_string(kOffsets[record + 1])));
      } else {
        const std::uint64_t at = kOffsets[record];
        const std::string reason = require_torn(damaged, at, record);
        const std::string expected =
            expected_reason_start(u32_at(damaged, at + 4), bytes.size() - at - 8);
        INFO(reason);
        CHECK(starts_with(reason, expected));
      }
    }
  }
}

TEST_CASE(
    "manifest of version 2 followed by zeros (1, 4, 7, 8, 11, 12, 4096 or 32773 of them) is a "
    "torn tail where the zeros begin",
    "[w2d7][manifest-checksums]") {
  const std::string bytes = from_hex(kGoldenHex);
  for (const std::size_t zeros : {1, 4, 7, 8, 11, 12, 4096, 32773}) {
    INFO(zeros << " zero bytes");
    const std::string reason =
        require_torn(bytes + std::string(zeros, '\0'), kGoldenSize, kRecords);
    CHECK(starts_with(reason, "only zero bytes"));
  }
}

TEST_CASE(
    "manifest of version 2 whose last record reached the disk as zeros is a torn tail there, and "
    "zeros in place of a middle record are Corruption",
    "[w2d7][manifest-checksums]") {
  const std::string bytes = from_hex(kGoldenHex);
  SECTION("the last record zeroed: its size reached the disk, its bytes did not") {
    std::string damaged = bytes;
    damaged.replace(kOffsets[4], kGoldenSize - kOffsets[4],
                    std::string(kGoldenSize - kOffsets[4], '\0'));
    CHECK(starts_with(require_torn(damaged, kOffsets[4], 4), "only zero bytes"));
  }
  SECTION("the last two records zeroed") {
    std::string damaged = bytes;
    damaged.replace(kOffsets[3], kGoldenSize - kOffsets[3],
                    std::string(kGoldenSize - kOffsets[3], '\0'));
    CHECK(starts_with(require_torn(damaged, kOffsets[3], 3), "only zero bytes"));
  }
  SECTION("the second record zeroed, whole records after it") {
    std::string damaged = bytes;
    damaged.replace(kOffsets[1], kOffsets[2] - kOffsets[1],
                    std::string(kOffsets[2] - kOffsets[1], '\0'));
    const std::string detail = require_corruption(damaged, kOffsets[1], 1);
    CHECK(mentions(detail, "offset " + std::to_string(kOffsets[2])));
  }
}

TEST_CASE(
    "manifest of version 2 cut at every length after its header keeps the whole records before "
    "the cut, and the rest is a torn tail",
    "[w2d7][manifest-checksums]") {
  const std::string bytes = from_hex(kGoldenHex);
  for (std::size_t length = kManifestHeaderSize; length < bytes.size(); ++length) {
    INFO("cut to " << length << " bytes");
    const std::size_t whole = whole_frames_before(length);
    const ReadResult result = read_bytes(bytes.substr(0, length));
    REQUIRE(result.contents.has_value());
    CHECK(records_of(*result.contents) == first_records(whole));
    // A cut between two frames leaves a shorter manifest, not a torn one.
    CHECK(
        result.contents->torn_tail_offset ==
        (length == kOffsets[whole] ? std::nullopt : std::optional<std::uint64_t>(kOffsets[whole])));
  }
}

TEST_CASE(
    "manifest frame of version 2 whose checksum matches but whose payload is no record is "
    "Corruption at the payload's byte",
    "[w2d7][manifest-checksums]") {
  const std::string bytes = from_hex(kGoldenHex);
  SECTION("an unknown record type, as the last frame") {
    const std::string detail = require_corruption(
        bytes + checksummed_frame(0, from_hex("09 0100000000000000")), kGoldenSize + 8, 5);
    CHECK(mentions(detail, "unknown record type 9"));
  }
  SECTION("a flush record with a byte left over, between two whole frames") {
    const std::string odd = checksummed_frame(0, from_hex("03 0700000000000000 00"));
    const std::string damaged = bytes.substr(0, kOffsets[2]) + odd + bytes.substr(kOffsets[2]);
    // Records 0 and 1, then the odd one: its id is fine, the byte after it is not.
    require_corruption(damaged, kOffsets[2] + 8 + 9, 2);
  }
}

TEST_CASE(
    "manifest frame of version 2 with a length outside 1 to kMaxManifestRecordSize is not a "
    "record, so a torn tail at the end and Corruption before a whole frame",
    "[w2d7][manifest-checksums]") {
  const std::string bytes = from_hex(kGoldenHex);
  // A frame of length 0 whose checksum is right for it: still no record.
  const std::string empty = checksummed_frame(0, "");
  REQUIRE(empty.size() == 8);
  const std::string oversized = le32(0x12345678) + le32(kMaxManifestRecordSize + 1) + "abc";

  SECTION("an empty frame at the end") {
    const std::string reason = require_torn(bytes + empty, kGoldenSize, kRecords);
    CHECK(starts_with(reason, "a record length of 0 bytes"));
  }
  SECTION("a length one over the most at the end") {
    const std::string reason = require_torn(bytes + oversized, kGoldenSize, kRecords);
    CHECK(starts_with(reason,
                      "a record length of " + std::to_string(kMaxManifestRecordSize + 1) + " "));
  }
  SECTION("an empty frame before a whole one") {
    const std::string damaged = bytes.substr(0, kOffsets[4]) + empty + bytes.substr(kOffsets[4]);
    const std::string detail = require_corruption(damaged, kOffsets[4], 4);
    CHECK(mentions(detail, "offset " + std::to_string(kOffsets[4] + 8)));
  }
}

// ---- Version 1 -------------------------------------------------------------------------------

TEST_CASE(
    "manifest of version 1 written by hand reads the same records as the version-2 manifest "
    "create and add_record write for them",
    "[w2d7][manifest-checksums][version-1]") {
  FaultInjectionFs fs;
  const std::string v2 = written_v2_bytes(fs);
  const std::string v1 = v1_bytes(golden_records());
  // Version 2 is version 1 with a checksum before each record's length.
  CHECK(v2.size() == v1.size() + 4 * kRecords);

  const ReadResult result = read_bytes(v1);
  REQUIRE(result.contents.has_value());
  CHECK(result.contents->format_version == kManifestFormatVersion);
  CHECK(records_of(*result.contents) == golden_records());
  for (std::size_t i = 0; i < kRecords; ++i) {
    INFO("record " << i);
    CHECK(result.contents->entries[i].offset == kOffsets[i] - 4 * i);
    CHECK(result.contents->entries[i].length == kLengths[i]);
    CHECK(result.contents->entries[i].checksum == 0);
  }
  CHECK(result.contents->torn_tail_offset == std::nullopt);
}

TEST_CASE(
    "manifest engine opens a database whose manifest is version 1 and rewrites it as version 2",
    "[w2d7][manifest-checksums][version-1][engine]") {
  auto fs = std::make_shared<FaultInjectionFs>();
  write_database(fs);
  // The same history in week 2 day 5's bytes, as a database written before this chapter has it.
  const ManifestContents written = read_manifest(kPath, *fs);
  REQUIRE(written.format_version == kManifestChecksummedFormatVersion);
  std::vector<ManifestRecord> history;
  for (const ManifestEntry& entry : written.entries) {
    history.push_back(entry.record);
  }
  REQUIRE(history.size() >= 7);
  fs->write_file(kPath, v1_bytes(history));

  {
    auto engine = LsmStorage::open(kDir, engine_options(fs));
    for (int flush = 0; flush < 3; ++flush) {
      CHECK(engine->get("key" + std::to_string(flush)) == "value" + std::to_string(flush));
    }
    engine->put("after", "upgrade");
    engine->force_freeze_memtable();
    engine->force_flush();
    engine->close();
  }

  const ManifestContents rewritten = read_manifest(kPath, *fs);
  CHECK(rewritten.format_version == kManifestChecksummedFormatVersion);
  CHECK(u32_at(fs->durable_contents(kPath), 4) == kManifestChecksummedFormatVersion);
  CHECK(rewritten.torn_tail_offset == std::nullopt);
  for (const ManifestEntry& entry : rewritten.entries) {
    CHECK(entry.checksum != 0);
  }
  auto reopened = LsmStorage::open(kDir, engine_options(fs));
  CHECK(reopened->get("key1") == "value1");
  CHECK(reopened->get("after") == "upgrade");
  reopened->close();
}

TEST_CASE(
    "manifest engine open over a manifest with a flipped bit in a middle record is Corruption "
    "naming MANIFEST at that record, and changes nothing in the directory",
    "[w2d7][manifest-checksums][engine]") {
  auto fs = std::make_shared<FaultInjectionFs>();
  write_database(fs);
  const ManifestContents contents = read_manifest(kPath, *fs);
  REQUIRE(contents.format_version == kManifestChecksummedFormatVersion);
  REQUIRE(contents.entries.size() >= 7);
  const ManifestEntry& middle = contents.entries[contents.entries.size() / 2];
  // One bit of each part of the frame: the checksum, the length, the payload.
  for (const std::uint64_t part : {std::uint64_t{1}, std::uint64_t{4}, std::uint64_t{8 + 3}}) {
    INFO("byte " << part << " of the frame at " << middle.offset);
    fs->flip_byte(kPath, middle.offset + part, 0x10);
    const auto before = directory_image(*fs);
    try {
      LsmStorage::open(kDir, engine_options(fs));
      FAIL("open accepted a damaged manifest");
    } catch (const Corruption& error) {
      INFO(error.what());
      CHECK(error.file() == kPath);
      CHECK(error.offset() == middle.offset);
    }
    CHECK(directory_image(*fs) == before);
    fs->flip_byte(kPath, middle.offset + part, 0x10);  // repaired, for the next part
  }
  // Repaired, it opens.
  auto engine = LsmStorage::open(kDir, engine_options(fs));
  CHECK(engine->get("key2") == "value2");
  engine->close();
}

// ---- Seeded fuzz loops -------------------------------------------------------------------------

TEST_CASE(
    "manifest fuzz: read_manifest of 2000 seeded mutations of a version-2 manifest keeps the "
    "records before the first changed byte and nothing else, and of version 1 never crashes",
    "[w2d7][manifest-checksums][fuzz]") {
  FaultInjectionFs fs;
  const std::string bytes = written_v2_bytes(fs);
  std::mt19937_64 random(42);
  const auto mutate = [&random](std::string copy) {
    const std::string original = copy;
    while (copy == original) {
      const std::size_t at = kManifestHeaderSize + random() % (copy.size() - kManifestHeaderSize);
      switch (random() % 4) {
        case 0:  // a few bits
          for (int flips = 1 + static_cast<int>(random() % 3); flips > 0; --flips) {
            const std::size_t where = at + random() % (copy.size() - at);
            copy[where] = static_cast<char>(copy[where] ^ (1 << (random() % 8)));
          }
          break;
        case 1:  // a cut
          copy.resize(at);
          break;
        case 2:  // a range zeroed
          std::fill(copy.begin() + static_cast<std::ptrdiff_t>(at),
                    copy.begin() +
                        static_cast<std::ptrdiff_t>(std::min(copy.size(), at + 1 + random() % 20)),
                    '\0');
          break;
        default:  // garbage
          for (std::size_t i = at; i < std::min(copy.size(), at + 1 + random() % 6); ++i) {
            copy[i] = static_cast<char>(random());
          }
      }
    }
    return copy;
  };

  for (int round = 0; round < 2000; ++round) {
    const std::string damaged = mutate(bytes);
    const auto first_change = static_cast<std::size_t>(
        std::mismatch(damaged.begin(), damaged.end(), bytes.begin(), bytes.end()).first -
        damaged.begin());
    // The frames that end at or before the first changed byte are intact; no other can be read.
    const std::size_t intact = whole_frames_before(first_change);
    const std::uint64_t intact_end = intact < kRecords ? kOffsets[intact] : kGoldenSize;
    INFO("round " << round << ": first change at " << first_change);
    const ReadResult result = read_bytes(damaged);
    CHECK(result.seen == first_records(intact));
    if (result.error) {
      CHECK(result.error->file() == kPath);
      CHECK(result.error->offset() == intact_end);
    } else {
      REQUIRE(result.contents.has_value());
      // Cut right after an intact frame, the manifest is only shorter; else the rest is torn.
      CHECK(
          result.contents->torn_tail_offset ==
          (damaged.size() > intact_end ? std::optional<std::uint64_t>(intact_end) : std::nullopt));
    }
  }

  // Version 1 has no checksums: a mutation may read as other records. It must still never crash,
  // and never throw anything but Corruption (a ReadResult only catches that).
  const std::string v1 = v1_bytes(golden_records());
  std::size_t refused = 0;
  for (int round = 0; round < 2000; ++round) {
    INFO("version 1, round " << round);
    refused += read_bytes(mutate(v1)).error ? 1 : 0;
  }
  CHECK(refused > 0);
}
