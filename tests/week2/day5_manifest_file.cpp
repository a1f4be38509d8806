// Week 2 day 5: the manifest's file format. read_manifest() reads back exactly what
// Manifest::create() and Manifest::add_record() wrote, tells a tail that a crash cut short (which
// open() drops) from damage (which it refuses, naming the file and the byte), and never
// allocates what a garbled length or count asks for. Manifest::add_record() appends one record
// in one append and syncs it, and after a failure refuses everything. Manifest::create() replaces
// a manifest so that a crash leaves the old one or the new one, never a mix.
//
// Everything runs on the in-memory FaultInjectionFs: the bytes are planted or inspected directly.
//
// From week 2 day 7 on the engine writes format version 2 (each record in a checksummed frame)
// and still reads version 1. So a test that pins the bytes of a manifest the engine wrote reads
// the version the file declares and expects the exact bytes of that version
// (harness/manifest_files.hpp); files planted by hand to test the reader stay version 1.

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "harness/catch.hpp"
#include "harness/fault_injection_fs.hpp"
#include "harness/hex.hpp"
#include "harness/manifest_files.hpp"
#include "mini_lsm/error.hpp"
#include "mini_lsm/file_names.hpp"
#include "mini_lsm/lsm_storage.hpp"
#include "mini_lsm/manifest.hpp"

using mini_lsm::CompactionRecord;
using mini_lsm::CompactionStrategy;
using mini_lsm::CompactionTask;
using mini_lsm::Corruption;
using mini_lsm::encode_record;
using mini_lsm::FlushRecord;
using mini_lsm::FullCompactionTask;
using mini_lsm::IoError;
using mini_lsm::kManifestFormatVersion;
using mini_lsm::kManifestMagic;
using mini_lsm::kMaxFileId;
using mini_lsm::kMaxManifestRecordSize;
using mini_lsm::Level;
using mini_lsm::LevelCompactionTask;
using mini_lsm::LsmOptions;
using mini_lsm::LsmStorage;
using mini_lsm::Manifest;
using mini_lsm::ManifestContents;
using mini_lsm::ManifestEntry;
using mini_lsm::ManifestRecord;
using mini_lsm::NewMemtableRecord;
using mini_lsm::read_manifest;
using mini_lsm::SnapshotRecord;
using mini_lsm::TieredCompactionTask;
using mini_lsm::testing::CrashMode;
using mini_lsm::testing::FaultInjectionFs;
using mini_lsm::testing::from_hex;
using mini_lsm::testing::FsOp;
using mini_lsm::testing::ManifestFormat;
using mini_lsm::testing::to_hex;
using mini_lsm::testing::written_manifest_format;

namespace {

const char* const kDir = "/db";
const char* const kPath = "/db/MANIFEST";
constexpr CrashMode kModes[] = {CrashMode::kDropUnsynced, CrashMode::kKeepRandomPrefix,
                                CrashMode::kZeroFillUnsynced};

// ---- Bytes ----------------------------------------------------------------------------------

std::string u32_bytes(std::uint32_t value) {
  std::string out;
  for (int i = 0; i < 4; ++i) {
    out += static_cast<char>((value >> (8 * i)) & 0xff);
  }
  return out;
}

std::string u64_bytes(std::uint64_t value) {
  std::string out;
  for (int i = 0; i < 8; ++i) {
    out += static_cast<char>((value >> (8 * i)) & 0xff);
  }
  return out;
}

std::string byte(std::uint8_t value) {
  return std::string(1, static_cast<char>(value));
}

// The header of a manifest of format `version` (1 unless given: the files planted by hand).
std::string header_bytes(std::uint32_t version = kManifestFormatVersion) {
  return u32_bytes(kManifestMagic) + u32_bytes(version);
}

// A record as it stands in a version-1 file: its payload's length, then the payload.
std::string framed(const ManifestRecord& record) {
  const std::string payload = encode_record(record);
  return u32_bytes(static_cast<std::uint32_t>(payload.size())) + payload;
}

std::string framed_payload(const std::string& payload) {
  return u32_bytes(static_cast<std::uint32_t>(payload.size())) + payload;
}

// ---- The worked example of the chapter page --------------------------------------------------

// A snapshot with the compaction strategy kNone (the records after it are read by that
// strategy's controller).
SnapshotRecord snapshot(std::size_t next_id, std::vector<std::size_t> l0, std::vector<Level> levels,
                        CompactionStrategy strategy = CompactionStrategy::kNone) {
  return SnapshotRecord{next_id, strategy, std::move(l0), std::move(levels)};
}

// The page's example (a snapshot with SST 2 in L0, memtable 3 created and flushed, a full
// compaction of 3 and 2 into 4), then one compaction of each other kind of task. (One engine
// runs one strategy, so no real manifest mixes the three kinds; the format does not care.)
std::vector<ManifestRecord> golden_records() {
  LevelCompactionTask level;
  level.upper_level = std::nullopt;  // L0
  level.upper_level_sst_ids = {5};
  level.lower_level = 1;
  level.lower_level_sst_ids = {4};
  level.is_lower_level_bottom_level = true;
  return {
      snapshot(3, {2}, {Level{1, {}}}),
      NewMemtableRecord{3},
      FlushRecord{3},
      CompactionRecord{FullCompactionTask{{3, 2}, {Level{1, {}}}}, {4}},
      CompactionRecord{level, {6}},
      CompactionRecord{TieredCompactionTask{{Level{8, {8}}, Level{7, {7}}}, true}, {9}},
  };
}

// Worked out by hand from the format: ids are u64, counts u32, all little-endian. The first 130
// bytes are the worked example of the chapter page.
const std::string kGoldenHex =
    "4d414e49 01000000"                           // magic "MANI", format version 1
    "26000000"                                    // @8: length 38
    "01 0300000000000000 00"                      //   snapshot, next_id 3, strategy none
    "01000000 0200000000000000"                   //   L0: 1 id: [2]
    "01000000 0100000000000000 00000000"          //   1 level: L1, 0 ids
    "09000000"                                    // @50: length 9
    "02 0300000000000000"                         //   new_memtable 3
    "09000000"                                    // @63: length 9
    "03 0300000000000000"                         //   flush 3
    "32000000"                                    // @76: length 50
    "04 01"                                       //   compaction, full
    "02000000 0300000000000000 0200000000000000"  //   L0: [3 2]
    "01000000 0100000000000000 00000000"          //   1 level: L1 []
    "01000000 0400000000000000"                   //   output [4]
    "38000000"                                    // @130: length 56
    "04 02"                                       //   compaction, level
    "00 0000000000000000"                         //   no upper level (L0): flag 0, id 0
    "01000000 0500000000000000"                   //   upper SSTs [5]
    "0100000000000000 01000000 0400000000000000"  //   lower level 1, SSTs [4]
    "01"                                          //   lower level is the bottom
    "01000000 0600000000000000"                   //   output [6]
    "3b000000"                                    // @190: length 59
    "04 03"                                       //   compaction, tiered
    "02000000"                                    //   2 tiers
    "0800000000000000 01000000 0800000000000000"  //   tier 8 [8]
    "0700000000000000 01000000 0700000000000000"  //   tier 7 [7]
    "01"                                          //   bottom tier included
    "01000000 0900000000000000";                  //   output [9]

constexpr std::uint64_t kGoldenOffsets[] = {8, 50, 63, 76, 130, 190};
constexpr std::uint32_t kGoldenLengths[] = {38, 9, 9, 50, 56, 59};
constexpr std::uint64_t kGoldenSize = 253;

// The golden records in `format`: kGoldenHex in version 1; in version 2 the same payloads (the
// records' encoding does not change), each in its checksummed frame.
std::string golden_bytes(const ManifestFormat& format) {
  const std::string version_1 = from_hex(kGoldenHex);
  std::string bytes = format.header();
  for (std::size_t i = 0; i < std::size(kGoldenOffsets); ++i) {
    bytes +=
        format.framed(std::string_view(version_1).substr(kGoldenOffsets[i] + 4, kGoldenLengths[i]));
  }
  return bytes;
}

// Where each golden record starts in `format`, and (last) where the file ends: 8, 50, 63, 76,
// 130, 190, 253 in version 1; 4 bytes later per record before in version 2.
std::vector<std::uint64_t> golden_offsets(const ManifestFormat& format) {
  std::vector<std::uint64_t> offsets{mini_lsm::kManifestHeaderSize};
  for (const std::uint32_t length : kGoldenLengths) {
    offsets.push_back(offsets.back() + format.overhead() + length);
  }
  return offsets;
}

// A record as it stands in a manifest of `format`.
std::string framed_in(const ManifestFormat& format, const ManifestRecord& record) {
  return format.framed(encode_record(record));
}

// ---- Writing and reading ---------------------------------------------------------------------

// A manifest at kPath holding `records` (the first one through create()), still open.
Manifest open_manifest(FaultInjectionFs& fs, const std::vector<ManifestRecord>& records) {
  fs.create_directories(kDir);
  Manifest manifest = Manifest::create(kPath, records.front(), fs);
  for (std::size_t i = 1; i < records.size(); ++i) {
    manifest.add_record(records[i]);
  }
  return manifest;
}

void write_manifest(FaultInjectionFs& fs, const std::vector<ManifestRecord>& records) {
  open_manifest(fs, records);
}

ManifestContents read_bytes(const std::string& bytes) {
  FaultInjectionFs fs;
  fs.write_file(kPath, bytes);
  return read_manifest(kPath, fs);
}

// The Corruption that read_manifest() throws on `bytes`; nothing if it throws none. Any other
// exception (NotImplemented, IoError) goes through and fails the test.
std::optional<Corruption> corruption_reading(const std::string& bytes) {
  try {
    read_bytes(bytes);
  } catch (const Corruption& error) {
    return error;
  }
  return std::nullopt;
}

bool mentions(const std::exception& error, const std::string& text) {
  return std::string(error.what()).find(text) != std::string::npos;
}

// Where each record of `records` starts in a manifest of `format` holding them after the header.
std::vector<std::uint64_t> offsets_of(const ManifestFormat& format,
                                      const std::vector<ManifestRecord>& records) {
  std::vector<std::uint64_t> offsets;
  std::uint64_t at = mini_lsm::kManifestHeaderSize;
  for (const ManifestRecord& record : records) {
    offsets.push_back(at);
    at += framed_in(format, record).size();
  }
  return offsets;
}

// `contents` read a manifest of `format` holding exactly `records`.
void check_entries(const ManifestContents& contents, const ManifestFormat& format,
                   const std::vector<ManifestRecord>& records) {
  REQUIRE(contents.entries.size() == records.size());
  const std::vector<std::uint64_t> offsets = offsets_of(format, records);
  for (std::size_t i = 0; i < records.size(); ++i) {
    INFO("record " << i << ": " << mini_lsm::describe(records[i]));
    CHECK(contents.entries[i].offset == offsets[i]);
    CHECK(contents.entries[i].length == encode_record(records[i]).size());
    CHECK(contents.entries[i].record == records[i]);
  }
}

// ---- Random records --------------------------------------------------------------------------

class RecordGenerator {
 public:
  explicit RecordGenerator(std::uint64_t seed) : random_(seed) {}

  ManifestRecord record() {
    switch (random_() % 4) {
      case 0:
        return snapshot(id(), ids(), levels(), strategy());
      case 1:
        return NewMemtableRecord{id()};
      case 2:
        return FlushRecord{id()};
      default:
        return CompactionRecord{task(), ids()};
    }
  }

 private:
  // Small ids mostly, and now and then the two ends of the range.
  std::size_t id() {
    switch (random_() % 8) {
      case 0:
        return 0;
      case 1:
        return static_cast<std::size_t>(kMaxFileId);
      default:
        return static_cast<std::size_t>(random_() % 1000);
    }
  }

  // Empty lists often, long ones sometimes.
  std::vector<std::size_t> ids() {
    const std::size_t count = random_() % 4 == 0 ? 0 : random_() % 6 == 0 ? 300 : random_() % 5;
    std::vector<std::size_t> result;
    for (std::size_t i = 0; i < count; ++i) {
      result.push_back(id());
    }
    return result;
  }

  std::vector<Level> levels() {
    std::vector<Level> result(random_() % 4);
    for (Level& level : result) {
      level.id = id();
      level.sst_ids = ids();
    }
    return result;
  }

  bool flag() { return random_() % 2 == 0; }

  CompactionStrategy strategy() { return static_cast<CompactionStrategy>(random_() % 4); }

  CompactionTask task() {
    switch (random_() % 3) {
      case 0:
        return FullCompactionTask{ids(), levels()};
      case 1: {
        LevelCompactionTask level;
        if (flag()) {
          level.upper_level = id();
        }
        level.upper_level_sst_ids = ids();
        level.lower_level = id();
        level.lower_level_sst_ids = ids();
        level.is_lower_level_bottom_level = flag();
        return level;
      }
      default:
        return TieredCompactionTask{levels(), flag()};
    }
  }

  std::mt19937_64 random_;
};

std::unique_ptr<LsmStorage> open_engine(const std::shared_ptr<FaultInjectionFs>& fs) {
  LsmOptions options;
  options.bloom_bits_per_key = 0;
  options.num_memtable_limit = 1000;
  options.file_system = fs;
  return LsmStorage::open(kDir, options);
}

}  // namespace

// ---- Golden bytes ------------------------------------------------------------------------------

TEST_CASE(
    "manifest of a snapshot, a new memtable, a flush and each kind of compaction has "
    "exactly the bytes of the format",
    "[w2d5][manifest-file][golden]") {
  FaultInjectionFs fs;
  write_manifest(fs, golden_records());
  const std::string bytes = fs.contents(kPath);
  const ManifestFormat format = written_manifest_format(bytes);
  CHECK(bytes.size() == (format.version == 1 ? kGoldenSize : kGoldenSize + 6 * 4));
  CHECK(to_hex(bytes) == to_hex(golden_bytes(format)));
  CHECK(fs.durable_contents(kPath) == bytes);  // every record synced
}

TEST_CASE("manifest golden bytes read back as the six records with their offsets and lengths",
          "[w2d5][manifest-file][golden]") {
  const ManifestContents contents = read_bytes(from_hex(kGoldenHex));
  const std::vector<ManifestRecord> records = golden_records();
  REQUIRE(contents.entries.size() == records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    INFO("record " << i);
    CHECK(contents.entries[i].offset == kGoldenOffsets[i]);
    CHECK(contents.entries[i].length == kGoldenLengths[i]);
    CHECK(contents.entries[i].record == records[i]);
  }
  CHECK(contents.torn_tail_offset == std::nullopt);
  CHECK(contents.file_size == kGoldenSize);
}

// ---- Round trip --------------------------------------------------------------------------------

TEST_CASE(
    "manifest round trip: 300 seeded random records of every type and task kind come back "
    "equal, at their offsets",
    "[w2d5][manifest-file][round-trip]") {
  RecordGenerator generator(20260521);
  std::vector<ManifestRecord> records{snapshot(0, {}, {})};
  for (int i = 0; i < 300; ++i) {
    records.push_back(generator.record());
  }
  for (const ManifestRecord& record : records) {
    INFO(mini_lsm::describe(record));
    CHECK(mini_lsm::decode_record(encode_record(record), kPath, 0) == record);
  }
  FaultInjectionFs fs;
  write_manifest(fs, records);
  const ManifestContents contents = read_manifest(kPath, fs);
  const ManifestFormat format = written_manifest_format(fs.contents(kPath));
  CHECK(fs.contents(kPath) == format.header() + [&] {
    std::string all;
    for (const ManifestRecord& record : records) {
      all += framed_in(format, record);
    }
    return all;
  }());
  check_entries(contents, format, records);
  CHECK(contents.torn_tail_offset == std::nullopt);
  CHECK(contents.file_size == fs.contents(kPath).size());
}

TEST_CASE("manifest round trip keeps empty lists, 10000-id lists and the largest id",
          "[w2d5][manifest-file][round-trip]") {
  std::vector<std::size_t> many(10000);
  for (std::size_t i = 0; i < many.size(); ++i) {
    many[i] = static_cast<std::size_t>(kMaxFileId) - i;
  }
  LevelCompactionTask from_l1;
  from_l1.upper_level = 1;
  from_l1.upper_level_sst_ids = many;
  from_l1.lower_level = 2;
  const std::vector<ManifestRecord> records{
      snapshot(0, {}, {}),
      snapshot(static_cast<std::size_t>(kMaxFileId), many, {Level{1, many}, Level{2, {}}},
               CompactionStrategy::kLeveled),
      CompactionRecord{FullCompactionTask{}, {}},
      CompactionRecord{from_l1, many},
      CompactionRecord{TieredCompactionTask{}, {}},
      NewMemtableRecord{static_cast<std::size_t>(kMaxFileId)},
  };
  FaultInjectionFs fs;
  write_manifest(fs, records);
  check_entries(read_manifest(kPath, fs), written_manifest_format(fs.contents(kPath)), records);
  CHECK(encode_record(records[2]).size() == 1 + 1 + 4 + 4 + 4);  // type, task, 3 empty lists
}

TEST_CASE("manifest read_manifest shows every record to its callback in file order",
          "[w2d5][manifest-file][round-trip]") {
  FaultInjectionFs fs;
  fs.write_file(kPath, from_hex(kGoldenHex));
  std::vector<std::uint64_t> seen;
  const ManifestContents contents =
      read_manifest(kPath, fs, [&](const ManifestEntry& entry) { seen.push_back(entry.offset); });
  CHECK(seen == std::vector<std::uint64_t>(std::begin(kGoldenOffsets), std::end(kGoldenOffsets)));
  CHECK(contents.entries.size() == 6);
}

// ---- Torn tails --------------------------------------------------------------------------------

TEST_CASE(
    "manifest cut at every byte after the header keeps the whole records before the cut "
    "and marks where the cut record starts",
    "[w2d5][manifest-file][torn]") {
  const std::string bytes = from_hex(kGoldenHex);
  const std::vector<ManifestRecord> records = golden_records();
  for (std::size_t cut = mini_lsm::kManifestHeaderSize; cut <= bytes.size(); ++cut) {
    INFO("cut at byte " << cut);
    std::size_t whole = 0;
    while (whole < records.size() && kGoldenOffsets[whole] + 4 + kGoldenLengths[whole] <= cut) {
      ++whole;
    }
    const bool on_boundary = whole == records.size() || kGoldenOffsets[whole] == cut;
    const ManifestContents contents = read_bytes(bytes.substr(0, cut));
    REQUIRE(contents.entries.size() == whole);
    for (std::size_t i = 0; i < whole; ++i) {
      CHECK(contents.entries[i].record == records[i]);
    }
    if (on_boundary) {
      CHECK(contents.torn_tail_offset == std::nullopt);
    } else {
      CHECK(contents.torn_tail_offset == std::optional<std::uint64_t>(kGoldenOffsets[whole]));
    }
    CHECK(contents.file_size == cut);
  }
}

TEST_CASE("manifest zero bytes after whole records (1, 3, 4, 5 or 100 of them) are a torn tail",
          "[w2d5][manifest-file][torn]") {
  for (const std::size_t zeros : {1, 3, 4, 5, 100}) {
    INFO(zeros << " zero bytes");
    const ManifestContents contents = read_bytes(from_hex(kGoldenHex) + std::string(zeros, '\0'));
    CHECK(contents.entries.size() == 6);
    CHECK(contents.torn_tail_offset == std::optional<std::uint64_t>(kGoldenSize));
    CHECK(contents.file_size == kGoldenSize + zeros);
  }
  // Right after the header too: a crash in the middle of the first add_record of a session.
  const ManifestContents empty = read_bytes(header_bytes() + std::string(13, '\0'));
  CHECK(empty.entries.empty());
  CHECK(empty.torn_tail_offset == std::optional<std::uint64_t>(8));
}

TEST_CASE("manifest a tail of 1 to 3 bytes is a torn length field, whatever the bytes",
          "[w2d5][manifest-file][torn]") {
  const std::string valid = header_bytes() + framed(FlushRecord{1});
  for (const std::string& tail :
       {std::string("\x09"), std::string("\xff\xff"), std::string("\x01\x00\x00", 3)}) {
    INFO("tail of " << tail.size() << " bytes");
    const ManifestContents contents = read_bytes(valid + tail);
    CHECK(contents.entries.size() == 1);
    CHECK(contents.torn_tail_offset == std::optional<std::uint64_t>(21));
  }
}

TEST_CASE("manifest cut inside its header is Corruption at offset 0, not a torn tail",
          "[w2d5][manifest-file][torn]") {
  const std::string header = header_bytes();
  for (std::size_t cut = 0; cut < header.size(); ++cut) {
    INFO("cut at byte " << cut);
    const std::optional<Corruption> error = corruption_reading(header.substr(0, cut));
    REQUIRE(error);
    CHECK(error->file() == kPath);
    if (cut < 4) {
      CHECK(error->offset() == 0);
    } else {  // the magic is whole: "not a manifest" and "the version is cut short" both fit
      CHECK((error->offset() == 0 || error->offset() == 4));
    }
  }
}

// ---- Hostile bytes -----------------------------------------------------------------------------

TEST_CASE("manifest that is an empty file is Corruption at offset 0: not a manifest",
          "[w2d5][manifest-file][hostile]") {
  const std::optional<Corruption> error = corruption_reading("");
  REQUIRE(error);
  CHECK(error->file() == kPath);
  CHECK(error->offset() == 0);
  CHECK(mentions(*error, "not a manifest"));
}

TEST_CASE("manifest that is a foreign file (an SST, text, a wrong magic) is Corruption at offset 0",
          "[w2d5][manifest-file][hostile]") {
  std::string sst_bytes;
  {
    auto fs = std::make_shared<FaultInjectionFs>();
    auto engine = open_engine(fs);
    engine->put("key", "value");
    engine->force_freeze_memtable();
    engine->force_flush();
    engine->close();
    for (const std::string& name : fs->files(kDir)) {
      if (name.size() > 4 && name.substr(name.size() - 4) == ".sst") {
        sst_bytes = fs->contents(std::string(kDir) + "/" + name);
      }
    }
  }
  REQUIRE(sst_bytes.size() > 8);
  std::string wrong_magic = from_hex(kGoldenHex);
  wrong_magic[3] = 'J';  // "MANJ"
  for (const std::string& bytes : {sst_bytes, std::string("hello, manifest\n"), wrong_magic}) {
    INFO(bytes.size() << " bytes");
    const std::optional<Corruption> error = corruption_reading(bytes);
    REQUIRE(error);
    CHECK(error->file() == kPath);
    CHECK(error->offset() == 0);
    CHECK(mentions(*error, "not a manifest"));
  }
}

TEST_CASE("manifest of another format version is Corruption at offset 4 naming that version",
          "[w2d5][manifest-file][hostile]") {
  // Version 2 is the checksummed format of week 2 day 7, which the engine reads: 3 is not.
  for (const std::uint32_t version : {0U, 3U, 0xffffffffU}) {
    INFO("version " << version);
    const std::optional<Corruption> error =
        corruption_reading(header_bytes(version) + framed(FlushRecord{1}));
    REQUIRE(error);
    CHECK(error->file() == kPath);
    CHECK(error->offset() == 4);
    CHECK(mentions(*error, "version " + std::to_string(version)));
  }
}

TEST_CASE("manifest record length of 0 is Corruption at the record",
          "[w2d5][manifest-file][hostile]") {
  const std::string valid = header_bytes() + framed(FlushRecord{1});  // the next record is at 21
  const std::optional<Corruption> error =
      corruption_reading(valid + u32_bytes(0) + byte(3) + u64_bytes(2));
  REQUIRE(error);
  CHECK(error->file() == kPath);
  CHECK(error->offset() == 21);
  CHECK(mentions(*error, "length of 0"));
  // Zeros then one nonzero byte: not "only zeros", so not a torn tail.
  const std::optional<Corruption> zeros_then_one =
      corruption_reading(valid + std::string(7, '\0') + byte(1));
  REQUIRE(zeros_then_one);
  CHECK(zeros_then_one->offset() == 21);
}

TEST_CASE("manifest record length over kMaxManifestRecordSize is Corruption, up to it a torn tail",
          "[w2d5][manifest-file][hostile]") {
  const std::string valid = header_bytes() + framed(FlushRecord{1});
  for (const std::uint32_t length : {kMaxManifestRecordSize + 1, 0xffffffffU}) {
    INFO("length " << length);
    const std::optional<Corruption> error =
        corruption_reading(valid + u32_bytes(length) + byte(3) + u64_bytes(2));
    REQUIRE(error);
    CHECK(error->file() == kPath);
    CHECK(error->offset() == 21);
    CHECK(mentions(*error, std::to_string(length)));
  }
  // The largest length is allowed: this file just ends before the record does.
  const ManifestContents contents =
      read_bytes(valid + u32_bytes(kMaxManifestRecordSize) + byte(3) + u64_bytes(2));
  CHECK(contents.entries.size() == 1);
  CHECK(contents.torn_tail_offset == std::optional<std::uint64_t>(21));
}

TEST_CASE("manifest unknown record type is Corruption at its type byte",
          "[w2d5][manifest-file][hostile]") {
  const std::string valid = header_bytes() + framed(FlushRecord{1});
  for (const std::uint8_t type : {0, 6, 255}) {
    INFO("type " << int{type});
    const std::optional<Corruption> error =
        corruption_reading(valid + framed_payload(byte(type) + u64_bytes(2)));
    REQUIRE(error);
    CHECK(error->file() == kPath);
    CHECK(error->offset() == 25);
    CHECK(mentions(*error, "unknown record type " + std::to_string(type)));
  }
}

TEST_CASE("manifest unknown compaction task type is Corruption at its byte",
          "[w2d5][manifest-file][hostile]") {
  const std::string valid = header_bytes() + framed(FlushRecord{1});
  for (const std::uint8_t task : {0, 4}) {
    INFO("task type " << int{task});
    const std::string payload = byte(4) + byte(task) + u32_bytes(0) + u32_bytes(0) + u32_bytes(0);
    const std::optional<Corruption> error = corruption_reading(valid + framed_payload(payload));
    REQUIRE(error);
    CHECK(error->offset() == 26);
    CHECK(mentions(*error, "unknown compaction task type"));
  }
}

TEST_CASE("manifest flag byte of 2, or a strategy byte of 4, is Corruption at that byte",
          "[w2d5][manifest-file][hostile]") {
  const std::string valid = header_bytes() + framed(FlushRecord{1});
  // A level task whose "has an upper level" flag is 2: the flag is the payload's third byte.
  const std::string level = byte(4) + byte(2) + byte(2) + u64_bytes(1) + u32_bytes(0) +
                            u64_bytes(2) + u32_bytes(0) + byte(0) + u32_bytes(0);
  const std::optional<Corruption> upper = corruption_reading(valid + framed_payload(level));
  REQUIRE(upper);
  CHECK(upper->offset() == 25 + 2);
  CHECK(mentions(*upper, "not 2"));
  // A tiered task with no tiers whose "bottom tier included" flag is 2.
  const std::string tiered = byte(4) + byte(3) + u32_bytes(0) + byte(2) + u32_bytes(0);
  const std::optional<Corruption> bottom = corruption_reading(valid + framed_payload(tiered));
  REQUIRE(bottom);
  CHECK(bottom->offset() == 25 + 6);
  // A snapshot whose strategy byte is 4 (strategies are 0 to 3).
  const std::string strategy = byte(1) + u64_bytes(2) + byte(4) + u32_bytes(0) + u32_bytes(0);
  const std::optional<Corruption> unknown = corruption_reading(valid + framed_payload(strategy));
  REQUIRE(unknown);
  CHECK(unknown->offset() == 25 + 9);
  CHECK(mentions(*unknown, "strategy 4"));
}

TEST_CASE(
    "manifest level task from L0 whose unused upper level id is not 0 is Corruption at that id, "
    "since only 0 is ever written there",
    "[w2d5][manifest-file][hostile]") {
  const std::string valid = header_bytes() + framed(FlushRecord{1});
  // Compaction, level task, no upper level (L0), upper id 7, upper SSTs [], lower 1, [], bottom.
  const std::string level = byte(4) + byte(2) + byte(0) + u64_bytes(7) + u32_bytes(0) +
                            u64_bytes(1) + u32_bytes(0) + byte(1) + u32_bytes(0);
  const std::optional<Corruption> error = corruption_reading(valid + framed_payload(level));
  REQUIRE(error);
  CHECK(error->file() == kPath);
  CHECK(error->offset() == 25 + 3);
  CHECK(mentions(*error, "not 7"));
  // The same task with the id 0 is what encode_record() writes for it, and reads back.
  const std::string zero = byte(4) + byte(2) + byte(0) + u64_bytes(0) + u32_bytes(0) +
                           u64_bytes(1) + u32_bytes(0) + byte(1) + u32_bytes(0);
  const ManifestContents contents = read_bytes(valid + framed_payload(zero));
  REQUIRE(contents.entries.size() == 2);
  CHECK(encode_record(contents.entries[1].record) == zero);
}

TEST_CASE("manifest bytes left over after a record's fields are Corruption where they start",
          "[w2d5][manifest-file][hostile]") {
  const std::string valid = header_bytes() + framed(FlushRecord{1});
  const std::string payload = encode_record(FlushRecord{2}) + "xy";
  const std::optional<Corruption> error = corruption_reading(valid + framed_payload(payload));
  REQUIRE(error);
  CHECK(error->offset() == 25 + 9);
  CHECK(mentions(*error, "2 bytes left over"));
}

TEST_CASE(
    "manifest record shorter than its fields is Corruption where the bytes run out, not a "
    "torn tail",
    "[w2d5][manifest-file][hostile]") {
  const std::string valid = header_bytes() + framed(FlushRecord{1});
  const std::string flush = encode_record(FlushRecord{2});
  for (std::size_t kept = 1; kept < flush.size(); ++kept) {
    INFO(kept << " bytes of a flush record");
    const std::optional<Corruption> error =
        corruption_reading(valid + framed_payload(flush.substr(0, kept)));
    REQUIRE(error);
    CHECK(error->offset() == 25 + kept);
  }
}

TEST_CASE(
    "manifest list count larger than the bytes left is Corruption at the count, before any "
    "allocation",
    "[w2d5][manifest-file][hostile]") {
  const std::string valid = header_bytes() + framed(FlushRecord{1});
  // A snapshot whose L0 list claims 4294967295 ids: 32 GiB if a reader believed it.
  const std::string ids = byte(1) + u64_bytes(2) + byte(0) + u32_bytes(0xffffffff) + u32_bytes(0);
  const std::optional<Corruption> l0 = corruption_reading(valid + framed_payload(ids));
  REQUIRE(l0);
  CHECK(l0->offset() == 25 + 10);
  CHECK(mentions(*l0, "4294967295"));
  // A list of levels that claims 2^28 of them (each at least 12 bytes).
  const std::string levels = byte(1) + u64_bytes(2) + byte(0) + u32_bytes(0) + u32_bytes(1U << 28);
  const std::optional<Corruption> many_levels = corruption_reading(valid + framed_payload(levels));
  REQUIRE(many_levels);
  CHECK(many_levels->offset() == 25 + 14);
  // One id more than the 8 bytes left hold.
  const std::string one_more =
      byte(1) + u64_bytes(2) + byte(0) + u32_bytes(2) + u64_bytes(1) + u32_bytes(0);
  const std::optional<Corruption> short_list = corruption_reading(valid + framed_payload(one_more));
  REQUIRE(short_list);
  CHECK(short_list->offset() == 25 + 10);
}

TEST_CASE("manifest id over kMaxFileId is Corruption at the id, and kMaxFileId itself is fine",
          "[w2d5][manifest-file][hostile]") {
  const std::string valid = header_bytes() + framed(FlushRecord{1});
  const std::optional<Corruption> error =
      corruption_reading(valid + framed_payload(byte(2) + u64_bytes(kMaxFileId + 1)));
  REQUIRE(error);
  CHECK(error->offset() == 25 + 1);
  CHECK(mentions(*error, std::to_string(kMaxFileId + 1)));
  const ManifestContents largest =
      read_bytes(valid + framed_payload(byte(2) + u64_bytes(kMaxFileId)));
  REQUIRE(largest.entries.size() == 2);
  CHECK(largest.entries[1].record ==
        ManifestRecord(NewMemtableRecord{static_cast<std::size_t>(kMaxFileId)}));
}

TEST_CASE("manifest tail of garbage that is not zeros is Corruption at its offset, not torn",
          "[w2d5][manifest-file][hostile]") {
  const std::string bytes = from_hex(kGoldenHex);
  const std::optional<Corruption> ones = corruption_reading(bytes + std::string(8, '\xab'));
  REQUIRE(ones);
  CHECK(ones->file() == kPath);
  CHECK(ones->offset() == kGoldenSize);
  // A plausible length, then a payload that is not a record.
  const std::optional<Corruption> text = corruption_reading(bytes + framed_payload("garbage"));
  REQUIRE(text);
  CHECK(text->offset() == kGoldenSize + 4);
  CHECK(mentions(*text, "unknown record type"));
}

TEST_CASE("manifest damage in the middle: the callback saw the records before it, then Corruption",
          "[w2d5][manifest-file][hostile]") {
  std::string bytes = from_hex(kGoldenHex);
  bytes[kGoldenOffsets[3] + 4] = 9;  // the full compaction's type byte
  FaultInjectionFs fs;
  fs.write_file(kPath, bytes);
  std::vector<std::uint64_t> seen;
  bool threw = false;
  try {
    read_manifest(kPath, fs, [&](const ManifestEntry& entry) { seen.push_back(entry.offset); });
  } catch (const Corruption& error) {
    threw = true;
    CHECK(error.offset() == kGoldenOffsets[3] + 4);
  }
  CHECK(threw);
  CHECK(seen == std::vector<std::uint64_t>{8, 50, 63});
}

// ---- Manifest::add_record ----------------------------------------------------------------------

TEST_CASE("manifest add_record appends length and payload in one append, then syncs",
          "[w2d5][manifest-file][add-record]") {
  FaultInjectionFs fs;
  fs.create_directories(kDir);
  Manifest manifest = Manifest::create(kPath, snapshot(1, {}, {}), fs);
  CHECK(manifest.path() == kPath);
  const ManifestFormat format = written_manifest_format(fs.contents(kPath));
  // A flush record's payload is 9 bytes, this compaction's 30; version 2 frames them with 4
  // more bytes (the checksum) than version 1.
  const std::string flush_append = std::to_string(format.overhead() + 9);
  const std::string compaction_append = std::to_string(format.overhead() + 30);
  CHECK(flush_append == (format.version == 1 ? "13" : "17"));
  fs.clear_log();
  manifest.add_record(FlushRecord{7});
  CHECK(fs.log() ==
        std::vector<std::string>{"append /db/MANIFEST " + flush_append, "sync /db/MANIFEST"});
  manifest.add_record(CompactionRecord{FullCompactionTask{{7}, {}}, {8}});
  CHECK(fs.log().size() == 4);
  CHECK(fs.log()[2] == "append /db/MANIFEST " + compaction_append);
  CHECK(fs.durable_contents(kPath) ==
        format.header() + framed_in(format, snapshot(1, {}, {})) +
            framed_in(format, FlushRecord{7}) +
            framed_in(format, CompactionRecord{FullCompactionTask{{7}, {}}, {8}}));
}

namespace {

// The message of the IoError that `action` throws; the test fails if it throws nothing.
// Any other exception goes through and fails the test too.
std::string io_error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const IoError& error) {
    return error.what();
  }
  FAIL("expected an IoError");
  return {};
}

std::string failed(const std::string& line, int error_number) {
  return line + " (failed: " + std::strerror(error_number) + ")";
}

}  // namespace

TEST_CASE(
    "manifest add_record after a failed sync throws IoError, then refuses every record "
    "with the same error without touching the file",
    "[w2d5][manifest-file][add-record]") {
  FaultInjectionFs fs;
  Manifest manifest = open_manifest(fs, {snapshot(1, {}, {}), NewMemtableRecord{1}});
  const std::string before = fs.contents(kPath);
  const ManifestFormat format = written_manifest_format(before);
  fs.fail(FsOp::kSync, 1);
  fs.clear_log();
  const std::string first = io_error_of([&] { manifest.add_record(FlushRecord{1}); });
  CHECK(fs.log() ==
        std::vector<std::string>{"append /db/MANIFEST " + std::to_string(format.overhead() + 9),
                                 failed("sync /db/MANIFEST", EIO)});
  const std::string after_failure = fs.contents(kPath);
  CHECK(after_failure == before + framed_in(format, FlushRecord{1}));

  fs.clear_log();
  CHECK(io_error_of([&] { manifest.add_record(NewMemtableRecord{2}); }) == first);
  CHECK(io_error_of([&] { manifest.add_record(FlushRecord{2}); }) == first);
  CHECK(fs.log().empty());
  CHECK(fs.contents(kPath) == after_failure);
}

TEST_CASE(
    "manifest add_record after a torn append throws IoError, then refuses every record, and "
    "the torn record reads as a torn tail",
    "[w2d5][manifest-file][add-record]") {
  FaultInjectionFs fs;
  Manifest manifest = open_manifest(fs, {snapshot(1, {}, {})});
  const std::string before = fs.contents(kPath);
  fs.fail_append_torn(1, 5);
  fs.clear_log();
  const std::string first = io_error_of([&] { manifest.add_record(FlushRecord{1}); });
  CHECK(fs.log().size() == 1);  // no sync after a failed append
  CHECK(fs.contents(kPath) ==
        before + framed_in(written_manifest_format(before), FlushRecord{1}).substr(0, 5));

  fs.clear_log();
  CHECK(io_error_of([&] { manifest.add_record(FlushRecord{2}); }) == first);
  CHECK(fs.log().empty());
  const ManifestContents contents = read_manifest(kPath, fs);
  CHECK(contents.entries.size() == 1);
  CHECK(contents.torn_tail_offset == std::optional<std::uint64_t>(before.size()));
}

TEST_CASE("manifest after a crash holds the records synced before it, in every crash mode",
          "[w2d5][manifest-file][add-record][crash]") {
  const std::vector<ManifestRecord> records = golden_records();
  for (const CrashMode mode : kModes) {
    for (std::uint64_t seed = 0; seed < 8; ++seed) {
      INFO(mini_lsm::testing::crash_mode_name(mode) << ", seed " << seed);
      FaultInjectionFs fs;
      {
        Manifest manifest = open_manifest(fs, {records.begin(), records.begin() + 3});
        fs.fail(FsOp::kSync, 1);
        CHECK_THROWS_AS(manifest.add_record(records[3]), IoError);
      }
      fs.crash(mode, seed);
      const ManifestContents contents = read_manifest(kPath, fs);
      const ManifestFormat format = written_manifest_format(fs.contents(kPath));
      const std::uint64_t cut_record = golden_offsets(format)[3];
      const std::uint64_t cut_record_end = golden_offsets(format)[4];
      REQUIRE(contents.entries.size() >= 3);
      for (std::size_t i = 0; i < 3; ++i) {
        CHECK(contents.entries[i].record == records[i]);
      }
      if (mode == CrashMode::kKeepRandomPrefix) {  // none, part or all of the unsynced record
        CHECK(contents.entries.size() <= 4);
        const std::size_t size = fs.contents(kPath).size();
        const bool partial = size > cut_record && size < cut_record_end;
        CHECK(contents.torn_tail_offset ==
              (partial ? std::optional<std::uint64_t>(cut_record) : std::nullopt));
      } else if (mode == CrashMode::kZeroFillUnsynced) {
        CHECK(contents.entries.size() == 3);
        CHECK(contents.torn_tail_offset == std::optional<std::uint64_t>(cut_record));
      } else {
        CHECK(contents.entries.size() == 3);
        CHECK(contents.torn_tail_offset == std::nullopt);
        CHECK(contents.file_size == cut_record);
      }
    }
  }
}

TEST_CASE(
    "manifest crash at every operation of a run of add_record keeps every record whose "
    "add_record returned",
    "[w2d5][manifest-file][add-record][crash]") {
  const std::vector<ManifestRecord> records = golden_records();
  for (const CrashMode mode : kModes) {
    bool crashed = true;
    for (std::size_t point = 1; crashed; ++point) {
      INFO(mini_lsm::testing::crash_mode_name(mode) << ", crash after " << point << " operations");
      FaultInjectionFs fs;
      std::size_t returned = 1;  // the snapshot, through create()
      crashed = false;
      {
        Manifest manifest = open_manifest(fs, {records.front()});
        fs.crash_after(point);
        for (std::size_t i = 1; i < records.size() && !crashed; ++i) {
          try {
            manifest.add_record(records[i]);
            ++returned;
          } catch (const IoError&) {
            crashed = true;
          }
        }
      }
      fs.crash(mode, point);
      const ManifestContents contents = read_manifest(kPath, fs);
      REQUIRE(contents.entries.size() >= returned);
      if (mode == CrashMode::kKeepRandomPrefix) {
        CHECK(contents.entries.size() <= returned + 1);
      } else {
        CHECK(contents.entries.size() == returned);
      }
      for (std::size_t i = 0; i < contents.entries.size(); ++i) {
        CHECK(contents.entries[i].record == records[i]);
      }
      REQUIRE(point < 100);  // the loop ends: six records take a dozen operations
    }
  }
}

// ---- Manifest::create --------------------------------------------------------------------------

TEST_CASE(
    "manifest create over an existing manifest: a crash at every operation leaves the old "
    "one or the new one, and the next open leaves no MANIFEST.tmp",
    "[w2d5][manifest-file][create][crash]") {
  for (const CrashMode mode : kModes) {
    bool finished = false;
    for (std::size_t point = 1; !finished; ++point) {
      INFO(mini_lsm::testing::crash_mode_name(mode) << ", crash after " << point << " operations");
      auto fs = std::make_shared<FaultInjectionFs>();
      open_engine(fs)->close();  // an engine's manifest: its snapshot and a new memtable
      const std::string old_bytes = fs->contents(kPath);
      const ManifestContents old_contents = read_manifest(kPath, *fs);
      REQUIRE(!old_contents.entries.empty());
      auto next = std::get<SnapshotRecord>(old_contents.entries.front().record);
      next.next_id += 10;
      const ManifestFormat format = written_manifest_format(old_bytes);
      const std::string new_bytes = format.header() + framed_in(format, next);

      fs->crash_after(point);
      try {
        Manifest::create(kPath, next, *fs);
        finished = !fs->dead();  // the crash point lies beyond the last operation
      } catch (const IoError&) {
      }
      fs->crash(mode, point);

      const std::string now = fs->contents(kPath);
      CHECK((now == old_bytes || now == new_bytes));
      const ManifestContents contents = read_manifest(kPath, *fs);
      if (now == old_bytes) {
        CHECK(contents.entries.size() == old_contents.entries.size());
      } else {
        REQUIRE(contents.entries.size() == 1);
        CHECK(contents.entries.front().record == ManifestRecord(next));
      }
      if (finished) {
        CHECK(now == new_bytes);  // create returned: the new manifest is durable
      }
      auto engine = open_engine(fs);
      const std::vector<std::string> files = fs->files(kDir);
      CHECK(std::find(files.begin(), files.end(), "MANIFEST.tmp") == files.end());
      CHECK(std::find(files.begin(), files.end(), "MANIFEST") != files.end());
      engine->close();
      REQUIRE(point < 100);
    }
  }
}

TEST_CASE("manifest create replaces a MANIFEST.tmp an earlier crash left",
          "[w2d5][manifest-file][create]") {
  FaultInjectionFs fs;
  fs.write_file("/db/MANIFEST.tmp", "half of a manifest");
  const SnapshotRecord first = snapshot(4, {3, 2}, {Level{1, {1}}});
  Manifest::create(kPath, first, fs);
  const ManifestFormat format = written_manifest_format(fs.contents(kPath));
  CHECK(fs.contents(kPath) == format.header() + framed_in(format, first));
  CHECK(fs.files(kDir) == std::vector<std::string>{"MANIFEST"});
}

TEST_CASE("manifest create is durable when it returns: a crash right after keeps it whole",
          "[w2d5][manifest-file][create]") {
  FaultInjectionFs fs;
  fs.create_directories(kDir);
  const SnapshotRecord first =
      snapshot(9, {8}, {Level{1, {}}, Level{2, {5, 6}}}, CompactionStrategy::kSimple);
  Manifest::create(kPath, first, fs);
  fs.crash(CrashMode::kDropUnsynced);
  CHECK(fs.durable_files(kDir) == std::vector<std::string>{"MANIFEST"});
  const ManifestFormat format = written_manifest_format(fs.contents(kPath));
  CHECK(fs.contents(kPath) == format.header() + framed_in(format, first));
  const ManifestContents contents = read_manifest(kPath, fs);
  REQUIRE(contents.entries.size() == 1);
  CHECK(contents.entries.front().record == ManifestRecord(first));
}
