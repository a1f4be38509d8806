// Week 2 day 6: wal-dump, the tool that shows what a write-ahead log holds. The tree's own binary
// runs on real files in a temporary directory: a clean WAL, an empty one, one a crash cut short,
// one with a foreign or damaged header, one with an impossible value length, keys and values
// that need escaping, seeded garbage, and the ways a user can call it wrong.
//
// The files are format version 1 (day 6), written by hand: the engine writes version 2 from
// week 2 day 7 on but still reads version 1, and its dump does not change; what the dump of a
// version-2 file shows is a day-7 test.

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "harness/catch.hpp"
#include "harness/fault_injection_fs.hpp"
#include "harness/run_tool.hpp"
#include "harness/temp_dir.hpp"
#include "harness/wal_files.hpp"
#include "mini_lsm/error.hpp"
#include "mini_lsm/wal.hpp"

using mini_lsm::testing::run_tool;
using mini_lsm::testing::shell_quote;
using mini_lsm::testing::TempDir;
using mini_lsm::testing::ToolResult;
using mini_lsm::testing::wal_v1;

namespace {

// The worked example: put key = value, del key, put "" = v in WAL 7. Records start at 16, 30 and
// 39; the file is 46 bytes.
const char* const kRecordLines =
    "at 16 (key 3 bytes, value 5 bytes): put \"key\" = \"value\"\n"
    "at 30 (key 3 bytes, value 0 bytes): del \"key\"\n"
    "at 39 (key 0 bytes, value 1 byte): put \"\" = \"v\"\n";

std::string header(std::uint32_t version, std::uint64_t id) {
  std::string out = "MWAL";
  for (int i = 0; i < 4; ++i) {
    out += static_cast<char>((version >> (8 * i)) & 0xff);
  }
  for (int i = 0; i < 8; ++i) {
    out += static_cast<char>((id >> (8 * i)) & 0xff);
  }
  return out;
}

class DumpFixture {
 public:
  DumpFixture() : wal_(dir_.path() / "7.wal") {}

  const std::filesystem::path& wal() const { return wal_; }
  std::string name() const { return wal_.string(); }
  const std::filesystem::path& dir() const { return dir_.path(); }

  // Writes the worked example: version-1 WAL 7 holding put key = value, del key, put "" = v.
  void write_example() const {
    replace(wal_v1(7).file({{"key", "value"}, {"key", ""}, {"", "v"}}));
  }

  std::string bytes() const {
    std::ifstream input(wal_, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(input), std::istreambuf_iterator<char>());
  }

  void replace(const std::string& bytes) const { write(wal_, bytes); }

  static void write(const std::filesystem::path& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  }

  ToolResult dump(const std::vector<std::string>& arguments) const {
    return run_tool(MINI_LSM_WAL_DUMP, arguments, dir_.path() / "stderr");
  }
  ToolResult dump() const { return dump({name()}); }

  // The good path, for the tests of bad files and calls: they must fail too in a tree without
  // the chapter.
  void check_a_clean_dump() const {
    write_example();
    const ToolResult clean = dump();
    CHECK(clean.out == name() + ": 46 bytes, format version 1, id 7\n" + kRecordLines +
                           "clean: 3 records, 30 bytes\n");
    CHECK(clean.exit_code == 0);
  }

 private:
  TempDir dir_;
  std::filesystem::path wal_;
};

}  // namespace

TEST_CASE("wal-dump of a clean WAL prints every record and exits 0", "[w2d6][wal-dump]") {
  DumpFixture fixture;
  fixture.write_example();
  const ToolResult result = fixture.dump();
  CHECK(result.out == fixture.name() + ": 46 bytes, format version 1, id 7\n" + kRecordLines +
                          "clean: 3 records, 30 bytes\n");
  CHECK(result.err.empty());
  CHECK(result.exit_code == 0);
}

TEST_CASE("wal-dump of a WAL holding only its header says 0 records, exit 0", "[w2d6][wal-dump]") {
  DumpFixture fixture;
  fixture.write_example();
  fixture.replace(fixture.bytes().substr(0, 16));
  const ToolResult result = fixture.dump();
  CHECK(result.out == fixture.name() +
                          ": 16 bytes, format version 1, id 7\n"
                          "clean: 0 records, 0 bytes\n");
  CHECK(result.err.empty());
  CHECK(result.exit_code == 0);

  fixture.replace(fixture.bytes() + std::string(6, '\0'));  // one delete of the empty key
  CHECK(fixture.dump().out == fixture.name() +
                                  ": 22 bytes, format version 1, id 7\n"
                                  "at 16 (key 0 bytes, value 0 bytes): del \"\"\n"
                                  "clean: 1 record, 6 bytes\n");
}

TEST_CASE("wal-dump of a WAL cut inside its last record reports a torn tail, exit 1",
          "[w2d6][wal-dump]") {
  DumpFixture fixture;
  fixture.write_example();
  fixture.replace(fixture.bytes().substr(0, 44));
  const ToolResult result = fixture.dump();
  CHECK(result.out ==
        fixture.name() +
            ": 44 bytes, format version 1, id 7\n"
            "at 16 (key 3 bytes, value 5 bytes): put \"key\" = \"value\"\n"
            "at 30 (key 3 bytes, value 0 bytes): del \"key\"\n"
            "torn tail at offset 39 (5 bytes a crash cut off; open truncates the file "
            "there)\n");
  CHECK(result.err.empty());
  CHECK(result.exit_code == 1);

  fixture.write_example();
  fixture.replace(fixture.bytes() + std::string(1, '\0'));  // a key_len cut in half
  CHECK(fixture.dump().out ==
        fixture.name() + ": 47 bytes, format version 1, id 7\n" + kRecordLines +
            "torn tail at offset 46 (1 byte a crash cut off; open truncates the "
            "file there)\n");
  CHECK(fixture.dump().exit_code == 1);
}

TEST_CASE(
    "wal-dump of a value length over kMaxValueSize prints the records before it, then "
    "where it is, exit 2",
    "[w2d6][wal-dump]") {
  DumpFixture fixture;
  fixture.write_example();
  // key_len 1, key "c", value_len 1048577 and the end of the file: no torn tail, damage.
  fixture.replace(fixture.bytes() + std::string("\x01\x00"
                                                "c"
                                                "\x01\x00\x10\x00",
                                                7));
  const ToolResult result = fixture.dump();
  CHECK(result.out == fixture.name() + ": 53 bytes, format version 1, id 7\n" + kRecordLines +
                          "corrupt at offset 46: a value length of 1048577 bytes, over the limit "
                          "of 1048576\n");
  CHECK(result.err.empty());
  CHECK(result.exit_code == 2);
}

TEST_CASE(
    "wal-dump of a file that is no WAL, of another version, or of another id than its name "
    "says, exits 2",
    "[w2d6][wal-dump]") {
  DumpFixture fixture;
  const struct {
    const char* what;
    std::string bytes;
    std::string expected;
  } cases[] = {
      {"an empty file", "",
       ": 0 bytes, too short for a WAL header\n"
       "corrupt at offset 0: not a WAL (it does not start with the WAL magic number)\n"},
      {"text", "hello, world\n",
       ": 13 bytes, too short for a WAL header\n"
       "corrupt at offset 0: not a WAL (it does not start with the WAL magic number)\n"},
      {"another magic number", "MANIFEST........",
       ": 16 bytes, no WAL magic number\n"
       "corrupt at offset 0: not a WAL (it does not start with the WAL magic number)\n"},
      // Version 2 is the checksummed format of week 2 day 7, which the engine reads; 3 it does not.
      {"version 3", header(3, 7),
       ": 16 bytes, format version 3, id 7\n"
       "corrupt at offset 4: a WAL of format version 3, but this engine reads versions 1 and 2\n"},
      {"the WAL of memtable 5 under the name 7.wal", header(1, 5),
       ": 16 bytes, format version 1, id 5\n"
       "corrupt at offset 8: the header says this is the WAL of memtable 5, not of memtable 7 "
       "(a WAL copied under another name?)\n"},
  };
  for (const auto& damaged : cases) {
    INFO(damaged.what);
    fixture.replace(damaged.bytes);
    const ToolResult result = fixture.dump();
    CHECK(result.out == fixture.name() + damaged.expected);
    CHECK(result.err.empty());
    CHECK(result.exit_code == 2);
  }
  // Under a name that is not <id>.wal, any id is fine.
  const std::filesystem::path copy = fixture.dir() / "copy-of-5";
  DumpFixture::write(copy, header(1, 5));
  const ToolResult renamed = fixture.dump({copy.string()});
  CHECK(renamed.out == copy.string() +
                           ": 16 bytes, format version 1, id 5\n"
                           "clean: 0 records, 0 bytes\n");
  CHECK(renamed.exit_code == 0);
  fixture.check_a_clean_dump();
}

TEST_CASE(
    "wal-dump escapes every byte that is not printable ASCII, the quote and the backslash in "
    "hex, and shortens keys and values over 48 bytes",
    "[w2d6][wal-dump]") {
  DumpFixture fixture;
  fixture.replace(wal_v1(7).file({{std::string("a\0b\"\\\xff~ \n", 9), std::string(1, '\x7f')},
                                  {std::string(48, 'k'), std::string(49, 'v')},
                                  {std::string(31, 'x') + "\t" + std::string(100, 'y'), ""}}));
  const ToolResult result = fixture.dump();
  CHECK(
      result.out ==
      fixture.name() + ": 273 bytes, format version 1, id 7\n" +
          "at 16 (key 9 bytes, value 1 byte): put \"a\\x00b\\x22\\x5c\\xff~ \\x0a\" = \"\\x7f\"\n" +
          "at 32 (key 48 bytes, value 49 bytes): put \"" + std::string(48, 'k') + "\" = \"" +
          std::string(32, 'v') + "\"...\n" + "at 135 (key 132 bytes, value 0 bytes): del \"" +
          std::string(31, 'x') + "\\x09\"...\n" + "clean: 3 records, 257 bytes\n");
  CHECK(result.exit_code == 0);
}

TEST_CASE("wal-dump of a missing file or a directory says why on stderr and exits 3",
          "[w2d6][wal-dump]") {
  DumpFixture fixture;
  const ToolResult missing = fixture.dump();
  CHECK(missing.out.empty());
  CHECK(missing.err ==
        "wal-dump: cannot open " + fixture.name() + ": " + std::strerror(ENOENT) + "\n");
  CHECK(missing.exit_code == 3);

  const std::string directory = fixture.dir().string();
  const ToolResult is_directory = fixture.dump({directory});
  CHECK(is_directory.out.empty());
  CHECK(is_directory.err.rfind("wal-dump: ", 0) == 0);
  CHECK(is_directory.err.find(directory) != std::string::npos);
  CHECK(is_directory.exit_code == 3);

  fixture.check_a_clean_dump();
}

TEST_CASE("wal-dump without a file, or with two, prints a usage error and exits 3",
          "[w2d6][wal-dump]") {
  DumpFixture fixture;
  for (const std::vector<std::string>& arguments :
       {std::vector<std::string>{}, std::vector<std::string>{fixture.name(), fixture.name()},
        std::vector<std::string>{"--no-such-flag", fixture.name()}}) {
    INFO(arguments.size() << " arguments");
    const ToolResult result = fixture.dump(arguments);
    CHECK(result.out.empty());
    CHECK(result.err.rfind("wal-dump: ", 0) == 0);
    CHECK(result.err.find("(try --help)\n") != std::string::npos);
    CHECK(result.exit_code == 3);
  }
  fixture.check_a_clean_dump();
}

TEST_CASE("wal-dump --help explains the output and the exit statuses, exit 0", "[w2d6][wal-dump]") {
  DumpFixture fixture;
  const ToolResult help = fixture.dump({"--help"});
  CHECK(help.out.find("clean: N records, B bytes") != std::string::npos);
  CHECK(help.out.find("torn tail at offset X") != std::string::npos);
  CHECK(help.out.find("corrupt at offset X") != std::string::npos);
  CHECK(help.out.find("Exit status: 0 clean, 1 torn tail, 2 corrupt, 3 the file cannot be read") !=
        std::string::npos);
  CHECK(help.exit_code == 0);
  fixture.check_a_clean_dump();
}

// ---- Garbage ----------------------------------------------------------------------------------

namespace {

// What read_wal() says of `bytes` (no expected id), as the exit status wal-dump must give: 0
// clean, 1 torn tail, 2 corrupt; and the number of records it reads before that.
struct Verdict {
  int exit_code = -1;
  std::size_t records = 0;
};

Verdict verdict_of(const std::string& bytes) {
  mini_lsm::testing::FaultInjectionFs fs;
  fs.write_file("/garbage", bytes);
  Verdict verdict;
  try {
    const mini_lsm::WalReadResult result = mini_lsm::read_wal(
        "/garbage", fs, std::nullopt, [&](const mini_lsm::WalRecordView&) { ++verdict.records; });
    verdict.exit_code = result.torn_tail_offset ? 1 : 0;
  } catch (const mini_lsm::Corruption&) {
    verdict.exit_code = 2;
  }
  return verdict;
}

// A seeded file: random bytes, a WAL header and random bytes, or a WAL of a few records with
// bytes changed or cut off.
std::string garbage(std::uint64_t seed) {
  std::mt19937_64 random(seed);
  const auto random_bytes = [&](std::size_t size) {
    std::string bytes(size, '\0');
    for (char& c : bytes) {
      c = static_cast<char>(random() & 0xff);
    }
    return bytes;
  };
  switch (seed % 3) {
    case 0:
      return random_bytes(random() % 64);
    case 1:
      return header(1, random()) + random_bytes(random() % 200);
    default: {
      std::string bytes = header(1, 7);
      for (std::uint64_t i = random() % 5; i > 0; --i) {
        const std::string key = random_bytes(random() % 8);
        const std::string value = random_bytes(random() % 40);
        bytes += static_cast<char>(key.size());
        bytes += '\0';
        bytes += key;
        bytes += static_cast<char>(value.size());
        bytes += std::string(3, '\0');
        bytes += value;
      }
      for (std::uint64_t flips = 1 + random() % 4; flips > 0; --flips) {
        bytes[random() % bytes.size()] = static_cast<char>(random() & 0xff);
      }
      return bytes.substr(0, bytes.size() - random() % 4);
    }
  }
}

// Runs wal-dump on every file in one shell (a process per file, but one shell for all: each
// dump's own output goes to FILE.out, its exit status to the shell's output, one a line).
std::vector<int> dump_each(const std::vector<std::filesystem::path>& files,
                           const std::filesystem::path& stderr_file) {
  std::string script = "for f in";
  for (const std::filesystem::path& file : files) {
    script += " " + shell_quote(file.string());
  }
  script += "; do " + shell_quote(MINI_LSM_WAL_DUMP) +
            " \"$f\" > \"$f.out\" 2> \"$f.err\"; echo $?; done";
  const ToolResult result = run_tool("sh", {"-c", script}, stderr_file);
  std::vector<int> codes;
  std::size_t start = 0;
  for (std::size_t end; (end = result.out.find('\n', start)) != std::string::npos;
       start = end + 1) {
    codes.push_back(std::stoi(result.out.substr(start, end - start)));
  }
  return codes;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream input(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(input), std::istreambuf_iterator<char>());
}

// wal-dump on the garbage files of seeds [first, first + count): it never crashes, and says what
// read_wal() says (exit status, one line per record read, the last line).
void check_garbage(std::uint64_t first, std::uint64_t count) {
  TempDir dir;
  std::vector<std::filesystem::path> files;
  std::vector<Verdict> verdicts;
  for (std::uint64_t seed = first; seed < first + count; ++seed) {
    const std::string bytes = garbage(seed);
    files.push_back(dir.path() / ("garbage-" + std::to_string(seed)));
    DumpFixture::write(files.back(), bytes);
    verdicts.push_back(verdict_of(bytes));
  }
  const std::vector<int> codes = dump_each(files, dir.path() / "stderr");
  REQUIRE(codes.size() == files.size());
  for (std::size_t i = 0; i < files.size(); ++i) {
    INFO("seed " << first + i);
    CHECK(codes[i] == verdicts[i].exit_code);
    const std::string out = read_file(files[i].string() + ".out");
    std::size_t lines = 0;
    for (std::size_t at = out.find("\nat "); at != std::string::npos;
         at = out.find("\nat ", at + 1)) {
      ++lines;
    }
    CHECK(lines == verdicts[i].records);
    const std::string last_word[] = {"\nclean: ", "\ntorn tail at offset ", "\ncorrupt at offset "};
    if (verdicts[i].exit_code >= 0 && verdicts[i].exit_code <= 2) {
      CHECK(out.find(last_word[verdicts[i].exit_code]) != std::string::npos);
    }
    CHECK(read_file(files[i].string() + ".err").empty());
  }
}

}  // namespace

TEST_CASE(
    "wal-dump on 100 seeded garbage files (seeds 0-99) never crashes and says what "
    "read_wal says",
    "[w2d6][wal-dump][hostile]") {
  check_garbage(0, 100);
}

TEST_CASE(
    "wal-dump on 100 seeded garbage files (seeds 100-199) never crashes and says what "
    "read_wal says",
    "[w2d6][wal-dump][hostile]") {
  check_garbage(100, 100);
}

TEST_CASE(
    "wal-dump on 100 seeded garbage files (seeds 200-299) never crashes and says what "
    "read_wal says",
    "[w2d6][wal-dump][hostile]") {
  check_garbage(200, 100);
}
