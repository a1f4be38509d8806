// Provided code: the lock that keeps a second engine out of a database directory, and the file
// names the engine recognises in it (reference/src/open.cpp, reference/src/file_names.cpp).

#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>

#include "harness/catch.hpp"
#include "harness/run_cli.hpp"
#include "harness/temp_dir.hpp"
#include "mini_lsm/error.hpp"
#include "mini_lsm/file_names.hpp"
#include "mini_lsm/lsm_storage.hpp"
#include "mini_lsm/options.hpp"

using mini_lsm::Corruption;
using mini_lsm::FileKind;
using mini_lsm::IoError;
using mini_lsm::kMaxFileId;
using mini_lsm::LsmOptions;
using mini_lsm::LsmStorage;
using mini_lsm::parse_file_name;
using mini_lsm::testing::run_cli;
using mini_lsm::testing::TempDir;

namespace {

void write_file(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// The message of the Corruption that opening `directory` throws, or "" when it opens.
std::string open_corruption(const std::filesystem::path& directory) {
  try {
    LsmStorage::open(directory, LsmOptions());
  } catch (const Corruption& error) {
    return error.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a second engine on a locked directory throws IoError naming the LOCK file",
          "[provided][lock]") {
  const TempDir dir;
  const auto first = LsmStorage::open(dir.path() / "db", LsmOptions());
  try {
    LsmStorage::open(dir.path() / "db", LsmOptions());
    FAIL("the second open succeeded while the first engine holds the directory");
  } catch (const IoError& error) {
    CHECK(error.path() == (dir.path() / "db" / "LOCK").string());
    CHECK(std::string(error.what()).find("another engine") != std::string::npos);
  }
}

TEST_CASE("the lock is released when the engine is destroyed", "[provided][lock]") {
  const TempDir dir;
  LsmStorage::open(dir.path() / "db", LsmOptions()).reset();
  const auto again = LsmStorage::open(dir.path() / "db", LsmOptions());
  CHECK(again != nullptr);
  CHECK(std::filesystem::exists(dir.path() / "db" / "LOCK"));
}

TEST_CASE("another process cannot open a directory this process holds", "[provided][lock]") {
  const TempDir dir;
  const auto engine = LsmStorage::open(dir.path() / "db", LsmOptions());
  const auto result = run_cli(dir.path() / "db", "get a\n");
  CHECK(result.exit_code != 0);
  CHECK(result.output.find("LOCK") != std::string::npos);
}

TEST_CASE("only canonical <id>.sst names are SSTs", "[provided][file-names]") {
  CHECK(parse_file_name("0.sst").kind == FileKind::kSst);
  CHECK(parse_file_name("0.sst").id == 0);
  CHECK(parse_file_name("12.sst").kind == FileKind::kSst);
  CHECK(parse_file_name("12.sst").id == 12);
  CHECK(parse_file_name(std::to_string(kMaxFileId) + ".sst").id == kMaxFileId);

  CHECK(parse_file_name("007.sst").kind == FileKind::kBadSst);
  CHECK(parse_file_name("00.sst").kind == FileKind::kBadSst);
  CHECK(parse_file_name(std::to_string(kMaxFileId + 1) + ".sst").kind == FileKind::kBadSst);
  CHECK(parse_file_name("18446744073709551615.sst").kind == FileKind::kBadSst);
  CHECK(parse_file_name("99999999999999999999999.sst").kind == FileKind::kBadSst);

  CHECK(parse_file_name("12.sst.tmp").kind == FileKind::kTemporary);
  CHECK(parse_file_name("012.sst.tmp").kind == FileKind::kOther);
  CHECK(parse_file_name("notes.tmp").kind == FileKind::kOther);
  CHECK(parse_file_name(".tmp").kind == FileKind::kOther);
  CHECK(parse_file_name("LOCK").kind == FileKind::kLock);
  CHECK(parse_file_name(".sst").kind == FileKind::kOther);
  CHECK(parse_file_name("+7.sst").kind == FileKind::kOther);
  CHECK(parse_file_name("-7.sst").kind == FileKind::kOther);
  CHECK(parse_file_name("7.SST").kind == FileKind::kOther);
  CHECK(parse_file_name("notes.sst").kind == FileKind::kOther);
  CHECK(parse_file_name("7.sst.bak").kind == FileKind::kOther);
  CHECK(mini_lsm::sst_file_name(42) == "42.sst");
}

TEST_CASE("open refuses SST-like names the engine never writes, naming the file",
          "[provided][file-names]") {
  const TempDir dir;
  // Each would be misread: 007 as 7 (then opened as 7.sst, which does not exist), the largest
  // id as one that makes the next id wrap around to 0, and 07 beside 7 as a second id 7.
  for (const std::string name : {"007.sst", "18446744073709551615.sst", "07.sst"}) {
    const std::filesystem::path db = dir.path() / ("db-" + name);
    std::filesystem::create_directories(db);
    write_file(db / name, "whatever");
    const std::string message = open_corruption(db);
    CHECK(message.find((db / name).string()) != std::string::npos);
    CHECK(message.find("not the name of an SST this engine writes") != std::string::npos);
    CHECK(std::filesystem::exists(db / name));  // refused, never removed
  }
}

TEST_CASE("open leaves files that are not the engine's alone and removes *.tmp leftovers",
          "[provided][file-names]") {
  const TempDir dir;
  const std::filesystem::path db = dir.path() / "db";
  std::filesystem::create_directories(db);
  write_file(db / "notes.sst", "not an SST");
  write_file(db / "README", "hello");
  write_file(db / "notes.tmp", "a user's file");
  write_file(db / "3.sst.tmp", "half an SST that a crash interrupted");
  const auto engine = LsmStorage::open(db, LsmOptions());
  CHECK(engine->state()->l0_sstables.empty());
  CHECK(std::filesystem::exists(db / "notes.sst"));
  CHECK(std::filesystem::exists(db / "notes.tmp"));
  CHECK(std::filesystem::exists(db / "README"));
  CHECK_FALSE(std::filesystem::exists(db / "3.sst.tmp"));
}

TEST_CASE("an open refused for a bad SST name changes nothing in the directory",
          "[provided][file-names]") {
  const TempDir dir;
  const std::filesystem::path db = dir.path() / "db";
  std::filesystem::create_directories(db);
  write_file(db / "007.sst", "whatever");
  write_file(db / "3.sst.tmp", "half an SST that a crash interrupted");
  CHECK_FALSE(open_corruption(db).empty());
  CHECK(std::filesystem::exists(db / "3.sst.tmp"));
}

TEST_CASE("a snapshot of the state hands out memtables and SSTs read-only", "[provided][state]") {
  using mini_lsm::LsmState;
  // Through state() nothing can be written: a test or a reader that could put into the current
  // memtable of a snapshot would bypass the engine's locks and its write-ahead log (week 2).
  STATIC_REQUIRE(std::is_const_v<std::remove_reference_t<decltype(*LsmState().memtable)>>);
  STATIC_REQUIRE(
      std::is_const_v<std::remove_reference_t<decltype(*LsmState().imm_memtables.front())>>);
  STATIC_REQUIRE(
      std::is_const_v<std::remove_reference_t<decltype(*LsmState().sstables.begin()->second)>>);
}
