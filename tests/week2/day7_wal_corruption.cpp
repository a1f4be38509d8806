// Week 2 day 7, a damaged WAL: what Wal::recover() and LsmStorage::open() do with a WAL of format
// version 2 (one checksummed frame per batch, salted with the WAL's id) whose bytes are not what
// the engine wrote.
//
// The rule: a bad frame with no whole frame after it is the torn tail a crash leaves (a cut
// record, zeros, garbage). Under WalRecoveryMode::kTolerateTornTail it is cut off, durably, and
// the writes before it are replayed; under kAbsoluteConsistency it is Corruption at its offset
// and the file is left as it is. A bad frame with a whole frame after it is damage in place:
// Corruption at its offset under both policies, and the file is never cut (the writes after the
// damage were acknowledged). Never is a value returned that was not written.
//
// What the references test, and what these tests add. LevelDB's db/log_test.cc damages one record
// at a time at a fixed offset (checksum, length, type, truncation) and skips zero headers as
// padding, so a zeroed hole reads as nothing at all; a bad length in its last block reads as the
// end of the log. RocksDB's db/log_test.cc and db_wal_test.cc run a few corruption offsets and
// truncations under each WALRecoveryMode. None flips every bit of a log, checks that a garbled
// length does not cut away the records after it, tells a zero-filled tail from a zeroed hole,
// or splices in a frame of another log with the same format. These tests do all of that with
// exact offsets, through Wal::recover() and through LsmStorage::open(), on the in-memory
// FaultInjectionFs, plus a seeded fuzz loop over read_wal() where each case has one exact answer.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "harness/catch.hpp"
#include "harness/day7_frames.hpp"
#include "harness/fault_injection_fs.hpp"
#include "harness/hex.hpp"
#include "harness/printers.hpp"
#include "harness/wal_files.hpp"
#include "mini_lsm/error.hpp"
#include "mini_lsm/lsm_storage.hpp"
#include "mini_lsm/options.hpp"
#include "mini_lsm/record_frame.hpp"
#include "mini_lsm/wal.hpp"
#include "mini_lsm/write_op.hpp"

using mini_lsm::Corruption;
using mini_lsm::InvalidArgument;
using mini_lsm::kMaxWalBatchBytes;
using mini_lsm::kWalChecksummedFormatVersion;
using mini_lsm::kWalFormatVersion;
using mini_lsm::kWalHeaderSize;
using mini_lsm::LsmOptions;
using mini_lsm::LsmStorage;
using mini_lsm::read_wal;
using mini_lsm::ReplayedWal;
using mini_lsm::Wal;
using mini_lsm::WalReadResult;
using mini_lsm::WalRecordView;
using mini_lsm::WalRecoveryMode;
using mini_lsm::WriteOp;
using mini_lsm::testing::CrashMode;
using mini_lsm::testing::FaultInjectionFs;
using mini_lsm::testing::files_ending;
using mini_lsm::testing::from_hex;
using mini_lsm::testing::hand_record;
using mini_lsm::testing::le32;
using mini_lsm::testing::overwrite_u32;
using mini_lsm::testing::to_hex;
using mini_lsm::testing::wal_header_of_version;
using mini_lsm::testing::wal_options;
using mini_lsm::testing::zero_range;

namespace {

const char* const kDb = "/db";
const char* const kPath = "/db/7.wal";
constexpr std::size_t kId = 7;

constexpr WalRecoveryMode kTolerate = WalRecoveryMode::kTolerateTornTail;
constexpr WalRecoveryMode kAbsolute = WalRecoveryMode::kAbsoluteConsistency;
const std::vector<WalRecoveryMode> kBothModes = {kTolerate, kAbsolute};

const char* mode_name(WalRecoveryMode mode) {
  return mode == kTolerate ? "tolerate torn tail" : "absolute consistency";
}

// ---- Writing a WAL -----------------------------------------------------------------------------

struct Write {
  std::string key;
  std::string value;  // empty: a delete

  bool operator==(const Write&) const = default;
};
using Writes = std::vector<Write>;
using Batch = std::vector<Write>;

// Writes the WAL `id` at `path` with Wal: a batch of one write with put(), a bigger one with
// put_batch(); then sync(). Returns the file's bytes, which must be of format version 2.
std::string write_wal(FaultInjectionFs& fs, const std::string& path, std::size_t id,
                      const std::vector<Batch>& batches) {
  fs.create_directories(kDb);
  auto wal = Wal::create(path, id, fs);
  for (const Batch& batch : batches) {
    if (batch.size() == 1) {
      wal->put(batch.front().key, batch.front().value);
    } else {
      std::vector<WriteOp> writes;
      for (const Write& write : batch) {
        writes.push_back(WriteOp::put(write.key, write.value));
      }
      wal->put_batch(writes);
    }
  }
  wal->sync();
  const std::string bytes = fs.contents(path);
  REQUIRE(to_hex(bytes.substr(0, kWalHeaderSize)) ==
          to_hex(wal_header_of_version(kWalChecksummedFormatVersion, id)));
  return bytes;
}

// The WAL of these tests: three puts, each its own frame. Frame sizes: 8 (header) + 4 (count) +
// 6 (key_len, value_len) + key + value, so 26, 30 and 32 bytes at 16, 42 and 72; 104 in all.
const Writes kThree = {{"apple", "red"}, {"banana", "yellow"}, {"cherry", "dark red"}};
constexpr std::uint64_t kFrame1 = 16;
constexpr std::uint64_t kFrame2 = 42;
constexpr std::uint64_t kFrame3 = 72;
constexpr std::uint64_t kThreeSize = 104;

std::vector<Batch> one_write_each(const Writes& writes) {
  std::vector<Batch> batches;
  for (const Write& write : writes) {
    batches.push_back({write});
  }
  return batches;
}

std::string three_record_wal(FaultInjectionFs& fs, const std::string& path = kPath,
                             std::size_t id = kId, const Writes& writes = kThree) {
  const std::string bytes = write_wal(fs, path, id, one_write_each(writes));
  REQUIRE(bytes.size() == kThreeSize);
  return bytes;
}

// ---- Recovering it -----------------------------------------------------------------------------

struct Recovered {
  Writes writes;
  WalReadResult result;
};

Recovered recover(FaultInjectionFs& fs, WalRecoveryMode mode, const std::string& path = kPath,
                  std::size_t id = kId) {
  Recovered recovered;
  recovered.result = Wal::recover(
      path, id, fs,
      [&](std::string_view key, std::string_view value) {
        recovered.writes.push_back(Write{std::string(key), std::string(value)});
      },
      mode);
  return recovered;
}

// Wal::recover() must throw Corruption; returns it, and the writes handed out before it.
struct Refusal {
  Corruption error;
  Writes writes;
};

Refusal recover_must_fail(FaultInjectionFs& fs, WalRecoveryMode mode,
                          const std::string& path = kPath, std::size_t id = kId) {
  Writes writes;
  try {
    Wal::recover(
        path, id, fs,
        [&](std::string_view key, std::string_view value) {
          writes.push_back(Write{std::string(key), std::string(value)});
        },
        mode);
  } catch (const Corruption& error) {
    return Refusal{error, writes};
  }
  FAIL("Wal::recover() returned, but the WAL must be refused with Corruption");
  throw std::logic_error("unreachable");
}

// `writes` is `expected` or a prefix of it.
bool is_prefix_of(const Writes& writes, const Writes& expected) {
  return writes.size() <= expected.size() &&
         std::equal(writes.begin(), writes.end(), expected.begin());
}

Writes first(const Writes& writes, std::size_t count) {
  return Writes(writes.begin(), writes.begin() + static_cast<std::ptrdiff_t>(count));
}

// The file's bytes now and its durable bytes are both `expected`.
void check_file_is(const FaultInjectionFs& fs, const std::string& expected,
                   const std::string& path = kPath) {
  CHECK(fs.contents(path).size() == expected.size());
  CHECK(fs.contents(path) == expected);
  CHECK(fs.durable_contents(path) == expected);
}

// ---- A database whose WAL is damaged -----------------------------------------------------------

// The files a crash left of a database that wrote kThree into its first WAL and synced it.
struct CrashedDatabase {
  std::map<std::string, std::string> files;  // name -> bytes
  std::string wal;                           // the WAL's name, "<id>.wal"
  std::size_t wal_id = 0;
};

CrashedDatabase crashed_database() {
  const auto fs = std::make_shared<FaultInjectionFs>();
  auto engine = LsmStorage::open(kDb, wal_options(fs));
  for (const Write& write : kThree) {
    engine->put(write.key, write.value);
  }
  engine->sync();
  engine.reset();
  fs->crash(CrashMode::kDropUnsynced);
  CrashedDatabase database;
  for (const std::string& name : fs->files(kDb)) {
    database.files[name] = fs->contents(std::string(kDb) + "/" + name);
  }
  const std::vector<std::string> wals = files_ending(*fs, ".wal");
  REQUIRE(wals.size() == 1);
  database.wal = wals.front();
  database.wal_id = std::stoul(database.wal);
  const std::string& bytes = database.files.at(database.wal);
  REQUIRE(to_hex(bytes.substr(0, kWalHeaderSize)) ==
          to_hex(wal_header_of_version(kWalChecksummedFormatVersion, database.wal_id)));
  REQUIRE(bytes.size() == kThreeSize);  // a put is one frame, as in three_record_wal()
  return database;
}

// A file system holding the crashed database, with its WAL's bytes replaced by `wal_bytes`.
std::shared_ptr<FaultInjectionFs> planted(const CrashedDatabase& database,
                                          const std::string& wal_bytes) {
  auto fs = std::make_shared<FaultInjectionFs>();
  fs->create_directories(kDb);
  for (const auto& [name, bytes] : database.files) {
    fs->write_file(std::string(kDb) + "/" + name, name == database.wal ? wal_bytes : bytes);
  }
  return fs;
}

std::string wal_path(const CrashedDatabase& database) {
  return std::string(kDb) + "/" + database.wal;
}

std::unique_ptr<LsmStorage> open_with(const std::shared_ptr<FaultInjectionFs>& fs,
                                      WalRecoveryMode mode) {
  LsmOptions options = wal_options(fs);
  options.wal_recovery = mode;
  return LsmStorage::open(kDb, options);
}

Corruption open_must_fail(const std::shared_ptr<FaultInjectionFs>& fs, WalRecoveryMode mode) {
  try {
    open_with(fs, mode);
  } catch (const Corruption& error) {
    return error;
  }
  FAIL("LsmStorage::open() succeeded, but it must refuse the damaged WAL with Corruption");
  throw std::logic_error("unreachable");
}

// The engine returns exactly the first `count` writes of kThree, and nothing for the others.
void check_engine_holds_first(const LsmStorage& engine, std::size_t count) {
  for (std::size_t index = 0; index < kThree.size(); ++index) {
    INFO("key " << kThree[index].key);
    CHECK(engine.get(kThree[index].key) ==
          (index < count ? std::optional<std::string>(kThree[index].value) : std::nullopt));
  }
}

std::string replayed_text(const std::vector<ReplayedWal>& wals) {
  std::string text;
  for (const ReplayedWal& wal : wals) {
    text += std::to_string(wal.id) + ": " + std::to_string(wal.records) + " records, " +
            std::to_string(wal.bytes) + " bytes";
    if (wal.torn_tail_offset) {
      text += ", torn at " + std::to_string(*wal.torn_tail_offset);
    }
    text += "; ";
  }
  return text;
}

// What a bit flip at `at` of the three-record WAL must be refused as (the header's field, or the
// frame that holds it); nullopt for the last frame, which is a torn tail.
std::optional<std::uint64_t> refused_at(std::size_t at) {
  if (at < 4) {
    return 0;  // the magic number
  }
  if (at < 8) {
    return 4;  // the format version
  }
  if (at < kFrame1) {
    return 8;  // the id: another WAL's
  }
  if (at < kFrame2) {
    return kFrame1;
  }
  if (at < kFrame3) {
    return kFrame2;
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("Wal writes version 2: the header, then one checksummed frame per batch (golden bytes)",
          "[w2d7][wal-corruption]") {
  FaultInjectionFs fs;
  const std::string bytes = write_wal(fs, kPath, kId, {{{"k", "v"}}, {{"a", "1"}, {"b", ""}}});
  // By hand: "MWAL", version 2, id 7; frame(count 1, k = v); frame(count 2, a = 1, delete b).
  // Checksums computed with Python's bit-at-a-time CRC-32C over salt 7 (u64), length, payload.
  const std::string expected = from_hex(
      "4d 57 41 4c  02 00 00 00  07 00 00 00 00 00 00 00"
      "66 52 ee 2a  0c 00 00 00  01 00 00 00  01 00 6b  01 00 00 00 76"
      "84 f6 d2 45  13 00 00 00  02 00 00 00  01 00 61  01 00 00 00 31  01 00 62  00 00 00 00");
  CHECK(to_hex(bytes) == to_hex(expected));
  CHECK(fs.durable_contents(kPath) == expected);

  std::vector<WalRecordView> views;
  std::vector<Write> writes;
  const WalReadResult read = read_wal(kPath, fs, kId, [&](const WalRecordView& view) {
    views.push_back(view);
    writes.push_back(Write{std::string(view.key), std::string(view.value)});
  });
  CHECK(read.format_version == kWalChecksummedFormatVersion);
  CHECK(read.records == 3);
  CHECK(read.batches == 2);
  CHECK(read.file_size == 63);
  CHECK(read.valid_size == 63);
  CHECK_FALSE(read.torn_tail_offset.has_value());
  CHECK(writes == Writes{{"k", "v"}, {"a", "1"}, {"b", ""}});
  REQUIRE(views.size() == 3);
  CHECK(views[0].offset == 16);
  CHECK(views[0].index_in_batch == 0);
  CHECK(views[0].batch_size == 1);
  CHECK(views[0].checksum == 0x2aee5266);
  for (std::size_t index = 1; index < 3; ++index) {
    CHECK(views[index].offset == 36);
    CHECK(views[index].index_in_batch == index - 1);
    CHECK(views[index].batch_size == 2);
    CHECK(views[index].checksum == 0x45d2f684);
  }
}

TEST_CASE("Wal put_batch of an empty batch throws InvalidArgument and the WAL reads back clean",
          "[w2d7][wal-corruption]") {
  FaultInjectionFs fs;
  fs.create_directories(kDb);
  auto wal = Wal::create(kPath, kId, fs);
  wal->put("k", "v");
  // A frame of 0 writes would read back as damage and cost every later batch at the next open.
  CHECK_THROWS_AS(wal->put_batch({}), InvalidArgument);
  wal->put("after", "ok");
  wal->sync();
  std::vector<Write> writes;
  const WalReadResult read = read_wal(kPath, fs, kId, [&](const WalRecordView& view) {
    writes.push_back(Write{std::string(view.key), std::string(view.value)});
  });
  CHECK(read.batches == 2);
  CHECK_FALSE(read.torn_tail_offset.has_value());
  CHECK(writes == Writes{{"k", "v"}, {"after", "ok"}});
}

TEST_CASE("Every bit flip in a 3-record WAL: Corruption at the right offset, or the last one cut",
          "[w2d7][wal-corruption]") {
  FaultInjectionFs writer;
  const std::string original = three_record_wal(writer);
  std::size_t refused = 0;
  std::size_t cut = 0;
  for (std::size_t at = 0; at < original.size(); ++at) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string damaged = original;
      damaged[at] = static_cast<char>(damaged[at] ^ (1 << bit));
      for (const WalRecoveryMode mode : kBothModes) {
        INFO("byte " << at << " bit " << bit << ", " << mode_name(mode));
        FaultInjectionFs fs;
        fs.write_file(kPath, damaged);
        const std::optional<std::uint64_t> offset = refused_at(at);
        if (offset || mode == kAbsolute) {
          const Refusal refusal = recover_must_fail(fs, mode);
          REQUIRE(refusal.error.file() == kPath);
          REQUIRE(refusal.error.offset() == offset.value_or(kFrame3));
          REQUIRE(is_prefix_of(refusal.writes, first(kThree, 2)));
          check_file_is(fs, damaged);
          ++refused;
        } else {
          const Recovered recovered = recover(fs, mode);
          REQUIRE(recovered.writes == first(kThree, 2));
          REQUIRE(recovered.result.records == 2);
          REQUIRE(recovered.result.torn_tail_offset == std::optional<std::uint64_t>(kFrame3));
          REQUIRE(recovered.result.valid_size == kFrame3);
          check_file_is(fs, original.substr(0, kFrame3));
          ++cut;
        }
      }
    }
  }
  CHECK(refused == 2 * 72 * 8 + 32 * 8);
  CHECK(cut == 32 * 8);
}

TEST_CASE("Every damaged byte of a WAL under open(): Corruption naming it, or a torn tail cut",
          "[w2d7][wal-corruption]") {
  // One bit a byte (bit = byte % 8), under both policies, through the whole engine: the WAL is
  // refused with the database left as it was, or replayed without the last write.
  const CrashedDatabase database = crashed_database();
  const std::string original = database.files.at(database.wal);
  for (std::size_t at = 0; at < original.size(); ++at) {
    std::string damaged = original;
    damaged[at] = static_cast<char>(damaged[at] ^ (1 << (at % 8)));
    for (const WalRecoveryMode mode : kBothModes) {
      INFO("byte " << at << ", " << mode_name(mode));
      const auto fs = planted(database, damaged);
      const std::optional<std::uint64_t> offset = refused_at(at);
      if (offset || mode == kAbsolute) {
        const Corruption error = open_must_fail(fs, mode);
        REQUIRE(error.file() == wal_path(database));
        REQUIRE(error.offset() == offset.value_or(kFrame3));
        check_file_is(*fs, damaged, wal_path(database));
      } else {
        const auto engine = open_with(fs, mode);
        check_engine_holds_first(*engine, 2);
        REQUIRE(replayed_text(engine->recovery_report().replayed_wals) ==
                std::to_string(database.wal_id) + ": 2 records, 72 bytes, torn at 72; ");
      }
    }
  }
}

TEST_CASE("A middle record's length pointing past the end is Corruption, and nothing is cut",
          "[w2d7][wal-corruption]") {
  struct Length {
    std::uint32_t value;
    std::string problem;
  };
  const std::vector<Length> lengths = {
      {1000, "the file ends inside a record of 1000 bytes"},
      {static_cast<std::uint32_t>(kMaxWalBatchBytes),
       "the file ends inside a record of 33554432 bytes"},
      {static_cast<std::uint32_t>(kMaxWalBatchBytes + 1),
       "a record length of 33554433 bytes (a record has 10 to 33554432)"},
      {0xffffffff, "a record length of 4294967295 bytes (a record has 10 to 33554432)"},
  };
  FaultInjectionFs writer;
  const std::string original = three_record_wal(writer);
  const CrashedDatabase database = crashed_database();
  for (const Length& length : lengths) {
    std::string damaged = original;
    overwrite_u32(damaged, kFrame2 + 4, length.value);
    std::string engine_damaged = database.files.at(database.wal);
    overwrite_u32(engine_damaged, kFrame2 + 4, length.value);
    for (const WalRecoveryMode mode : kBothModes) {
      INFO("length " << length.value << ", " << mode_name(mode));
      FaultInjectionFs fs;
      fs.write_file(kPath, damaged);
      const Refusal refusal = recover_must_fail(fs, mode);
      CHECK(refusal.error.offset() == kFrame2);
      CHECK(refusal.error.detail() ==
            length.problem + ", but a whole record follows at offset 72: damage before the tail");
      check_file_is(fs, damaged);  // the third record is still there
      CHECK(fs.count(mini_lsm::testing::FsOp::kTruncate) == 0);

      const auto engine_fs = planted(database, engine_damaged);
      const Corruption error = open_must_fail(engine_fs, mode);
      CHECK(error.file() == wal_path(database));
      CHECK(error.offset() == kFrame2);
      check_file_is(*engine_fs, engine_damaged, wal_path(database));
    }
  }
}

TEST_CASE("Zero-filled tails after valid records are a torn tail: cut to the exact valid size",
          "[w2d7][wal-corruption]") {
  FaultInjectionFs writer;
  const std::string original = three_record_wal(writer);
  const CrashedDatabase database = crashed_database();
  const std::string reason =
      "only zero bytes from here (the file's size reached the disk, its data did not)";
  for (const std::size_t zeros : {1, 7, 8, 11, 4096, 32773}) {
    INFO(zeros << " zero bytes");
    const std::string with_zeros = original + std::string(zeros, '\0');
    const std::string engine_with_zeros =
        database.files.at(database.wal) + std::string(zeros, '\0');
    {
      FaultInjectionFs fs;
      fs.write_file(kPath, with_zeros);
      const Recovered recovered = recover(fs, kTolerate);
      CHECK(recovered.writes == kThree);
      CHECK(recovered.result.records == 3);
      CHECK(recovered.result.file_size == kThreeSize + zeros);
      CHECK(recovered.result.valid_size == kThreeSize);
      CHECK(recovered.result.torn_tail_offset == std::optional<std::uint64_t>(kThreeSize));
      CHECK(recovered.result.torn_tail_reason == reason);
      check_file_is(fs, original);
    }
    {
      FaultInjectionFs fs;
      fs.write_file(kPath, with_zeros);
      const Refusal refusal = recover_must_fail(fs, kAbsolute);
      CHECK(refusal.error.offset() == kThreeSize);
      CHECK(refusal.error.detail().starts_with(reason));
      check_file_is(fs, with_zeros);
    }
    {
      const auto engine = open_with(planted(database, engine_with_zeros), kTolerate);
      check_engine_holds_first(*engine, 3);
      CHECK(replayed_text(engine->recovery_report().replayed_wals) ==
            std::to_string(database.wal_id) + ": 3 records, 104 bytes, torn at 104; ");
    }
    {
      const auto fs = planted(database, engine_with_zeros);
      const Corruption error = open_must_fail(fs, kAbsolute);
      CHECK(error.file() == wal_path(database));
      CHECK(error.offset() == kThreeSize);
      check_file_is(*fs, engine_with_zeros, wal_path(database));
    }
  }
}

TEST_CASE("A zeroed hole in the middle of a WAL, with whole records after it, is Corruption",
          "[w2d7][wal-corruption]") {
  FaultInjectionFs writer;
  const std::string original = three_record_wal(writer);
  const CrashedDatabase database = crashed_database();
  struct Hole {
    std::size_t from;
    std::size_t count;
    std::uint64_t offset;
    std::string problem;
  };
  const std::vector<Hole> holes = {
      // The second frame zeroed: its length reads 0.
      {kFrame2, 30, kFrame2, "a record length of 0 bytes (a record has 10 to 33554432)"},
      // Zeros across the end of the first frame and the start of the second.
      {30, 30, kFrame1, "checksum mismatch"},
  };
  for (const Hole& hole : holes) {
    std::string damaged = original;
    zero_range(damaged, hole.from, hole.count);
    std::string engine_damaged = database.files.at(database.wal);
    zero_range(engine_damaged, hole.from, hole.count);
    for (const WalRecoveryMode mode : kBothModes) {
      INFO("zeros at [" << hole.from << ", " << hole.from + hole.count << "), " << mode_name(mode));
      FaultInjectionFs fs;
      fs.write_file(kPath, damaged);
      const Refusal refusal = recover_must_fail(fs, mode);
      CHECK(refusal.error.offset() == hole.offset);
      CHECK(refusal.error.detail().starts_with(hole.problem));
      CHECK(refusal.error.detail().ends_with(
          ", but a whole record follows at offset 72: damage before the tail"));
      check_file_is(fs, damaged);

      const auto engine_fs = planted(database, engine_damaged);
      CHECK(open_must_fail(engine_fs, mode).offset() == hole.offset);
      check_file_is(*engine_fs, engine_damaged, wal_path(database));
    }
  }
}

TEST_CASE("A lost 4 KiB page in the middle of a 100-record WAL is Corruption at the first frame",
          "[w2d7][wal-corruption]") {
  // 100 puts of a 7-byte key and a 100-byte value: frames of 8 + 4 + 6 + 7 + 100 = 125 bytes,
  // frame i at 16 + 125 i. The page [4096, 8192) begins inside frame 32 (at 4016), and frame 66
  // (at 8266) is the first one after it.
  Writes writes;
  for (int index = 0; index < 100; ++index) {
    const std::string digits = std::to_string(1000 + index).substr(1);
    writes.push_back(Write{"key-" + digits, std::string(100, static_cast<char>('a' + index % 26))});
  }
  FaultInjectionFs fs;
  std::string bytes = write_wal(fs, kPath, kId, one_write_each(writes));
  REQUIRE(bytes.size() == 16 + 100 * 125);
  zero_range(bytes, 4096, 4096);
  for (const WalRecoveryMode mode : kBothModes) {
    INFO(mode_name(mode));
    fs.write_file(kPath, bytes);
    const Refusal refusal = recover_must_fail(fs, mode);
    CHECK(refusal.error.offset() == 4016);
    CHECK(refusal.error.detail().starts_with("checksum mismatch"));
    CHECK(refusal.error.detail().ends_with(
        ", but a whole record follows at offset 8266: damage before the tail"));
    CHECK(is_prefix_of(refusal.writes, first(writes, 32)));
    check_file_is(fs, bytes);
  }
}

TEST_CASE("Garbage tails are torn tails: cut under tolerate, Corruption under absolute",
          "[w2d7][wal-corruption]") {
  FaultInjectionFs writer;
  const std::string original = three_record_wal(writer);
  std::mt19937 random(77);
  std::string noise(200, '\0');
  for (char& byte : noise) {
    byte = static_cast<char>(random() & 0xff);
  }
  std::string shortest;  // a whole frame of 10 bytes (a write of an empty key): the minimum
  mini_lsm::append_frame(shortest, kId, le32(1) + hand_record("", ""));
  std::string too_short;  // a frame of 9 bytes with a matching checksum: under the minimum
  mini_lsm::append_frame(too_short, kId, le32(1) + hand_record("", "").substr(0, 5));
  struct Tail {
    const char* what;
    std::string bytes;
    std::string reason;  // empty: any
  };
  const std::vector<Tail> tails = {
      {"three bytes", "\x01\x02\x03", "the file ends inside a record header"},
      {"a header whose payload is cut", le32(0x12345678) + le32(50) + noise.substr(0, 10),
       "the file ends inside a record of 50 bytes"},
      {"a frame whose checksum does not match", le32(0x12345678) + le32(20) + noise.substr(0, 20),
       "checksum mismatch (stored 0x12345678, computed 0x"},
      {"a frame under the minimum length", too_short,
       "a record length of 9 bytes (a record has 10 to 33554432)"},
      {"a minimum frame cut short", shortest.substr(0, 17),
       "the file ends inside a record of 10 bytes"},
      {"200 random bytes", noise, ""},
  };
  for (const Tail& tail : tails) {
    INFO("tail: " << tail.what);
    const std::string bytes = original + tail.bytes;
    FaultInjectionFs fs;
    fs.write_file(kPath, bytes);
    const Recovered recovered = recover(fs, kTolerate);
    CHECK(recovered.writes == kThree);
    CHECK(recovered.result.torn_tail_offset == std::optional<std::uint64_t>(kThreeSize));
    CHECK(recovered.result.torn_tail_reason.starts_with(tail.reason));
    check_file_is(fs, original);

    FaultInjectionFs absolute_fs;
    absolute_fs.write_file(kPath, bytes);
    const Refusal refusal = recover_must_fail(absolute_fs, kAbsolute);
    CHECK(refusal.error.offset() == kThreeSize);
    CHECK(refusal.error.detail().starts_with(tail.reason));
    check_file_is(absolute_fs, bytes);
  }
  // The shortest whole frame is a record, not a tail.
  FaultInjectionFs fs;
  fs.write_file(kPath, original + shortest);
  const Recovered recovered = recover(fs, kAbsolute);
  Writes four = kThree;
  four.push_back(Write{"", ""});
  CHECK(recovered.writes == four);
  CHECK_FALSE(recovered.result.torn_tail_offset.has_value());
}

TEST_CASE("A WAL cut at every byte replays the whole records before the cut, and only those",
          "[w2d7][wal-corruption]") {
  FaultInjectionFs writer;
  const std::string original = three_record_wal(writer);
  const std::vector<std::uint64_t> ends = {kFrame1, kFrame2, kFrame3, kThreeSize};
  for (std::size_t size = kWalHeaderSize; size <= original.size(); ++size) {
    const std::string cut = original.substr(0, size);
    std::size_t whole = 0;
    while (whole + 1 < ends.size() && ends[whole + 1] <= size) {
      ++whole;
    }
    const bool torn = ends[whole] != size;
    INFO("cut at " << size << ": " << whole << " whole records");
    FaultInjectionFs fs;
    fs.write_file(kPath, cut);
    const Recovered recovered = recover(fs, kTolerate);
    REQUIRE(recovered.writes == first(kThree, whole));
    REQUIRE(recovered.result.torn_tail_offset ==
            (torn ? std::optional<std::uint64_t>(ends[whole]) : std::nullopt));
    check_file_is(fs, original.substr(0, ends[whole]));

    FaultInjectionFs absolute_fs;
    absolute_fs.write_file(kPath, cut);
    if (torn) {
      REQUIRE(recover_must_fail(absolute_fs, kAbsolute).error.offset() == ends[whole]);
    } else {
      REQUIRE(recover(absolute_fs, kAbsolute).writes == first(kThree, whole));
    }
    check_file_is(absolute_fs, cut);
  }
}

TEST_CASE("A frame spliced in from another WAL (another id) is caught, never replayed",
          "[w2d7][wal-corruption]") {
  // WAL 5 holds the same keys as WAL 7, with values of the same lengths: its frames have the
  // same sizes and valid checksums, for salt 5.
  FaultInjectionFs writer;
  const std::string wal7 = three_record_wal(writer);
  const std::string wal5 = three_record_wal(
      writer, "/db/5.wal", 5, {{"apple", "RED"}, {"banana", "YELLOW"}, {"cherry", "DARK RED"}});
  const std::string frame5 = wal5.substr(kFrame2, kFrame3 - kFrame2);

  // In place of the middle frame: damage, under both policies.
  const std::string spliced = wal7.substr(0, kFrame2) + frame5 + wal7.substr(kFrame3);
  REQUIRE(spliced.size() == wal7.size());
  for (const WalRecoveryMode mode : kBothModes) {
    INFO(mode_name(mode));
    FaultInjectionFs fs;
    fs.write_file(kPath, spliced);
    const Refusal refusal = recover_must_fail(fs, mode);
    CHECK(refusal.error.offset() == kFrame2);
    CHECK(refusal.error.detail().starts_with("checksum mismatch"));
    CHECK(is_prefix_of(refusal.writes, first(kThree, 1)));
    check_file_is(fs, spliced);
  }
  // After the last frame: a torn tail, cut without replaying it; or, absolutely, Corruption.
  const std::string appended = wal7 + frame5;
  FaultInjectionFs fs;
  fs.write_file(kPath, appended);
  const Recovered recovered = recover(fs, kTolerate);
  CHECK(recovered.writes == kThree);
  CHECK(recovered.result.torn_tail_offset == std::optional<std::uint64_t>(kThreeSize));
  check_file_is(fs, wal7);
  FaultInjectionFs absolute_fs;
  absolute_fs.write_file(kPath, appended);
  CHECK(recover_must_fail(absolute_fs, kAbsolute).error.offset() == kThreeSize);

  // Through the engine: the spliced frame refuses the open.
  const CrashedDatabase database = crashed_database();
  const std::string engine_spliced = database.files.at(database.wal).substr(0, kFrame2) + frame5 +
                                     database.files.at(database.wal).substr(kFrame3);
  const auto engine_fs = planted(database, engine_spliced);
  CHECK(open_must_fail(engine_fs, kTolerate).offset() == kFrame2);
  check_file_is(*engine_fs, engine_spliced, wal_path(database));
}

TEST_CASE("A version-1 WAL still opens under the day-7 engine, which then writes version 2",
          "[w2d7][wal-corruption]") {
  // The upgrade path: a database a day-6 engine left, with a live WAL of version 1 (written here
  // by hand: records without checksums), opens; new writes go to a WAL of version 2; both
  // survive the next crash.
  const CrashedDatabase database = crashed_database();
  const std::string version1 = wal_header_of_version(kWalFormatVersion, database.wal_id) +
                               hand_record("apple", "red") + hand_record("banana", "yellow") +
                               hand_record("plum", "") + hand_record("old", "v1");
  const auto fs = planted(database, version1);

  std::vector<WalRecordView> views;
  const WalReadResult read = read_wal(wal_path(database), *fs, database.wal_id,
                                      [&](const WalRecordView& view) { views.push_back(view); });
  CHECK(read.format_version == kWalFormatVersion);
  CHECK(read.records == 4);
  CHECK(read.batches == 4);
  REQUIRE(views.size() == 4);
  CHECK(views[1].offset == 16 + 14);
  CHECK(views[1].index_in_batch == 0);
  CHECK(views[1].batch_size == 1);
  CHECK(views[1].checksum == 0);

  auto engine = open_with(fs, kAbsolute);
  CHECK(engine->get("apple") == "red");
  CHECK(engine->get("old") == "v1");
  CHECK(engine->get("plum") == std::nullopt);
  engine->put("new", "v2");
  engine->sync();
  const std::vector<std::string> wals = files_ending(*fs, ".wal");
  REQUIRE(wals.size() == 1);
  const std::string written = fs->contents(std::string(kDb) + "/" + wals.front());
  CHECK(written.substr(4, 4) == le32(kWalChecksummedFormatVersion));
  engine.reset();
  fs->crash(CrashMode::kDropUnsynced);

  const auto reopened = open_with(fs, kAbsolute);
  CHECK(reopened->get("apple") == "red");
  CHECK(reopened->get("banana") == "yellow");
  CHECK(reopened->get("old") == "v1");
  CHECK(reopened->get("new") == "v2");
}

TEST_CASE("A version-1 WAL's torn tail follows the recovery policy too", "[w2d7][wal-corruption]") {
  const std::string whole = wal_header_of_version(kWalFormatVersion, kId) +
                            hand_record("apple", "red") + hand_record("banana", "yellow");
  const std::string torn = whole + hand_record("cherry", "dark red").substr(0, 9);
  FaultInjectionFs fs;
  fs.write_file(kPath, torn);
  const Refusal refusal = recover_must_fail(fs, kAbsolute);
  CHECK(refusal.error.offset() == whole.size());
  check_file_is(fs, torn);

  const Recovered recovered = recover(fs, kTolerate);
  CHECK(recovered.writes == first(kThree, 2));
  CHECK(recovered.result.torn_tail_offset == std::optional<std::uint64_t>(whole.size()));
  check_file_is(fs, whole);
}

TEST_CASE("A batch frame damaged anywhere replays none of its writes", "[w2d7][wal-corruption]") {
  // The last frame is a batch of three writes; damage in any byte of it, even in the last
  // write's value, leaves the batch out whole.
  const std::vector<Batch> batches = {{{"a", "1"}}, {{"b", "2"}, {"c", "3"}, {"d", ""}}};
  FaultInjectionFs writer;
  const std::string original = write_wal(writer, kPath, kId, batches);
  const std::uint64_t last = 16 + 8 + 4 + 6 + 2;  // after the frame of a = 1
  REQUIRE(original.size() == last + 8 + 4 + 3 * 6 + 5);
  for (std::size_t at = last; at < original.size(); ++at) {
    INFO("byte " << at);
    std::string damaged = original;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x20);
    FaultInjectionFs fs;
    fs.write_file(kPath, damaged);
    const Recovered recovered = recover(fs, kTolerate);
    REQUIRE(recovered.writes == Writes{{"a", "1"}});
    REQUIRE(recovered.result.batches == 1);
    REQUIRE(recovered.result.torn_tail_offset == std::optional<std::uint64_t>(last));
  }
}

TEST_CASE("read_wal of seeded random damage returns exactly the whole batches before it",
          "[w2d7][wal-corruption]") {
  // Eight WALs written by Wal (1 to 6 batches of 1 to 3 writes, random keys and values, deletes
  // among them), then 2,000 cases of damage after the header. As for frames: every batch that
  // ends before the first damaged byte is read, whole and in order, and nothing else; the damaged
  // frame is Corruption when an undamaged frame follows it, else the torn tail.
  std::mt19937 random(20261202);
  const auto below = [&](std::size_t bound) { return static_cast<std::size_t>(random() % bound); };
  const auto random_bytes = [&](std::size_t size) {
    std::string bytes(size, '\0');
    for (char& byte : bytes) {
      byte = static_cast<char>(random() & 0xff);
    }
    return bytes;
  };
  struct Written {
    std::string bytes;
    std::vector<Batch> batches;
    std::vector<std::size_t> ends;  // where each batch's frame ends
  };
  std::vector<Written> wals;
  FaultInjectionFs writer;
  for (std::size_t id = 1; id <= 8; ++id) {
    Written wal;
    std::size_t end = kWalHeaderSize;
    for (std::size_t batch = 1 + below(6); batch > 0; --batch) {
      Batch writes;
      std::size_t payload = 4;
      for (std::size_t write = 1 + below(3); write > 0; --write) {
        writes.push_back(Write{random_bytes(1 + below(8)), random_bytes(below(21))});
        payload += 6 + writes.back().key.size() + writes.back().value.size();
      }
      wal.batches.push_back(writes);
      end += 8 + payload;
      wal.ends.push_back(end);
    }
    wal.bytes = write_wal(writer, "/db/" + std::to_string(id) + ".wal", id, wal.batches);
    REQUIRE(wal.bytes.size() == end);
    wals.push_back(wal);
  }

  FaultInjectionFs fs;
  for (int test = 0; test < 2000; ++test) {
    const std::size_t id = 1 + below(wals.size());
    const Written& wal = wals[id - 1];
    std::string bytes = wal.bytes;
    const std::size_t at = kWalHeaderSize + below(bytes.size() - kWalHeaderSize);
    const std::size_t kind = below(6);
    switch (kind) {
      case 0:
        bytes[at] = static_cast<char>(bytes[at] ^ (1 << below(8)));
        break;
      case 1: {
        const std::size_t length = std::min<std::size_t>(1 + below(8), bytes.size() - at);
        bytes.replace(at, length, random_bytes(length));
        break;
      }
      case 2:
        zero_range(bytes, at, std::min<std::size_t>(1 + below(64), bytes.size() - at));
        break;
      case 3:
        bytes.resize(at + below(2));
        break;
      case 4:
        bytes += random_bytes(1 + below(40));
        break;
      default:
        bytes.append(1 + below(100), '\0');
        break;
    }
    std::size_t damaged = std::min(bytes.size(), wal.bytes.size());
    for (std::size_t index = 0; index < damaged; ++index) {
      if (bytes[index] != wal.bytes[index]) {
        damaged = index;
        break;
      }
    }
    std::size_t intact = 0;
    while (intact < wal.ends.size() && wal.ends[intact] <= damaged) {
      ++intact;
    }
    const std::uint64_t stop = intact == 0 ? kWalHeaderSize : wal.ends[intact - 1];
    bool undamaged_after = false;
    for (std::size_t index = intact + 1; index < wal.ends.size(); ++index) {
      const std::size_t from = wal.ends[index - 1];
      undamaged_after |=
          wal.ends[index] <= bytes.size() &&
          bytes.compare(from, wal.ends[index] - from, wal.bytes, from, wal.ends[index] - from) == 0;
    }
    Writes expected;
    std::vector<std::size_t> batch_ends = {0};  // how many writes precede each batch boundary
    for (std::size_t index = 0; index < intact; ++index) {
      expected.insert(expected.end(), wal.batches[index].begin(), wal.batches[index].end());
      batch_ends.push_back(expected.size());
    }
    INFO("case " << test << ": WAL " << id << ", damage of kind " << kind << " from byte "
                 << damaged << " of " << wal.bytes.size() << ", bytes now " << bytes.size());
    const std::string path = "/db/" + std::to_string(id) + ".wal";
    fs.write_file(path, bytes);
    Writes writes;
    const auto each = [&](const WalRecordView& view) {
      writes.push_back(Write{std::string(view.key), std::string(view.value)});
    };
    if (undamaged_after) {
      try {
        read_wal(path, fs, id, each);
        FAIL("read_wal() returned, but an undamaged frame follows the damage");
      } catch (const Corruption& error) {
        REQUIRE(error.offset() == stop);
      }
      REQUIRE(is_prefix_of(writes, expected));
      REQUIRE(std::find(batch_ends.begin(), batch_ends.end(), writes.size()) != batch_ends.end());
    } else {
      const WalReadResult read = read_wal(path, fs, id, each);
      REQUIRE(writes == expected);
      REQUIRE(read.batches == intact);
      REQUIRE(read.records == expected.size());
      REQUIRE(read.valid_size == stop);
      REQUIRE(read.file_size == bytes.size());
      REQUIRE(read.torn_tail_offset ==
              (stop < bytes.size() ? std::optional<std::uint64_t>(stop) : std::nullopt));
    }
  }
}
