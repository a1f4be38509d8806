// Week 2 day 5: manifest-dump, the tool that shows what a MANIFEST holds. The tree's own binary
// runs on real files in a temporary directory: a clean manifest, one a crash cut short, one with
// a zero tail, one damaged in the middle, and the ways a user can call it wrong.
//
// The manifests are format version 1 (day 5), framed by hand: the engine writes version 2 from
// week 2 day 7 on but still reads version 1, and its dump does not change; what the dump of a
// version-2 manifest shows is a day-7 test.

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "harness/catch.hpp"
#include "harness/manifest_files.hpp"
#include "harness/run_tool.hpp"
#include "harness/temp_dir.hpp"
#include "mini_lsm/manifest.hpp"

using mini_lsm::CompactionRecord;
using mini_lsm::FlushRecord;
using mini_lsm::FullCompactionTask;
using mini_lsm::Level;
using mini_lsm::ManifestRecord;
using mini_lsm::NewMemtableRecord;
using mini_lsm::SnapshotRecord;
using mini_lsm::testing::manifest_v1;
using mini_lsm::testing::run_tool;
using mini_lsm::testing::TempDir;
using mini_lsm::testing::ToolResult;

namespace {

// The worked example of the chapter page: a snapshot with SST 2 in L0, memtable 3 created and
// flushed, a full compaction of 3 and 2 into 4. Records start at 8, 50, 63 and 76; the file is
// 130 bytes.
const std::vector<ManifestRecord> kRecords{
    SnapshotRecord{3, mini_lsm::CompactionStrategy::kNone, {2}, {Level{1, {}}}},
    NewMemtableRecord{3},
    FlushRecord{3},
    CompactionRecord{FullCompactionTask{{3, 2}, {Level{1, {}}}}, {4}},
};

const char* const kRecordLines =
    "at 8 (38 bytes): snapshot next_id=3 none L0 [2] L1 []\n"
    "at 50 (9 bytes): new_memtable 3\n"
    "at 63 (9 bytes): flush 3\n"
    "at 76 (50 bytes): compaction full: L0 [3 2] + L1 [] -> bottom output [4]\n";

class DumpFixture {
 public:
  DumpFixture() : manifest_(dir_.path() / "MANIFEST") {}

  const std::filesystem::path& manifest() const { return manifest_; }
  std::string name() const { return manifest_.string(); }

  // Writes kRecords as a version-1 manifest: the header, then each record's length and payload.
  void write_manifest() const {
    std::string bytes = manifest_v1().header();
    for (const ManifestRecord& record : kRecords) {
      bytes += manifest_v1().framed(mini_lsm::encode_record(record));
    }
    replace(bytes);
  }

  std::string bytes() const {
    std::ifstream input(manifest_, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(input), std::istreambuf_iterator<char>());
  }

  void replace(const std::string& bytes) const {
    std::ofstream(manifest_, std::ios::binary | std::ios::trunc) << bytes;
  }

  ToolResult dump(const std::vector<std::string>& arguments) const {
    return run_tool(MINI_LSM_MANIFEST_DUMP, arguments, dir_.path() / "stderr");
  }
  ToolResult dump() const { return dump({name()}); }

  // The good path, for the tests of bad calls: they must fail too in a tree without the chapter.
  void check_a_clean_dump() const {
    write_manifest();
    const ToolResult clean = dump();
    CHECK(clean.out ==
          name() + ": 130 bytes, format version 1\n" + kRecordLines + "clean: 4 records\n");
    CHECK(clean.exit_code == 0);
  }

 private:
  TempDir dir_;
  std::filesystem::path manifest_;
};

}  // namespace

TEST_CASE("manifest-dump of a clean manifest prints every record and exits 0",
          "[w2d5][manifest-dump]") {
  DumpFixture fixture;
  fixture.write_manifest();
  const ToolResult result = fixture.dump();
  CHECK(result.out ==
        fixture.name() + ": 130 bytes, format version 1\n" + kRecordLines + "clean: 4 records\n");
  CHECK(result.err.empty());
  CHECK(result.exit_code == 0);
}

TEST_CASE("manifest-dump of a manifest holding only its snapshot says 1 record",
          "[w2d5][manifest-dump]") {
  DumpFixture fixture;
  fixture.write_manifest();
  fixture.replace(fixture.bytes().substr(0, 50));
  const ToolResult result = fixture.dump();
  CHECK(result.out == fixture.name() +
                          ": 50 bytes, format version 1\n"
                          "at 8 (38 bytes): snapshot next_id=3 none L0 [2] L1 []\n"
                          "clean: 1 record\n");
  CHECK(result.exit_code == 0);
}

TEST_CASE("manifest-dump of a manifest cut inside its last record reports a torn tail, exit 1",
          "[w2d5][manifest-dump]") {
  DumpFixture fixture;
  fixture.write_manifest();
  fixture.replace(fixture.bytes().substr(0, 120));
  const ToolResult result = fixture.dump();
  CHECK(result.out == fixture.name() +
                          ": 120 bytes, format version 1\n"
                          "at 8 (38 bytes): snapshot next_id=3 none L0 [2] L1 []\n"
                          "at 50 (9 bytes): new_memtable 3\n"
                          "at 63 (9 bytes): flush 3\n"
                          "torn tail at offset 76 (44 bytes a crash cut off; open drops them)\n");
  CHECK(result.err.empty());
  CHECK(result.exit_code == 1);
}

TEST_CASE("manifest-dump of a manifest ending in zero bytes reports a torn tail, exit 1",
          "[w2d5][manifest-dump]") {
  DumpFixture fixture;
  fixture.write_manifest();
  fixture.replace(fixture.bytes() + std::string(16, '\0'));
  const ToolResult result = fixture.dump();
  CHECK(result.out == fixture.name() + ": 146 bytes, format version 1\n" + kRecordLines +
                          "torn tail at offset 130 (16 bytes a crash cut off; open drops them)\n");
  CHECK(result.exit_code == 1);
}

TEST_CASE(
    "manifest-dump of a manifest damaged in the middle prints the records before the "
    "damage, then where it is, exit 2",
    "[w2d5][manifest-dump]") {
  DumpFixture fixture;
  fixture.write_manifest();
  std::string bytes = fixture.bytes();
  bytes[67] = 9;  // the flush record's type byte
  fixture.replace(bytes);
  const ToolResult result = fixture.dump();
  CHECK(result.out == fixture.name() +
                          ": 130 bytes, format version 1\n"
                          "at 8 (38 bytes): snapshot next_id=3 none L0 [2] L1 []\n"
                          "at 50 (9 bytes): new_memtable 3\n"
                          "corrupt at offset 67: unknown record type 9\n");
  CHECK(result.err.empty());
  CHECK(result.exit_code == 2);
}

TEST_CASE("manifest-dump of a file that is no manifest, or of another version, exits 2",
          "[w2d5][manifest-dump]") {
  DumpFixture fixture;
  fixture.write_manifest();
  const std::string bytes = fixture.bytes();

  fixture.replace("");
  const ToolResult empty = fixture.dump();
  CHECK(empty.out.rfind(fixture.name() + ": 0 bytes, too short for a manifest header\n" +
                            "corrupt at offset 0: ",
                        0) == 0);
  CHECK(empty.exit_code == 2);

  fixture.replace("hello, world\n");
  const ToolResult text = fixture.dump();
  CHECK(text.out.rfind(
            fixture.name() + ": 13 bytes, no manifest magic number\n" + "corrupt at offset 0: ",
            0) == 0);
  CHECK(text.exit_code == 2);

  std::string version_7 = bytes;
  version_7[4] = 7;
  fixture.replace(version_7);
  const ToolResult other = fixture.dump();
  const std::string first_line = fixture.name() + ": 130 bytes, format version 7\n";
  CHECK(other.out.rfind(first_line + "corrupt at offset 4: ", 0) == 0);
  CHECK(other.out.find("version 7", first_line.size()) != std::string::npos);
  CHECK(other.exit_code == 2);
}

TEST_CASE("manifest-dump of a missing file or a directory says why on stderr and exits 3",
          "[w2d5][manifest-dump]") {
  DumpFixture fixture;
  const ToolResult missing = fixture.dump();
  CHECK(missing.out.empty());
  CHECK(missing.err ==
        "manifest-dump: cannot open " + fixture.name() + ": " + std::strerror(ENOENT) + "\n");
  CHECK(missing.exit_code == 3);

  const std::string directory = fixture.manifest().parent_path().string();
  const ToolResult is_directory = fixture.dump({directory});
  CHECK(is_directory.out.empty());
  CHECK(is_directory.err.rfind("manifest-dump: ", 0) == 0);
  CHECK(is_directory.err.find(directory) != std::string::npos);
  CHECK(is_directory.exit_code == 3);

  fixture.check_a_clean_dump();
}

TEST_CASE("manifest-dump without a file, or with two, prints a usage error and exits 3",
          "[w2d5][manifest-dump]") {
  DumpFixture fixture;
  for (const std::vector<std::string>& arguments :
       {std::vector<std::string>{}, std::vector<std::string>{fixture.name(), fixture.name()},
        std::vector<std::string>{"--no-such-flag", fixture.name()}}) {
    INFO(arguments.size() << " arguments");
    const ToolResult result = fixture.dump(arguments);
    CHECK(result.out.empty());
    CHECK(result.err.rfind("manifest-dump: ", 0) == 0);
    CHECK(result.err.find("(try --help)\n") != std::string::npos);
    CHECK(result.exit_code == 3);
  }
  fixture.check_a_clean_dump();
}

TEST_CASE("manifest-dump --help explains the output and the exit statuses, exit 0",
          "[w2d5][manifest-dump]") {
  DumpFixture fixture;
  const ToolResult help = fixture.dump({"--help"});
  CHECK(help.out.find("clean: N records") != std::string::npos);
  CHECK(help.out.find("torn tail at offset X") != std::string::npos);
  CHECK(help.out.find("corrupt at offset X") != std::string::npos);
  CHECK(help.out.find("Exit status: 0 clean, 1 torn tail, 2 corrupt, 3 the file cannot be read") !=
        std::string::npos);
  CHECK(help.exit_code == 0);
  fixture.check_a_clean_dump();
}
