// Week 2 day 6: the write-ahead log's file. encode_wal_record() writes the bytes of the format;
// read_wal() reads back exactly what Wal::put() and Wal::sync() wrote, tells a record a crash cut
// short (a torn tail) from damage, and Wal::recover() cuts a torn tail off durably. Wal::create()
// is durable when it returns, nothing is durable before sync(), and a failed append or fsync
// sticks.
//
// Everything runs on the in-memory FaultInjectionFs: the bytes are planted or inspected directly,
// and crash() is the power cut. The expected bytes are written by hand from the format (header:
// magic "MWAL", version 1, id u64; record: key_len u16 | key | value_len u32 | value; all
// little-endian), never produced by the code under test.
//
// From week 2 day 7 on the engine writes format version 2 (one checksummed frame per batch; a put
// is a batch of one) and still reads version 1. So a test that pins the bytes of a file the engine
// wrote reads the version the file declares and expects the exact bytes of that version
// (harness/wal_files.hpp); files planted by hand to test the reader stay version 1.

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "harness/catch.hpp"
#include "harness/fault_injection_fs.hpp"
#include "harness/hex.hpp"
#include "harness/wal_files.hpp"
#include "mini_lsm/error.hpp"
#include "mini_lsm/lsm_storage.hpp"
#include "mini_lsm/options.hpp"
#include "mini_lsm/wal.hpp"

using mini_lsm::Corruption;
using mini_lsm::encode_wal_record;
using mini_lsm::InvalidArgument;
using mini_lsm::IoError;
using mini_lsm::kMaxKeySize;
using mini_lsm::kMaxValueSize;
using mini_lsm::kWalBufferSize;
using mini_lsm::kWalHeaderSize;
using mini_lsm::LsmOptions;
using mini_lsm::LsmStorage;
using mini_lsm::read_wal;
using mini_lsm::Wal;
using mini_lsm::WalMetrics;
using mini_lsm::WalReadResult;
using mini_lsm::WalRecordView;
using mini_lsm::testing::CrashMode;
using mini_lsm::testing::FaultInjectionFs;
using mini_lsm::testing::from_hex;
using mini_lsm::testing::FsOp;
using mini_lsm::testing::to_hex;
using mini_lsm::testing::wal_v1;
using mini_lsm::testing::WalFormat;
using mini_lsm::testing::written_wal_format;

namespace {

const char* const kDir = "/db";
const char* const kPath = "/db/7.wal";
constexpr std::size_t kId = 7;

// ---- Bytes ----------------------------------------------------------------------------------

// The header of WAL 7, by hand: "MWAL", version 1, id 7.
const char* const kHeader7Hex = "4d 57 41 4c  01 00 00 00  07 00 00 00 00 00 00 00";

// The same with the format version the engine wrote: 1 at w2d6, 2 from w2d7 on.
std::string header7_hex(std::uint32_t version) {
  return "4d 57 41 4c  0" + std::to_string(version) + " 00 00 00  07 00 00 00 00 00 00 00";
}

// A record as the format lays it out, built by hand (not by encode_wal_record).
std::string record_bytes(std::string_view key, std::string_view value) {
  return WalFormat::plain_record(key, value);
}

// ---- Records ----------------------------------------------------------------------------------

struct Record {
  std::string key;
  std::string value;  // empty: a delete
};

struct ReadRecord {
  std::uint64_t offset = 0;
  std::string key;
  std::string value;
};

struct ReadBack {
  std::vector<ReadRecord> records;
  WalReadResult result;
};

ReadBack read_back(FaultInjectionFs& fs, const std::string& path = kPath,
                   std::optional<std::size_t> expected_id = kId) {
  ReadBack back;
  back.result = read_wal(path, fs, expected_id, [&](const WalRecordView& record) {
    back.records.push_back(
        ReadRecord{record.offset, std::string(record.key), std::string(record.value)});
  });
  return back;
}

// Wal::recover() of WAL 7, keeping what it passed to its callback.
std::vector<Record> recover(FaultInjectionFs& fs, WalReadResult* result = nullptr) {
  std::vector<Record> records;
  const WalReadResult got =
      Wal::recover(kPath, kId, fs, [&](std::string_view key, std::string_view value) {
        records.push_back(Record{std::string(key), std::string(value)});
      });
  if (result != nullptr) {
    *result = got;
  }
  return records;
}

// Where each record starts in a WAL of `format` holding `records`, and (last) where the file ends.
std::vector<std::uint64_t> offsets_of(const WalFormat& format, const std::vector<Record>& records) {
  std::vector<std::uint64_t> offsets{kWalHeaderSize};
  for (const Record& record : records) {
    offsets.push_back(offsets.back() + format.record_size(record.key.size(), record.value.size()));
  }
  return offsets;
}

// Compares record by record, reporting the first difference by index and lengths: the double
// parentheses keep Catch from printing keys and values of up to a megabyte.
void check_same_records(const std::vector<Record>& got, const std::vector<Record>& expected) {
  REQUIRE(got.size() == expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("record " << i << ": key of " << expected[i].key.size() << " bytes, value of "
                   << expected[i].value.size() << " bytes");
    REQUIRE((got[i].key == expected[i].key));
    REQUIRE((got[i].value == expected[i].value));
  }
}

// `back` read a WAL of `format` holding exactly `expected`.
void check_read_back(const ReadBack& back, const WalFormat& format,
                     const std::vector<Record>& expected) {
  const std::vector<std::uint64_t> offsets = offsets_of(format, expected);
  REQUIRE(back.records.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    INFO("record " << i << ": key of " << expected[i].key.size() << " bytes, value of "
                   << expected[i].value.size() << " bytes");
    REQUIRE(back.records[i].offset == offsets[i]);
    REQUIRE((back.records[i].key == expected[i].key));
    REQUIRE((back.records[i].value == expected[i].value));
  }
  CHECK(back.result.records == expected.size());
  CHECK(back.result.file_size == offsets.back());
  CHECK(back.result.valid_size == offsets.back());
  CHECK(back.result.torn_tail_offset == std::nullopt);
}

std::unique_ptr<Wal> create_wal(FaultInjectionFs& fs, std::size_t id = kId,
                                std::shared_ptr<WalMetrics> metrics = nullptr) {
  fs.create_directories(kDir);
  return Wal::create(std::string(kDir) + "/" + std::to_string(id) + ".wal", id, fs,
                     std::move(metrics));
}

// A WAL 7 holding `records`, every one synced.
void write_wal(FaultInjectionFs& fs, const std::vector<Record>& records) {
  const std::unique_ptr<Wal> wal = create_wal(fs);
  for (const Record& record : records) {
    wal->put(record.key, record.value);
  }
  wal->sync();
}

// The message of the IoError that `action` throws; the test fails if it throws nothing.
std::string io_error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const IoError& error) {
    return error.what();
  }
  FAIL("expected an IoError");
  return {};
}

// The Corruption that `action` throws; the test fails if it throws nothing (or anything else).
Corruption corruption_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Corruption& error) {
    return error;
  }
  FAIL("expected a Corruption");
  return Corruption("", 0, "");
}

// Bytes of every value 0..255 in a seeded order, so that keys and values hold NUL, 0xff and the
// rest.
std::string random_bytes(std::mt19937_64& random, std::size_t size) {
  std::string bytes(size, '\0');
  for (char& c : bytes) {
    c = static_cast<char>(random() & 0xff);
  }
  return bytes;
}

}  // namespace

// ---- Golden bytes ------------------------------------------------------------------------------

TEST_CASE("wal record of a put is key_len u16, key, value_len u32, value, all little-endian",
          "[w2d6][wal-encoding][golden]") {
  std::string out;
  encode_wal_record(out, "key", "value");
  CHECK(to_hex(out) == to_hex(from_hex("03 00  6b 65 79  05 00 00 00  76 61 6c 75 65")));

  // Lengths of two and three bytes show the byte order and the widths of both fields.
  std::string wide;
  encode_wal_record(wide, std::string(0x0102, 'k'), std::string(0x010203, 'v'));
  REQUIRE(wide.size() == 2 + 0x0102 + 4 + 0x010203);
  CHECK(to_hex(wide.substr(0, 2)) == to_hex(from_hex("02 01")));
  CHECK(wide.substr(2, 0x0102) == std::string(0x0102, 'k'));
  CHECK(to_hex(wide.substr(2 + 0x0102, 4)) == to_hex(from_hex("03 02 01 00")));
  CHECK((wide.substr(6 + 0x0102) == std::string(0x010203, 'v')));
}

TEST_CASE("wal record of a delete is its key with a value_len of 0, and records append to out",
          "[w2d6][wal-encoding][golden]") {
  std::string out = "before";
  encode_wal_record(out, "k", "");
  CHECK(to_hex(out) == to_hex("before" + from_hex("01 00  6b  00 00 00 00")));
  encode_wal_record(out, "", "");  // the delete of the empty key: six zero bytes
  CHECK(to_hex(out) == to_hex("before" + from_hex("01 00 6b 00 00 00 00  00 00 00 00 00 00")));
  encode_wal_record(out, std::string(1, '\0'), std::string(1, '\xff'));
  CHECK(to_hex(out.substr(19)) == to_hex(from_hex("01 00  00  01 00 00 00  ff")));
}

TEST_CASE(
    "wal new file is the 16-byte header with its id, then the records, read back at their "
    "offsets",
    "[w2d6][wal-encoding][golden]") {
  FaultInjectionFs fs;
  const std::unique_ptr<Wal> wal = create_wal(fs);
  CHECK(wal->id() == kId);
  CHECK(wal->path() == kPath);
  const std::uint32_t version = written_wal_format(fs, kPath).version;
  CHECK(to_hex(fs.contents(kPath)) == to_hex(from_hex(header7_hex(version))));
  wal->put("key", "value");
  wal->put("key", "");
  wal->put("", "v");
  wal->sync();
  // Both fixtures by hand; in version 2 each record is the frame of a batch of one write:
  // CRC-32C (over id 7, the length and the payload) | length | count 1 | the version-1 record.
  const std::string records_hex =
      version == 1 ? "03 00 6b 65 79 05 00 00 00 76 61 6c 75 65"  // at 16
                     "03 00 6b 65 79 00 00 00 00"                 // at 30
                     "00 00 01 00 00 00 76"                       // at 39, ends at 46
                   : "14 12 53 37  12 00 00 00  01 00 00 00  03 00 6b 65 79 05 00 00 00 76 61 6c "
                     "75 65"                                                              // at 16
                     "04 ea 7b 16  0d 00 00 00  01 00 00 00  03 00 6b 65 79 00 00 00 00"  // at 42
                     "2c 40 5d 69  0b 00 00 00  01 00 00 00  00 00 01 00 00 00 76";       // at 63
  const std::string expected = from_hex(header7_hex(version) + records_hex);
  CHECK(to_hex(fs.contents(kPath)) == to_hex(expected));
  CHECK(fs.durable_contents(kPath) == expected);

  const ReadBack back = read_back(fs);
  const std::vector<std::uint64_t> offsets = version == 1
                                                 ? std::vector<std::uint64_t>{16, 30, 39, 46}
                                                 : std::vector<std::uint64_t>{16, 42, 63, 82};
  REQUIRE(back.records.size() == 3);
  CHECK(back.records[0].offset == offsets[0]);
  CHECK(back.records[1].offset == offsets[1]);
  CHECK(back.records[2].offset == offsets[2]);
  CHECK(back.records[1].key == "key");
  CHECK(back.records[1].value.empty());
  CHECK(back.records[2].key.empty());
  CHECK(back.records[2].value == "v");
  CHECK(back.result.records == 3);
  CHECK(back.result.file_size == offsets[3]);
  CHECK(back.result.valid_size == offsets[3]);
  CHECK(back.result.torn_tail_offset == std::nullopt);
}

TEST_CASE("wal header holds all 64 bits of the id, low byte first",
          "[w2d6][wal-encoding][golden]") {
  FaultInjectionFs fs;
  const std::size_t id = 0x0102030405060708;
  const std::unique_ptr<Wal> wal = create_wal(fs, id);
  CHECK(wal->id() == id);
  const std::string path = "/db/72623859790382856.wal";
  const std::uint32_t version = written_wal_format(fs, path).version;
  CHECK(to_hex(fs.contents(path)) == to_hex(from_hex("4d 57 41 4c  0" + std::to_string(version) +
                                                     " 00 00 00  08 07 06 05 04 03 02 01")));
  const ReadBack back = read_back(fs, path, id);
  CHECK(back.records.empty());
  CHECK(back.result.valid_size == kWalHeaderSize);
  CHECK(back.result.torn_tail_offset == std::nullopt);
}

// ---- Round trip --------------------------------------------------------------------------------

TEST_CASE(
    "wal round trip: 10000 seeded records of mixed sizes come back identical, in order, at "
    "their offsets",
    "[w2d6][wal-encoding][round-trip]") {
  std::mt19937_64 random(20261201);
  // Keys and values are slices of one pool of random bytes: cheap to make, and every byte value
  // (NUL and 0xff included) shows up.
  const std::string pool = random_bytes(random, kMaxKeySize + kMaxValueSize);
  const auto slice = [&](std::size_t size) {
    return pool.substr(static_cast<std::size_t>(random() % (pool.size() - size + 1)), size);
  };
  const auto key_size = [&]() -> std::size_t {
    const auto draw = random() % 1000;
    if (draw < 20)
      return 0;
    if (draw < 120)
      return 1;
    if (draw < 990)
      return 2 + random() % 40;
    if (draw < 998)
      return random() % 4096;
    return random() % (kMaxKeySize + 1);
  };
  const auto value_size = [&]() -> std::size_t {
    const auto draw = random() % 2000;
    if (draw < 500)
      return 0;  // a delete
    if (draw < 700)
      return 1;
    if (draw < 1960)
      return 2 + random() % 200;
    if (draw < 1999)
      return random() % (2 * kWalBufferSize);  // bigger than the buffer, or not
    return random() % (kMaxValueSize + 1);
  };
  std::vector<Record> records;
  for (std::size_t i = 0; i < 10000; ++i) {
    if (i == 0) {
      records.push_back(Record{"", ""});
    } else if (i == 5000) {
      records.push_back(Record{slice(kMaxKeySize), slice(kMaxValueSize)});
    } else if (i == 7777) {
      records.push_back(Record{"", slice(kMaxValueSize)});
    } else if (i == 9999) {
      records.push_back(Record{slice(kMaxKeySize), ""});
    } else {
      const std::size_t key = key_size();
      records.push_back(Record{slice(key), slice(value_size())});
    }
  }

  FaultInjectionFs fs;
  {
    const std::unique_ptr<Wal> wal = create_wal(fs);
    for (const Record& record : records) {
      wal->put(record.key, record.value);
      if (random() % 1000 == 0) {
        wal->sync();
      }
    }
    wal->sync();
  }
  fs.crash(CrashMode::kDropUnsynced);  // everything was synced: nothing is lost
  check_read_back(read_back(fs), written_wal_format(fs, kPath), records);
}

TEST_CASE(
    "wal key of kMaxKeySize and value of kMaxValueSize round-trip, with length fields ff ff "
    "and 00 00 10 00",
    "[w2d6][wal-encoding][round-trip]") {
  const std::string key(kMaxKeySize, 'k');
  const std::string value(kMaxValueSize, 'v');
  const std::vector<Record> records{
      {key, value}, {key, ""}, {"", value}, {"a", "b"}, {std::string(1, '\0'), "\xff"}};
  FaultInjectionFs fs;
  write_wal(fs, records);
  const std::string bytes = fs.contents(kPath);
  const WalFormat format = written_wal_format(bytes);
  REQUIRE(bytes.size() == offsets_of(format, records).back());
  // The first record's key_len: right after the header in version 1, after the frame's header
  // (8 bytes) and the batch's count (4) in version 2.
  const std::size_t key_len_at = kWalHeaderSize + (format.version == 1 ? 0 : 12);
  CHECK(to_hex(bytes.substr(key_len_at, 2)) == "ff ff ");
  CHECK(to_hex(bytes.substr(key_len_at + 2 + kMaxKeySize, 4)) == to_hex(from_hex("00 00 10 00")));
  CHECK((bytes ==
         format.file(
             {{key, value}, {key, ""}, {"", value}, {"a", "b"}, {std::string(1, '\0'), "\xff"}})));
  check_read_back(read_back(fs), format, records);
  std::vector<Record> recovered = recover(fs);
  check_same_records(recovered, records);
}

TEST_CASE(
    "wal the engine refuses a key or value one past the limits before a byte reaches the "
    "WAL, so file, get and reopen are unchanged",
    "[w2d6][wal-encoding][limits][hostile]") {
  auto fs = std::make_shared<FaultInjectionFs>();
  LsmOptions options;
  options.enable_wal = true;
  options.bloom_bits_per_key = 0;
  options.file_system = fs;
  const std::string max_key(kMaxKeySize, 'k');
  const std::string max_value(kMaxValueSize, 'v');
  {
    const std::unique_ptr<LsmStorage> engine = LsmStorage::open(kDir, options);
    engine->put("key", "before");
    engine->sync();
    std::string wal;
    for (const std::string& name : fs->files(kDir)) {
      if (name.ends_with(".wal")) {
        CHECK(wal.empty());  // one memtable, one WAL
        wal = std::string(kDir) + "/" + name;
      }
    }
    REQUIRE(!wal.empty());
    const std::string synced = fs->contents(wal);
    REQUIRE(synced.size() > kWalHeaderSize);

    CHECK_THROWS_AS(engine->put(max_key + "k", "value"), InvalidArgument);
    CHECK_THROWS_AS(engine->put("key", max_value + "v"), InvalidArgument);
    CHECK_THROWS_AS(engine->put(max_key + "k", max_value + "v"), InvalidArgument);
    CHECK_THROWS_AS(engine->del(max_key + "k"), InvalidArgument);
    CHECK_THROWS_AS(engine->put("key", ""), InvalidArgument);  // not a delete in the WAL either
    engine->sync();  // a refused record in the WAL's buffer would reach the file now
    CHECK(fs->contents(wal).size() == synced.size());
    CHECK(engine->get("key") == std::optional<std::string>("before"));

    engine->put(max_key, max_value);  // at the limits: accepted, one record
    engine->sync();
    CHECK((fs->contents(wal) == synced + written_wal_format(synced).record(max_key, max_value)));
    engine->close();
  }
  fs->crash(CrashMode::kDropUnsynced);
  const std::unique_ptr<LsmStorage> engine = LsmStorage::open(kDir, options);
  CHECK(engine->get("key") == std::optional<std::string>("before"));
  CHECK((engine->get(max_key) == std::optional<std::string>(max_value)));
  CHECK_FALSE(engine->get(max_key.substr(1)).has_value());
  engine->close();
}

// ---- Torn tails ------------------------------------------------------------------------------

namespace {

// Two records, then the last three of the cut tests: a small put, a delete, and a put bigger
// than the WAL's buffer. The cut tests plant version-1 files by hand (the version day 6 reads and
// writes; the engine still reads it later): record i starts at offsets_of(kV1, records)[i]: 16,
// 30, 48, 68, 80; the file ends at 80 + 6 + 3 + 65600.
const WalFormat kV1 = wal_v1(kId);

std::vector<Record> torn_test_records() {
  std::string big(65600, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) {
    big[i] = static_cast<char>('a' + i % 26);
  }
  return {
      {"apple", "red"}, {"banana", "yellow"}, {"cherry", "dark red"}, {"banana", ""}, {"big", big}};
}

// The version-1 WAL 7 holding `records`.
std::string file_of(const std::vector<Record>& records) {
  std::string bytes = from_hex(kHeader7Hex);
  for (const Record& record : records) {
    bytes += record_bytes(record.key, record.value);
  }
  return bytes;
}

// The WAL `bytes` cut at `cut`: Wal::recover() returns the whole records before the cut, reports
// where the cut record starts, and leaves the file cut there durably (a crash right after it
// keeps exactly the whole records).
void check_recover_cut(const std::string& bytes, const std::vector<Record>& records,
                       std::size_t cut) {
  const std::vector<std::uint64_t> offsets = offsets_of(kV1, records);
  std::size_t whole = 0;
  while (whole < records.size() && offsets[whole + 1] <= cut) {
    ++whole;
  }
  const bool on_boundary = offsets[whole] == cut;
  FaultInjectionFs fs;
  fs.write_file(kPath, std::string_view(bytes).substr(0, cut));
  WalReadResult result;
  const std::vector<Record> got = recover(fs, &result);
  REQUIRE(got.size() == whole);
  for (std::size_t i = 0; i < whole; ++i) {
    REQUIRE(got[i].key == records[i].key);
    REQUIRE((got[i].value == records[i].value));
  }
  CHECK(result.records == whole);
  CHECK(result.file_size == cut);
  CHECK(result.valid_size == offsets[whole]);
  CHECK(result.torn_tail_offset ==
        (on_boundary ? std::nullopt : std::optional<std::uint64_t>(offsets[whole])));
  fs.crash(CrashMode::kDropUnsynced);  // the cut must have been made durable
  const std::string after = fs.contents(kPath);
  REQUIRE(after.size() == offsets[whole]);
  CHECK((std::string_view(after) == std::string_view(bytes).substr(0, offsets[whole])));
}

}  // namespace

TEST_CASE(
    "wal cut at every byte of a small put and a delete, recover keeps the records before the "
    "cut, reports the cut record, and truncates durably",
    "[w2d6][wal-encoding][torn][hostile]") {
  const std::vector<Record> records = torn_test_records();
  // A cut before byte 80 leaves the same bytes whether the big record followed or not.
  const std::vector<Record> small(records.begin(), records.begin() + 4);
  const std::string bytes = file_of(small);
  REQUIRE(offsets_of(kV1, records) ==
          std::vector<std::uint64_t>{16, 30, 48, 68, 80, 80 + 6 + 3 + 65600});
  for (std::size_t cut = 48; cut <= bytes.size(); ++cut) {
    INFO("cut at byte " << cut);
    check_recover_cut(bytes, small, cut);
  }
  // Inside the first records too, and right after the header.
  for (const std::size_t cut : {16, 17, 18, 22, 23, 29, 30, 31, 47}) {
    INFO("cut at byte " << cut);
    check_recover_cut(bytes, small, cut);
  }
}

TEST_CASE(
    "wal cut in a record bigger than the buffer (every byte of its first and last 2 KiB, every "
    "101st between) keeps the records before it and truncates durably",
    "[w2d6][wal-encoding][torn][hostile]") {
  // Every byte of 65 KiB would cost seconds (each cut copies the file a few times); the middle of
  // the value is one case (the value_len says more bytes than the file has), so a stride does.
  const std::vector<Record> records = torn_test_records();
  const std::string bytes = file_of(records);
  REQUIRE(bytes.size() == 80 + 6 + 3 + 65600);
  REQUIRE(bytes.size() - 80 > kWalBufferSize);
  constexpr std::size_t kEnds = 2048;
  for (std::size_t cut = 80; cut <= bytes.size(); ++cut) {
    const bool near_an_end = cut < 80 + kEnds || cut + kEnds > bytes.size();
    if (near_an_end || cut % 101 == 0) {
      INFO("cut at byte " << cut);
      check_recover_cut(bytes, records, cut);
    }
  }
}

TEST_CASE(
    "wal cut, recovered, appended to, then crashed, the next recover returns the old prefix "
    "and every new synced record, nothing else",
    "[w2d6][wal-encoding][torn][hostile]") {
  const std::vector<Record> records = torn_test_records();
  const std::vector<Record> small(records.begin(), records.begin() + 4);
  const std::string bytes = file_of(small);
  const std::vector<std::uint64_t> offsets = offsets_of(kV1, small);
  const std::vector<Record> added{{"date", "brown"}, {"apple", ""}, {"", "empty key"}};
  constexpr CrashMode kModes[] = {CrashMode::kDropUnsynced, CrashMode::kKeepRandomPrefix,
                                  CrashMode::kZeroFillUnsynced};
  for (std::size_t cut = 31; cut < bytes.size(); ++cut) {
    for (const CrashMode mode : kModes) {
      INFO("cut at byte " << cut << ", then " << mini_lsm::testing::crash_mode_name(mode));
      FaultInjectionFs fs;
      fs.write_file(kPath, std::string_view(bytes).substr(0, cut));
      std::vector<Record> prefix = recover(fs);
      const std::size_t kept = prefix.size();
      REQUIRE(fs.contents(kPath).size() == offsets[kept]);
      {
        // A writer that goes on with the recovered file (as LevelDB's reuse_logs does): the new
        // records start right where the whole ones end, not after the torn bytes.
        const std::unique_ptr<mini_lsm::WritableFile> file = fs.open_for_append(kPath);
        std::string more;
        for (const Record& record : added) {
          encode_wal_record(more, record.key, record.value);
        }
        file->append(more);
        file->sync();
        std::string unsynced;
        encode_wal_record(unsynced, "never", "synced");
        file->append(unsynced);
      }
      fs.crash(mode, cut);
      WalReadResult result;
      const std::vector<Record> got = recover(fs, &result);
      std::vector<Record> expected(small.begin(),
                                   small.begin() + static_cast<std::ptrdiff_t>(kept));
      expected.insert(expected.end(), added.begin(), added.end());
      REQUIRE(got.size() >= expected.size());
      check_same_records(std::vector<Record>(got.begin(), got.begin() + static_cast<std::ptrdiff_t>(
                                                                            expected.size())),
                         expected);
      if (mode == CrashMode::kKeepRandomPrefix) {  // the unsynced record: whole, or cut off
        CHECK(got.size() <= expected.size() + 1);
      } else if (mode == CrashMode::kDropUnsynced) {
        CHECK(got.size() == expected.size());
        CHECK(result.torn_tail_offset == std::nullopt);
      }
    }
  }
}

// ---- Damage that is not a torn tail ----------------------------------------------------------

TEST_CASE(
    "wal that is not a WAL, of another version or of another id is Corruption at offset 0, 4 "
    "or 8, and recover leaves it alone",
    "[w2d6][wal-encoding][header][hostile]") {
  FaultInjectionFs fs;
  write_wal(fs, {{"key", "value"}});
  const std::string good = fs.contents(kPath);
  REQUIRE(recover(fs).size() == 1);
  {
    const std::unique_ptr<Wal> five = create_wal(fs, 5);
    five->put("key", "from five");
    five->sync();
  }
  const std::string five = fs.contents("/db/5.wal");

  // Version 2 is the checksummed format of week 2 day 7, which the engine reads: 3 and 2^32 - 1
  // are the versions it does not know.
  std::string version_3 = good;
  version_3[4] = 3;
  std::string version_max = good;
  version_max.replace(4, 4, "\xff\xff\xff\xff");
  std::string version_0 = good;
  version_0[4] = 0;
  std::string magic = good;
  magic[3] = 'M';  // "MWAM"
  const struct {
    const char* what;
    std::string bytes;
    std::uint64_t offset;
  } cases[] = {
      {"an empty file", "", 0},
      {"a header cut short", good.substr(0, kWalHeaderSize - 1), 0},
      {"text", "hello, this is not a write-ahead log\n", 0},
      {"another magic number", magic, 0},
      {"format version 3", version_3, 4},
      {"format version 4294967295", version_max, 4},
      {"format version 0", version_0, 4},
      {"the WAL of memtable 5 copied to 7.wal", five, 8},
  };
  for (const auto& damaged : cases) {
    INFO(damaged.what);
    fs.write_file(kPath, damaged.bytes);
    fs.clear_log();
    bool called = false;
    const Corruption error = corruption_of([&] {
      Wal::recover(kPath, kId, fs, [&](std::string_view, std::string_view) { called = true; });
    });
    CHECK(error.file() == kPath);
    CHECK(error.offset() == damaged.offset);
    CHECK_FALSE(called);
    CHECK(fs.contents(kPath) == damaged.bytes);
    CHECK(fs.count(FsOp::kTruncate) == 0);
  }
  // Read without an expected id (as wal-dump reads a file of any name), WAL 5 is fine.
  fs.write_file(kPath, five);
  const ReadBack back = read_back(fs, kPath, std::nullopt);
  REQUIRE(back.records.size() == 1);
  CHECK(back.records[0].value == "from five");
}

TEST_CASE(
    "wal value_len over kMaxValueSize is Corruption at its record, not a torn tail, even at "
    "the end of the file, but kMaxValueSize itself cut short is torn",
    "[w2d6][wal-encoding][hostile]") {
  // Version 1, by hand: the value_len check is the version-1 reader's (version 2 has checksums).
  FaultInjectionFs fs;
  const std::string good = kV1.file({{"a", "1"}, {"bb", "22"}});
  REQUIRE(good.size() == 16 + 8 + 10);
  fs.write_file(kPath, good);
  const struct {
    const char* what;
    std::string tail;
  } over[] = {
      {"kMaxValueSize + 1 and nothing after it", from_hex("01 00 63  01 00 10 00")},
      {"kMaxValueSize + 1 and a few bytes", from_hex("01 00 63  01 00 10 00  76 76 76")},
      {"0xffffffff", from_hex("00 00  ff ff ff ff")},
  };
  for (const auto& damaged : over) {
    INFO(damaged.what);
    fs.write_file(kPath, good + damaged.tail);
    fs.clear_log();
    std::vector<std::string> seen;
    const Corruption error = corruption_of([&] {
      Wal::recover(kPath, kId, fs,
                   [&](std::string_view key, std::string_view) { seen.emplace_back(key); });
    });
    CHECK(error.file() == kPath);
    CHECK(error.offset() == 34);
    CHECK(seen == std::vector<std::string>{"a", "bb"});
    CHECK(fs.contents(kPath) == good + damaged.tail);  // damage is never cut off
    CHECK(fs.count(FsOp::kTruncate) == 0);
  }
  // A value_len of exactly kMaxValueSize is a record a write could make: cut short, it is torn.
  fs.write_file(kPath, good + from_hex("01 00 63  00 00 10 00  76 76"));
  WalReadResult result;
  CHECK(recover(fs, &result).size() == 2);
  CHECK(result.torn_tail_offset == std::optional<std::uint64_t>(34));
  CHECK(fs.contents(kPath) == good);
}

// ---- Buffer and sync -------------------------------------------------------------------------

TEST_CASE("wal nothing is durable before sync(): a crash drops every put, even appended ones",
          "[w2d6][wal-encoding][sync]") {
  FaultInjectionFs fs;
  WalFormat format;
  {
    const std::unique_ptr<Wal> wal = create_wal(fs);
    format = written_wal_format(fs, kPath);
    fs.clear_log();
    wal->put("a", "1");
    wal->put("b", "");
    CHECK(fs.log().empty());  // buffered in memory: no system call per put
    // Records of 1024 bytes: 6 + 0 + 1018 in version 1, 18 + 0 + 1006 in version 2.
    const std::string value(1024 - format.record_size(0, 0), 'v');
    for (int i = 0; i < 70; ++i) {
      wal->put("", value);
    }
    CHECK(fs.count(FsOp::kAppend) == 1);  // the buffer went to the file, but was not fsynced
    CHECK(fs.count(FsOp::kSync) == 0);
  }
  fs.crash(CrashMode::kDropUnsynced);
  WalReadResult result;
  CHECK(recover(fs, &result).empty());
  CHECK(result.torn_tail_offset == std::nullopt);
  CHECK(fs.contents(kPath) == from_hex(header7_hex(format.version)));
}

TEST_CASE(
    "wal sync writes the buffer in one append and fsyncs, and a sync with nothing new does "
    "no fsync",
    "[w2d6][wal-encoding][sync]") {
  FaultInjectionFs fs;
  {
    const std::unique_ptr<Wal> wal = create_wal(fs);
    const WalFormat format = written_wal_format(fs, kPath);
    fs.clear_log();
    wal->put("a", "1");     // 8 bytes (version 2: 20)
    wal->put("bc", "");     // 8 bytes (20)
    wal->put("", "value");  // 11 bytes (23)
    const std::string three = std::to_string(format.record_size(1, 1) + format.record_size(2, 0) +
                                             format.record_size(0, 5));
    CHECK(three == (format.version == 1 ? "27" : "63"));
    wal->sync();
    CHECK(fs.log() == std::vector<std::string>{"append /db/7.wal " + three, "sync /db/7.wal"});
    wal->sync();
    wal->sync();
    CHECK(fs.log().size() == 2);  // nothing new: no append, no fsync
    wal->put("d", "4");
    wal->sync();
    CHECK(fs.log() ==
          std::vector<std::string>{"append /db/7.wal " + three, "sync /db/7.wal",
                                   "append /db/7.wal " + std::to_string(format.record_size(1, 1)),
                                   "sync /db/7.wal"});
    CHECK(fs.count(FsOp::kSync) == 2);
  }
  fs.crash(CrashMode::kDropUnsynced);
  const std::vector<Record> got = recover(fs);
  REQUIRE(got.size() == 4);
  CHECK(got[3].key == "d");
}

TEST_CASE(
    "wal a put that fills the buffer to kWalBufferSize bytes appends it in one append, "
    "without an fsync, and the next sync fsyncs it",
    "[w2d6][wal-encoding][sync]") {
  FaultInjectionFs fs;
  const std::unique_ptr<Wal> wal = create_wal(fs);
  fs.clear_log();
  // Records of 1024 bytes, 64 fill the buffer: 6 + 4 + 1014 in version 1, 18 + 4 + 1002 in
  // version 2.
  const std::string value(1024 - written_wal_format(fs, kPath).record_size(4, 0), 'v');
  static_assert(kWalBufferSize == 64 * 1024);
  for (int i = 0; i < 63; ++i) {
    wal->put("k" + std::to_string(100 + i), value);
  }
  CHECK(fs.log().empty());
  wal->put("k163", value);
  CHECK(fs.log() == std::vector<std::string>{"append /db/7.wal 65536"});
  CHECK(fs.durable_contents(kPath).size() == kWalHeaderSize);  // appended, not fsynced
  // The buffer is empty now, but its records are not durable: sync() must still fsync.
  wal->sync();
  CHECK(fs.log() == std::vector<std::string>{"append /db/7.wal 65536", "sync /db/7.wal"});
  CHECK(fs.durable_contents(kPath).size() == kWalHeaderSize + 64 * 1024);
  wal->put("k164", value);
  CHECK(fs.log().size() == 2);
  wal->sync();
  CHECK(fs.log() == std::vector<std::string>{"append /db/7.wal 65536", "sync /db/7.wal",
                                             "append /db/7.wal 1024", "sync /db/7.wal"});
  CHECK(fs.durable_contents(kPath).size() == kWalHeaderSize + 65 * 1024);
}

TEST_CASE(
    "wal create makes the file and its directory entry durable before it returns, so a crash "
    "right after keeps the header",
    "[w2d6][wal-encoding][create]") {
  constexpr CrashMode kModes[] = {CrashMode::kDropUnsynced, CrashMode::kKeepRandomPrefix,
                                  CrashMode::kZeroFillUnsynced};
  for (const CrashMode mode : kModes) {
    INFO(mini_lsm::testing::crash_mode_name(mode));
    FaultInjectionFs fs;
    fs.create_directories(kDir);
    { const std::unique_ptr<Wal> wal = Wal::create(kPath, kId, fs); }
    fs.crash(mode);
    CHECK(fs.durable_files(kDir) == std::vector<std::string>{"7.wal"});
    const std::uint32_t version = written_wal_format(fs, kPath).version;
    CHECK(to_hex(fs.contents(kPath)) == to_hex(from_hex(header7_hex(version))));
    WalReadResult result;
    CHECK(recover(fs, &result).empty());
    CHECK(result.valid_size == kWalHeaderSize);
  }
  // A synced record of a new WAL survives too: its name is as durable as its bytes.
  FaultInjectionFs fs;
  {
    const std::unique_ptr<Wal> wal = create_wal(fs);
    wal->put("key", "value");
    wal->sync();
  }
  fs.crash(CrashMode::kDropUnsynced);
  CHECK(recover(fs).size() == 1);
}

TEST_CASE("wal create never overwrites an existing file", "[w2d6][wal-encoding][create]") {
  FaultInjectionFs fs;
  write_wal(fs, {{"key", "value"}});
  const std::string before = fs.contents(kPath);
  CHECK_THROWS_AS(Wal::create(kPath, kId, fs), IoError);
  CHECK(fs.contents(kPath) == before);
}

TEST_CASE("wal recover of a WAL without a torn tail changes nothing on disk",
          "[w2d6][wal-encoding][torn]") {
  FaultInjectionFs fs;
  write_wal(fs, {{"key", "value"}, {"key", ""}});
  const WalFormat format = written_wal_format(fs, kPath);
  fs.clear_log();
  WalReadResult result;
  CHECK(recover(fs, &result).size() == 2);
  CHECK(result.valid_size == offsets_of(format, {{"key", "value"}, {"key", ""}}).back());
  CHECK(result.valid_size == (format.version == 1 ? 16 + 14 + 9 : 16 + 26 + 21));
  for (const FsOp op :
       {FsOp::kTruncate, FsOp::kSync, FsOp::kAppend, FsOp::kCreate, FsOp::kOpenForAppend}) {
    CHECK(fs.count(op) == 0);
  }
}

// ---- Failures stick --------------------------------------------------------------------------

TEST_CASE(
    "wal failed append or fsync of the Nth sync throws IoError, and every later put and sync "
    "throws the same error without touching the file",
    "[w2d6][wal-encoding][failure][hostile]") {
  for (const FsOp op : {FsOp::kAppend, FsOp::kSync}) {
    for (std::size_t nth = 1; nth <= 3; ++nth) {
      INFO("failing " << mini_lsm::testing::fs_op_name(op) << " number " << nth);
      FaultInjectionFs fs;
      {
        const std::unique_ptr<Wal> wal = create_wal(fs);
        fs.fail(op, nth);
        std::string first;
        for (std::size_t round = 1; round <= nth; ++round) {
          wal->put("key" + std::to_string(round), "value");
          if (round < nth) {
            wal->sync();
          } else {
            first = io_error_of([&] { wal->sync(); });
          }
        }
        REQUIRE(!first.empty());
        fs.clear_log();
        CHECK(io_error_of([&] { wal->put("later", "value"); }) == first);
        CHECK(io_error_of([&] { wal->sync(); }) == first);
        CHECK(io_error_of([&] { wal->put("later", ""); }) == first);
        CHECK(io_error_of([&] { wal->sync(); }) == first);
        CHECK(fs.log().empty());
      }
      fs.crash(CrashMode::kDropUnsynced);
      const std::vector<Record> got = recover(fs);
      CHECK(got.size() == nth - 1);  // the rounds synced before the failure
    }
  }
}

TEST_CASE("wal a torn append while the buffer fills throws IoError from put, and it sticks",
          "[w2d6][wal-encoding][failure][hostile]") {
  FaultInjectionFs fs;
  const std::unique_ptr<Wal> wal = create_wal(fs);
  wal->put("synced", "value");
  wal->sync();
  fs.fail_append_torn(1, 100);
  const std::string value(1018, 'v');
  std::string first;
  for (int i = 0; i < 64 && first.empty(); ++i) {
    try {
      wal->put("", value);
    } catch (const IoError& error) {
      first = error.what();
    }
  }
  REQUIRE(!first.empty());
  fs.clear_log();
  CHECK(io_error_of([&] { wal->put("more", "value"); }) == first);
  CHECK(io_error_of([&] { wal->sync(); }) == first);
  CHECK(fs.log().empty());
}

// ---- Metrics -----------------------------------------------------------------------------------

TEST_CASE("wal metrics count the bytes of every record put and every fsync of a sync",
          "[w2d6][wal-encoding][sync]") {
  FaultInjectionFs fs;
  const auto metrics = std::make_shared<WalMetrics>();
  const std::unique_ptr<Wal> wal = create_wal(fs, kId, metrics);
  // Version 1 records of 14, 9 and 6 bytes; version 2 frames 12 bytes longer each.
  const std::uint32_t version = written_wal_format(fs, kPath).version;
  CHECK(metrics->stats().bytes == 0);
  wal->put("key", "value");
  wal->put("key", "");
  CHECK(metrics->stats().bytes == (version == 1 ? 23 : 23 + 2 * 12));
  CHECK(metrics->stats().fsyncs == 0);
  wal->sync();
  wal->sync();
  CHECK(metrics->stats().fsyncs == 1);
  wal->put("", "");
  wal->sync();
  CHECK(metrics->stats().bytes == (version == 1 ? 29 : 29 + 3 * 12));
  CHECK(metrics->stats().fsyncs == 2);
}

// ---- What day 6 cannot tell --------------------------------------------------------------------

TEST_CASE(
    "wal day-6 limit, fixed by w2d7 checksums: a zero-filled tail reads as deletes of the "
    "empty key in version 1, and as a torn tail in version 2",
    "[w2d6][wal-encoding][limit]") {
  FaultInjectionFs fs;
  WalFormat format;
  {
    const std::unique_ptr<Wal> wal = create_wal(fs);
    format = written_wal_format(fs, kPath);
    wal->put("synced", "value");  // durable
    wal->sync();
    // 64 records of 1024 bytes: one append, never fsynced.
    const std::string value(1024 - format.record_size(0, 0), 'v');
    for (int i = 0; i < 64; ++i) {
      wal->put("", value);
    }
  }
  const std::uint64_t synced_end = kWalHeaderSize + format.record_size(6, 5);
  // The power cut keeps the file's new length but not its bytes: 65536 zeros after the record.
  fs.crash(CrashMode::kZeroFillUnsynced);
  REQUIRE(fs.contents(kPath).size() == synced_end + 65536);
  WalReadResult result;
  const std::vector<Record> got = recover(fs, &result);
  REQUIRE(!got.empty());
  CHECK(got[0].key == "synced");
  CHECK(got[0].value == "value");
  if (format.version == 1) {
    // What day 6 cannot tell: six zero bytes are a whole record, the delete of the empty key.
    // 65536 = 10922 * 6 + 4: ten thousand records of six zero bytes, then four bytes too few.
    REQUIRE(synced_end == 33);
    REQUIRE(got.size() == 1 + 10922);
    CHECK(got[1].key.empty());
    CHECK(got[1].value.empty());
    CHECK(got.back().key.empty());
    CHECK(got.back().value.empty());
    CHECK(result.torn_tail_offset == std::optional<std::uint64_t>(33 + 10922 * 6));
    CHECK(fs.contents(kPath).size() == 33 + 10922 * 6);
  } else {
    // Version 2 (week 2 day 7): a frame of zeros has length 0 and no whole frame follows, so the
    // zeros are the torn tail, cut off whole; nothing of them reaches the memtable.
    REQUIRE(synced_end == 16 + 29);
    CHECK(got.size() == 1);
    CHECK(result.torn_tail_offset == std::optional<std::uint64_t>(synced_end));
    CHECK(fs.contents(kPath).size() == synced_end);
  }
}
