// Week 2 day 7: wal-dump on WALs of format version 2, one checksummed frame per batch. The tree's
// own binary runs on real files written by the tree's own Wal: a clean file, one a crash cut
// short, one with a zero-filled tail, one with a bit flipped before the tail or in the last
// frame, one with a length field pointing past the end, and one with a frame copied in from
// another WAL. The checksums in the expected output were computed apart from the engine, by a
// bit-by-bit CRC-32C (polynomial 0x82F63B78, reflected) that passes the RFC 3720 vectors.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "harness/catch.hpp"
#include "harness/fault_injection_fs.hpp"
#include "harness/run_tool.hpp"
#include "harness/temp_dir.hpp"
#include "mini_lsm/error.hpp"
#include "mini_lsm/file_system.hpp"
#include "mini_lsm/wal.hpp"
#include "mini_lsm/write_op.hpp"

using mini_lsm::Wal;
using mini_lsm::WriteOp;
using mini_lsm::testing::run_tool;
using mini_lsm::testing::TempDir;
using mini_lsm::testing::ToolResult;

namespace {

// The example of these tests, in a WAL of id 7: three batches.
//   frame at 16, 26 bytes: put key = value                       crc 0x37531214
//   frame at 42, 36 bytes: put a = 1, del key, put "" = v         crc 0xc5b53c61
//   frame at 78, 19 bytes: del a                                  crc 0x7a9e00f8
// The file is 97 bytes; a frame is 8 bytes of header (checksum, length) and a payload of count
// (4 bytes) and records (6 bytes each besides the key and the value).
const char* const kFirstBatch =
    "batch at 16 (frame 26 bytes, 1 write): crc 0x37531214 ok\n"
    "  write 0 (key 3 bytes, value 5 bytes): put \"key\" = \"value\"\n";
const char* const kSecondBatch =
    "batch at 42 (frame 36 bytes, 3 writes): crc 0xc5b53c61 ok\n"
    "  write 0 (key 1 byte, value 1 byte): put \"a\" = \"1\"\n"
    "  write 1 (key 3 bytes, value 0 bytes): del \"key\"\n"
    "  write 2 (key 0 bytes, value 1 byte): put \"\" = \"v\"\n";
const char* const kThirdBatch =
    "batch at 78 (frame 19 bytes, 1 write): crc 0x7a9e00f8 ok\n"
    "  write 0 (key 1 byte, value 0 bytes): del \"a\"\n";

// The frame of the first batch, put key = value, as a WAL of id 8 writes it: the same bytes but
// for the checksum, whose salt is the WAL's id.
const char* const kFirstBatchOfWal8Crc = "0xf2a9dd63";

class DumpFixture {
 public:
  const std::filesystem::path& dir() const { return dir_.path(); }
  std::filesystem::path wal(std::size_t id) const {
    return dir_.path() / (std::to_string(id) + ".wal");
  }

  // Writes the example into `<id>.wal` through the engine's Wal, as the engine would: a put (a
  // batch of one), a batch of three and a delete.
  std::filesystem::path write_example(std::size_t id = 7) const {
    const std::filesystem::path path = wal(id);
    std::filesystem::remove(path);
    const std::shared_ptr<mini_lsm::FileSystem> fs = mini_lsm::posix_file_system();
    const std::unique_ptr<Wal> log = Wal::create(path, id, *fs);
    log->put("key", "value");
    const std::vector<WriteOp> batch = {WriteOp::put("a", "1"), WriteOp::del("key"),
                                        WriteOp::put("", "v")};
    log->put_batch(batch);
    log->put("a", "");
    log->sync();
    return path;
  }

  static std::string bytes(const std::filesystem::path& path) {
    std::ifstream input(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(input), std::istreambuf_iterator<char>());
  }

  static void write(const std::filesystem::path& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  }

  ToolResult run(const std::vector<std::string>& arguments) const {
    return run_tool(MINI_LSM_WAL_DUMP, arguments, dir_.path() / "stderr");
  }
  ToolResult dump(const std::filesystem::path& path) const { return run({path.string()}); }

 private:
  TempDir dir_;
};

std::string first_line(const std::filesystem::path& path, std::size_t size) {
  return path.string() + ": " + std::to_string(size) + " bytes, format version 2, id 7\n";
}

}  // namespace

TEST_CASE(
    "wal-dump of a clean version-2 WAL prints each batch with its offset, frame size and "
    "verified checksum, then its writes, exit 0",
    "[w2d7][wal-dump]") {
  DumpFixture fixture;
  const std::filesystem::path wal = fixture.write_example();
  REQUIRE(DumpFixture::bytes(wal).size() == 97);
  const ToolResult result = fixture.dump(wal);
  CHECK(result.out == first_line(wal, 97) + kFirstBatch + kSecondBatch + kThirdBatch +
                          "clean: 3 batches, 5 records, 81 bytes\n");
  CHECK(result.err.empty());
  CHECK(result.exit_code == 0);

  // The header alone: no batch at all.
  DumpFixture::write(wal, DumpFixture::bytes(wal).substr(0, 16));
  const ToolResult empty = fixture.dump(wal);
  CHECK(empty.out == first_line(wal, 16) + "clean: 0 batches, 0 records, 0 bytes\n");
  CHECK(empty.exit_code == 0);
}

TEST_CASE(
    "wal-dump of a version-2 WAL cut inside its last frame prints the whole batches, then the "
    "torn tail with its reason, exit 1",
    "[w2d7][wal-dump]") {
  DumpFixture fixture;
  const std::filesystem::path wal = fixture.write_example();
  const std::string whole = DumpFixture::bytes(wal);

  // Cut inside the payload of the second batch: none of its three writes is shown.
  DumpFixture::write(wal, whole.substr(0, 60));
  const ToolResult payload_cut = fixture.dump(wal);
  CHECK(payload_cut.out == first_line(wal, 60) + kFirstBatch +
                               "torn tail at offset 42 (the file ends inside a record of 28 "
                               "bytes): 18 bytes that open cuts off, or refuses under absolute "
                               "consistency\n");
  CHECK(payload_cut.err.empty());
  CHECK(payload_cut.exit_code == 1);

  // Cut inside the 8-byte header of the third frame.
  DumpFixture::write(wal, whole.substr(0, 83));
  const ToolResult header_cut = fixture.dump(wal);
  CHECK(header_cut.out == first_line(wal, 83) + kFirstBatch + kSecondBatch +
                              "torn tail at offset 78 (the file ends inside a record header): 5 "
                              "bytes that open cuts off, or refuses under absolute "
                              "consistency\n");
  CHECK(header_cut.exit_code == 1);

  // One byte short of whole: the last batch is not shown, not even in part.
  DumpFixture::write(wal, whole.substr(0, 96));
  const ToolResult one_short = fixture.dump(wal);
  CHECK(one_short.out == first_line(wal, 96) + kFirstBatch + kSecondBatch +
                             "torn tail at offset 78 (the file ends inside a record of 11 "
                             "bytes): 18 bytes that open cuts off, or refuses under absolute "
                             "consistency\n");
  CHECK(one_short.exit_code == 1);
}

TEST_CASE(
    "wal-dump of a version-2 WAL with a zero-filled tail of 1, 8, 11 or 4096 bytes calls it a "
    "torn tail of zeros, exit 1",
    "[w2d7][wal-dump]") {
  DumpFixture fixture;
  const std::filesystem::path wal = fixture.write_example();
  const std::string whole = DumpFixture::bytes(wal);
  for (const std::size_t zeros : {1, 8, 11, 4096}) {
    INFO(zeros << " zero bytes");
    DumpFixture::write(wal, whole + std::string(zeros, '\0'));
    const ToolResult result = fixture.dump(wal);
    CHECK(result.out == first_line(wal, 97 + zeros) + kFirstBatch + kSecondBatch + kThirdBatch +
                            "torn tail at offset 97 (only zero bytes from here (the file's size "
                            "reached the disk, its data did not)): " +
                            std::to_string(zeros) + (zeros == 1 ? " byte" : " bytes") +
                            " that open cuts off, or refuses under absolute consistency\n");
    CHECK(result.err.empty());
    CHECK(result.exit_code == 1);
  }
  // Zeros over the last frame, as after a power cut that kept the size and lost its data.
  DumpFixture::write(wal, whole.substr(0, 78) + std::string(19, '\0'));
  const ToolResult zeroed_frame = fixture.dump(wal);
  CHECK(zeroed_frame.out == first_line(wal, 97) + kFirstBatch + kSecondBatch +
                                "torn tail at offset 78 (only zero bytes from here (the file's "
                                "size reached the disk, its data did not)): 19 bytes that open "
                                "cuts off, or refuses under absolute consistency\n");
  CHECK(zeroed_frame.exit_code == 1);
}

TEST_CASE(
    "wal-dump of a version-2 WAL with a bit flipped before its last frame prints the batches "
    "before it and the first bad offset, exit 2",
    "[w2d7][wal-dump]") {
  DumpFixture fixture;
  const std::filesystem::path wal = fixture.write_example();
  const std::string whole = DumpFixture::bytes(wal);

  // Offset 56 is the key "a" of the second batch's first write; "a" ^ 0x02 is "c".
  std::string flipped = whole;
  flipped[56] = static_cast<char>(flipped[56] ^ 0x02);
  DumpFixture::write(wal, flipped);
  const ToolResult result = fixture.dump(wal);
  CHECK(result.out == first_line(wal, 97) + kFirstBatch +
                          "corrupt at offset 42: checksum mismatch (stored 0xc5b53c61, computed "
                          "0x7d9ee109), but a whole record follows at offset 78: damage before "
                          "the tail\n");
  CHECK(result.err.empty());
  CHECK(result.exit_code == 2);

  // The second frame's length changed from 28 to 1000: past the end of the file, with the
  // third frame whole after it. Damage, not a tail to cut.
  std::string long_length = whole;
  long_length[46] = static_cast<char>(0xe8);
  long_length[47] = static_cast<char>(0x03);
  DumpFixture::write(wal, long_length);
  const ToolResult past_end = fixture.dump(wal);
  CHECK(past_end.out == first_line(wal, 97) + kFirstBatch +
                            "corrupt at offset 42: the file ends inside a record of 1000 bytes, "
                            "but a whole record follows at offset 78: damage before the tail\n");
  CHECK(past_end.exit_code == 2);
}

TEST_CASE(
    "wal-dump of a version-2 WAL with a bit flipped in its last frame reports a torn tail, "
    "since nothing whole follows it, exit 1",
    "[w2d7][wal-dump]") {
  DumpFixture fixture;
  const std::filesystem::path wal = fixture.write_example();
  std::string flipped = DumpFixture::bytes(wal);
  flipped[92] = static_cast<char>(flipped[92] ^ 0x02);  // the key "a" of the last batch
  DumpFixture::write(wal, flipped);
  const ToolResult result = fixture.dump(wal);
  CHECK(result.out == first_line(wal, 97) + kFirstBatch + kSecondBatch +
                          "torn tail at offset 78 (checksum mismatch (stored 0x7a9e00f8, "
                          "computed 0x0abcdfa0)): 19 bytes that open cuts off, or refuses under "
                          "absolute consistency\n");
  CHECK(result.err.empty());
  CHECK(result.exit_code == 1);
}

TEST_CASE(
    "wal-dump of a version-2 WAL with a whole frame spliced in from another WAL reports it, "
    "since the salt makes its checksum fail",
    "[w2d7][wal-dump]") {
  DumpFixture fixture;
  const std::filesystem::path wal7 = fixture.write_example(7);
  const std::filesystem::path wal8 = fixture.write_example(8);
  const std::string bytes7 = DumpFixture::bytes(wal7);
  const std::string bytes8 = DumpFixture::bytes(wal8);
  // In its own file, WAL 8's first frame verifies.
  const ToolResult own = fixture.dump(wal8);
  CHECK(own.out.find(std::string("batch at 16 (frame 26 bytes, 1 write): crc ") +
                     kFirstBatchOfWal8Crc + " ok\n") != std::string::npos);
  CHECK(own.exit_code == 0);

  const std::string frame8 = bytes8.substr(16, 26);  // put key = value, salted with 8
  CHECK(frame8.substr(4) == bytes7.substr(20, 22));  // the same length and payload

  // Spliced between the first and the second batch of WAL 7: damage, at the spliced frame.
  DumpFixture::write(wal7, bytes7.substr(0, 42) + frame8 + bytes7.substr(42));
  const ToolResult spliced = fixture.dump(wal7);
  CHECK(spliced.out == first_line(wal7, 123) + kFirstBatch +
                           "corrupt at offset 42: checksum mismatch (stored " +
                           kFirstBatchOfWal8Crc +
                           ", computed 0x37531214), but a whole record follows at offset 68: "
                           "damage before the tail\n");
  CHECK(spliced.err.empty());
  CHECK(spliced.exit_code == 2);

  // Put in place of WAL 7's own first frame, the same bytes but the checksum: still caught.
  DumpFixture::write(wal7, bytes7.substr(0, 16) + frame8 + bytes7.substr(42));
  const ToolResult replaced = fixture.dump(wal7);
  CHECK(replaced.out == first_line(wal7, 97) + "corrupt at offset 16: checksum mismatch (stored " +
                            kFirstBatchOfWal8Crc +
                            ", computed 0x37531214), but a whole record follows at offset 42: "
                            "damage before the tail\n");
  CHECK(replaced.exit_code == 2);

  // Appended at the end, nothing whole follows it: it reads as a torn tail.
  DumpFixture::write(wal7, bytes7 + frame8);
  const ToolResult appended = fixture.dump(wal7);
  CHECK(appended.out == first_line(wal7, 123) + kFirstBatch + kSecondBatch + kThirdBatch +
                            "torn tail at offset 97 (checksum mismatch (stored " +
                            kFirstBatchOfWal8Crc +
                            ", computed 0x37531214)): 26 bytes that open cuts off, or refuses "
                            "under absolute consistency\n");
  CHECK(appended.exit_code == 1);
}

TEST_CASE("wal-dump --help explains both format versions, exit 0", "[w2d7][wal-dump]") {
  DumpFixture fixture;
  const ToolResult help = fixture.run({"--help"});
  CHECK(help.out.find("Version 1") != std::string::npos);
  CHECK(help.out.find("Version 2") != std::string::npos);
  CHECK(help.out.find("batch at OFFSET (frame F bytes, N writes): crc 0xCCCCCCCC ok") !=
        std::string::npos);
  CHECK(help.out.find("clean: N batches, M records, B bytes") != std::string::npos);
  CHECK(help.out.find("clean: N records, B bytes") != std::string::npos);
  CHECK(help.out.find("torn tail at offset X (WHY)") != std::string::npos);
  CHECK(help.out.find("corrupt at offset X") != std::string::npos);
  CHECK(help.exit_code == 0);
  // The tool is the same at every chapter: what fails without the chapter is the WAL it reads.
  const std::filesystem::path wal = fixture.write_example();
  CHECK(fixture.dump(wal).exit_code == 0);
}

// ---- Damaged WALs, seeded ----------------------------------------------------------------------

namespace {

// What read_wal() says of `bytes` (no expected id): the exit status wal-dump must give (0 clean, 1
// torn tail, 2 corrupt), and the batches and records it reads before that.
struct Verdict {
  int exit_code = -1;
  std::size_t batches = 0;
  std::size_t records = 0;
};

// What read_wal() says of `bytes`, read from memory.
Verdict verdict_of(const std::string& bytes) {
  mini_lsm::testing::FaultInjectionFs fs;
  fs.create_directories("/db");
  fs.write_file("/db/damaged", bytes);
  Verdict verdict;
  try {
    const mini_lsm::WalReadResult result = mini_lsm::read_wal(
        "/db/damaged", fs, std::nullopt, [&](const mini_lsm::WalRecordView& record) {
          ++verdict.records;
          verdict.batches += record.index_in_batch == 0 ? 1 : 0;
        });
    verdict.exit_code = result.torn_tail_offset ? 1 : 0;
  } catch (const mini_lsm::Corruption&) {
    verdict.exit_code = 2;
  }
  return verdict;
}

// The bytes of the WAL `id` that the engine's Wal writes for `batches`, in memory (no fsync).
std::string wal_bytes(std::uint64_t id, const std::vector<std::vector<WriteOp>>& batches) {
  mini_lsm::testing::FaultInjectionFs fs;
  fs.create_directories("/db");
  {
    const std::unique_ptr<Wal> log = Wal::create("/db/wal", id, fs);
    for (const std::vector<WriteOp>& batch : batches) {
      log->put_batch(batch);
    }
    log->sync();
  }
  const std::unique_ptr<mini_lsm::RandomAccessFile> file = fs.open_for_read("/db/wal");
  return file->read(0, file->size());
}

// A version-2 WAL of a few seeded batches, written by the engine's Wal, then damaged: bytes
// changed, cut off, zeros or garbage appended, or a frame of another WAL spliced in.
std::string damaged_wal(std::uint64_t seed) {
  std::mt19937_64 random(seed);
  const auto random_bytes = [&](std::size_t size) {
    std::string bytes(size, '\0');
    for (char& c : bytes) {
      c = static_cast<char>(random() & 0xff);
    }
    return bytes;
  };
  std::deque<std::string> keys_and_values;  // the batches' views point in here: push_back moves
                                            // no element of a deque
  std::vector<std::vector<WriteOp>> batches(1 + random() % 4);
  for (std::vector<WriteOp>& batch : batches) {
    for (std::uint64_t write = 1 + random() % 3; write > 0; --write) {
      keys_and_values.push_back(random_bytes(random() % 6));
      keys_and_values.push_back(random_bytes(random() % 20));
      batch.push_back(
          WriteOp::put(keys_and_values[keys_and_values.size() - 2], keys_and_values.back()));
    }
  }
  const std::uint64_t id = seed % 2 == 0 ? 7 : 8;
  std::string bytes = wal_bytes(id, batches);
  switch (seed % 4) {
    case 0:  // bytes changed anywhere after the header
      for (std::uint64_t flips = 1 + random() % 3; flips > 0; --flips) {
        const std::size_t at = 16 + random() % (bytes.size() - 16);
        bytes[at] = static_cast<char>(bytes[at] ^ (1 + random() % 255));
      }
      break;
    case 1:  // cut off
      bytes.resize(16 + random() % (bytes.size() - 16));
      break;
    case 2:  // zeros or garbage appended
      bytes += random() % 2 == 0 ? std::string(1 + random() % 40, '\0') : random_bytes(40);
      break;
    default: {  // a frame of the WAL with the other id, spliced in first or last
      const std::vector<WriteOp> spliced = {WriteOp::put("spliced", "in")};
      const std::string frame = wal_bytes(id == 7 ? 8 : 7, {spliced}).substr(16);
      bytes.insert(random() % 2 == 0 ? 16 : bytes.size(), frame);
    }
  }
  return bytes;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t found = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++found;
  }
  return found;
}

// wal-dump on the damaged WALs of seeds [first, first + count): it never crashes, and says what
// read_wal() says (exit status, a line per batch and per write read, the last line).
void check_damaged(std::uint64_t first, std::uint64_t count_of_seeds) {
  TempDir dir;
  std::vector<std::filesystem::path> files;
  std::vector<Verdict> verdicts;
  for (std::uint64_t seed = first; seed < first + count_of_seeds; ++seed) {
    const std::string bytes = damaged_wal(seed);
    files.push_back(dir.path() / ("damaged-" + std::to_string(seed)));
    DumpFixture::write(files.back(), bytes);
    verdicts.push_back(verdict_of(bytes));
  }
  // One shell runs every dump: each one's output goes to FILE.out, its exit status to the
  // shell's output, one a line.
  std::string script = "for f in";
  for (const std::filesystem::path& file : files) {
    script += " " + mini_lsm::testing::shell_quote(file.string());
  }
  script += "; do " + mini_lsm::testing::shell_quote(MINI_LSM_WAL_DUMP) +
            " \"$f\" > \"$f.out\" 2> \"$f.err\"; echo $?; done";
  const ToolResult ran = run_tool("sh", {"-c", script}, dir.path() / "stderr");
  REQUIRE(count(ran.out, "\n") == files.size());
  std::size_t line_start = 0;
  const std::string last_words[] = {"\nclean: ", "\ntorn tail at offset ", "\ncorrupt at offset "};
  for (std::size_t i = 0; i < files.size(); ++i) {
    INFO("seed " << first + i);
    const std::size_t line_end = ran.out.find('\n', line_start);
    const int exit_code = std::stoi(ran.out.substr(line_start, line_end - line_start));
    line_start = line_end + 1;
    const Verdict& verdict = verdicts[i];
    REQUIRE(verdict.exit_code >= 0);
    CHECK(exit_code == verdict.exit_code);
    const std::string out = DumpFixture::bytes(files[i].string() + ".out");
    CHECK(count(out, "\nbatch at ") == verdict.batches);
    CHECK(count(out, "\n  write ") == verdict.records);
    CHECK(out.find(last_words[verdict.exit_code]) != std::string::npos);
    CHECK(DumpFixture::bytes(files[i].string() + ".err").empty());
  }
}

}  // namespace

TEST_CASE(
    "wal-dump on 50 seeded damaged version-2 WALs (seeds 0-49) never crashes and says what "
    "read_wal says, batch by batch",
    "[w2d7][wal-dump][hostile]") {
  check_damaged(0, 50);
}

TEST_CASE(
    "wal-dump on 50 seeded damaged version-2 WALs (seeds 50-99) never crashes and says what "
    "read_wal says, batch by batch",
    "[w2d7][wal-dump][hostile]") {
  check_damaged(50, 50);
}
