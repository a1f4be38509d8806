// Week 2 day 7: manifest-dump on manifests of format version 2, one checksummed frame (salt 0)
// per record. The tree's own binary runs on real files written by the tree's own Manifest: a
// clean file, one a crash cut short, one with a zero tail, one with a bit flipped before the tail
// or in the last frame, and one with a frame spliced in. The checksums in the expected output
// were computed apart from the engine, by a bit-by-bit CRC-32C over the salt, the length and the
// payload of each frame.

#include <cstddef>
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
#include "mini_lsm/manifest.hpp"
#include "mini_lsm/wal.hpp"

using mini_lsm::CompactionRecord;
using mini_lsm::FlushRecord;
using mini_lsm::FullCompactionTask;
using mini_lsm::Level;
using mini_lsm::Manifest;
using mini_lsm::ManifestRecord;
using mini_lsm::NewMemtableRecord;
using mini_lsm::SnapshotRecord;
using mini_lsm::testing::run_tool;
using mini_lsm::testing::TempDir;
using mini_lsm::testing::ToolResult;

namespace {

// The records of day 5's worked example: a snapshot with SST 2 in L0, memtable 3 created and
// flushed, a full compaction of 3 and 2 into 4. In version 2 their frames start at 8, 54, 71
// and 88 (8 bytes of frame header before each payload of 38, 9, 9 and 50 bytes); the file is
// 146 bytes.
const std::vector<ManifestRecord> kRecords{
    SnapshotRecord{3, mini_lsm::CompactionStrategy::kNone, {2}, {Level{1, {}}}},
    NewMemtableRecord{3},
    FlushRecord{3},
    CompactionRecord{FullCompactionTask{{3, 2}, {Level{1, {}}}}, {4}},
};

const char* const kSnapshotLine =
    "at 8 (frame 46 bytes, crc 0xfc98ae7e ok): snapshot next_id=3 none L0 [2] L1 []\n";
const char* const kNewMemtableLine = "at 54 (frame 17 bytes, crc 0x4b20b025 ok): new_memtable 3\n";
const char* const kFlushLine = "at 71 (frame 17 bytes, crc 0xbf1e666d ok): flush 3\n";
const char* const kCompactionLine =
    "at 88 (frame 58 bytes, crc 0xcd69d5c1 ok): compaction full: L0 [3 2] + L1 [] -> bottom "
    "output [4]\n";

class DumpFixture {
 public:
  DumpFixture() : manifest_(dir_.path() / "MANIFEST") {}

  const std::filesystem::path& manifest() const { return manifest_; }
  std::string name() const { return manifest_.string(); }
  const std::filesystem::path& dir() const { return dir_.path(); }

  // Writes kRecords through the engine's Manifest, as an engine would.
  void write_manifest() const {
    std::filesystem::remove(manifest_);
    const std::shared_ptr<mini_lsm::FileSystem> fs = mini_lsm::posix_file_system();
    Manifest manifest = Manifest::create(manifest_, kRecords.front(), *fs);
    for (std::size_t i = 1; i < kRecords.size(); ++i) {
      manifest.add_record(kRecords[i]);
    }
  }

  static std::string bytes(const std::filesystem::path& path) {
    std::ifstream input(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(input), std::istreambuf_iterator<char>());
  }
  std::string bytes() const { return bytes(manifest_); }

  void replace(const std::string& bytes) const {
    std::ofstream(manifest_, std::ios::binary | std::ios::trunc) << bytes;
  }

  ToolResult run(const std::vector<std::string>& arguments) const {
    return run_tool(MINI_LSM_MANIFEST_DUMP, arguments, dir_.path() / "stderr");
  }
  ToolResult dump() const { return run({name()}); }

  std::string first_line(std::size_t size) const {
    return name() + ": " + std::to_string(size) + " bytes, format version 2\n";
  }

 private:
  TempDir dir_;
  std::filesystem::path manifest_;
};

}  // namespace

TEST_CASE(
    "manifest-dump of a clean version-2 manifest prints each record with its frame's size and "
    "verified checksum, exit 0",
    "[w2d7][manifest-dump]") {
  DumpFixture fixture;
  fixture.write_manifest();
  REQUIRE(fixture.bytes().size() == 146);
  const ToolResult result = fixture.dump();
  CHECK(result.out == fixture.first_line(146) + kSnapshotLine + kNewMemtableLine + kFlushLine +
                          kCompactionLine + "clean: 4 records, 138 bytes\n");
  CHECK(result.err.empty());
  CHECK(result.exit_code == 0);

  fixture.replace(fixture.bytes().substr(0, 54));
  const ToolResult snapshot_only = fixture.dump();
  CHECK(snapshot_only.out ==
        fixture.first_line(54) + kSnapshotLine + "clean: 1 record, 46 bytes\n");
  CHECK(snapshot_only.exit_code == 0);
}

TEST_CASE(
    "manifest-dump of a version-2 manifest cut inside a frame prints the whole records, then the "
    "torn tail with its reason, exit 1",
    "[w2d7][manifest-dump]") {
  DumpFixture fixture;
  fixture.write_manifest();
  const std::string whole = fixture.bytes();

  fixture.replace(whole.substr(0, 120));  // inside the compaction's payload
  const ToolResult payload_cut = fixture.dump();
  CHECK(payload_cut.out == fixture.first_line(120) + kSnapshotLine + kNewMemtableLine + kFlushLine +
                               "torn tail at offset 88 (the file ends inside a record of 50 "
                               "bytes): 32 bytes that open drops\n");
  CHECK(payload_cut.err.empty());
  CHECK(payload_cut.exit_code == 1);

  fixture.replace(whole.substr(0, 60));  // inside the header of the new_memtable frame
  const ToolResult header_cut = fixture.dump();
  CHECK(header_cut.out == fixture.first_line(60) + kSnapshotLine +
                              "torn tail at offset 54 (the file ends inside a record header): 6 "
                              "bytes that open drops\n");
  CHECK(header_cut.exit_code == 1);
}

TEST_CASE(
    "manifest-dump of a version-2 manifest ending in zero bytes calls them a torn tail of "
    "zeros, exit 1",
    "[w2d7][manifest-dump]") {
  DumpFixture fixture;
  fixture.write_manifest();
  fixture.replace(fixture.bytes() + std::string(16, '\0'));
  const ToolResult result = fixture.dump();
  CHECK(result.out == fixture.first_line(162) + kSnapshotLine + kNewMemtableLine + kFlushLine +
                          kCompactionLine +
                          "torn tail at offset 146 (only zero bytes from here (the file's size "
                          "reached the disk, its data did not)): 16 bytes that open drops\n");
  CHECK(result.err.empty());
  CHECK(result.exit_code == 1);
}

TEST_CASE(
    "manifest-dump of a version-2 manifest with a bit flipped before its last frame prints the "
    "records before it and the first bad offset, exit 2",
    "[w2d7][manifest-dump]") {
  DumpFixture fixture;
  fixture.write_manifest();
  std::string flipped = fixture.bytes();
  flipped[63] = static_cast<char>(flipped[63] ^ 0x01);  // the new_memtable record's id, 3 -> 2
  fixture.replace(flipped);
  const ToolResult result = fixture.dump();
  CHECK(result.out == fixture.first_line(146) + kSnapshotLine +
                          "corrupt at offset 54: checksum mismatch (stored 0x4b20b025, computed "
                          "0x021ccd02), but a whole record follows at offset 71: damage before "
                          "the tail\n");
  CHECK(result.err.empty());
  CHECK(result.exit_code == 2);

  // The same bit in the last frame: nothing whole follows it, so it reads as a torn tail.
  fixture.write_manifest();
  flipped = fixture.bytes();
  flipped[100] = static_cast<char>(flipped[100] ^ 0x01);
  fixture.replace(flipped);
  const ToolResult last = fixture.dump();
  CHECK(last.out == fixture.first_line(146) + kSnapshotLine + kNewMemtableLine + kFlushLine +
                        "torn tail at offset 88 (checksum mismatch (stored 0xcd69d5c1, computed "
                        "0x8d79b42f)): 58 bytes that open drops\n");
  CHECK(last.exit_code == 1);
}

TEST_CASE(
    "manifest-dump of a version-2 manifest with a WAL frame spliced in reports it, since the "
    "salts differ, but a frame of another manifest verifies",
    "[w2d7][manifest-dump]") {
  DumpFixture fixture;
  fixture.write_manifest();
  const std::string whole = fixture.bytes();

  // The frame of put key = value in WAL 7: checksummed with salt 7, read with salt 0.
  const std::filesystem::path wal_path = fixture.dir() / "7.wal";
  {
    const std::shared_ptr<mini_lsm::FileSystem> fs = mini_lsm::posix_file_system();
    const std::unique_ptr<mini_lsm::Wal> wal = mini_lsm::Wal::create(wal_path, 7, *fs);
    wal->put("key", "value");
    wal->sync();
  }
  const std::string wal_frame = DumpFixture::bytes(wal_path).substr(16);
  REQUIRE(wal_frame.size() == 26);
  fixture.replace(whole.substr(0, 54) + wal_frame + whole.substr(54));
  const ToolResult spliced = fixture.dump();
  CHECK(spliced.out == fixture.first_line(172) + kSnapshotLine +
                           "corrupt at offset 54: checksum mismatch (stored 0x37531214, computed "
                           "0x5f73d52b), but a whole record follows at offset 80: damage before "
                           "the tail\n");
  CHECK(spliced.err.empty());
  CHECK(spliced.exit_code == 2);

  // Every manifest's salt is 0: a frame copied from another manifest (here, this one's
  // new_memtable 3, repeated after the flush) verifies and reads as a record of this one.
  fixture.replace(whole.substr(0, 88) + whole.substr(54, 17) + whole.substr(88));
  const ToolResult repeated = fixture.dump();
  CHECK(repeated.out == fixture.first_line(163) + kSnapshotLine + kNewMemtableLine + kFlushLine +
                            "at 88 (frame 17 bytes, crc 0x4b20b025 ok): new_memtable 3\n"
                            "at 105 (frame 58 bytes, crc 0xcd69d5c1 ok): compaction full: L0 [3 "
                            "2] + L1 [] -> bottom output [4]\n"
                            "clean: 5 records, 155 bytes\n");
  CHECK(repeated.exit_code == 0);
}

TEST_CASE("manifest-dump --help explains both format versions, exit 0", "[w2d7][manifest-dump]") {
  DumpFixture fixture;
  const ToolResult help = fixture.run({"--help"});
  CHECK(help.out.find("version 1") != std::string::npos);
  CHECK(help.out.find("version 2") != std::string::npos);
  CHECK(help.out.find("at OFFSET (frame F bytes, crc 0xCCCCCCCC ok): RECORD") != std::string::npos);
  CHECK(help.out.find("clean: N records, B bytes") != std::string::npos);
  CHECK(help.out.find("torn tail at offset X (WHY)") != std::string::npos);
  CHECK(help.out.find("corrupt at offset X") != std::string::npos);
  CHECK(help.exit_code == 0);
  // The tool is the same at every chapter: what fails without the chapter is the file it reads.
  fixture.write_manifest();
  CHECK(fixture.dump().out.rfind(fixture.first_line(146), 0) == 0);
}
