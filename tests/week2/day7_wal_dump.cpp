// Week 2 day 7: wal-dump on WALs of format version 2, one checksummed frame per batch. The tree's
// own binary runs on real files written by the tree's own Wal: a clean file, one a crash cut
// short, one with a zero-filled tail, one with a bit flipped before the tail or in the last
// frame, one with a length field pointing past the end, and one with a frame copied in from
// another WAL. The checksums in the expected output were computed apart from the engine, by a
// bit-by-bit CRC-32C (polynomial 0x82F63B78, reflected) that passes the RFC 3720 vectors.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "harness/catch.hpp"
#include "harness/run_tool.hpp"
#include "harness/temp_dir.hpp"
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
