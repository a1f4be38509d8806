// Week 1 day 6: the flush, dump and stats commands of mini-lsm-cli, and data kept between runs.

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "harness/catch.hpp"
#include "harness/run_cli.hpp"
#include "harness/temp_dir.hpp"
#include "mini_lsm/block_cache.hpp"
#include "mini_lsm/file.hpp"
#include "mini_lsm/options.hpp"
#include "mini_lsm/table.hpp"

using mini_lsm::FileObject;
using mini_lsm::SsTable;
using mini_lsm::testing::run_cli;
using mini_lsm::testing::TempDir;

namespace {

std::set<std::string> sst_files(const std::filesystem::path& directory) {
  std::set<std::string> names;
  for (const auto& file : std::filesystem::directory_iterator(directory)) {
    if (file.path().extension() == ".sst") {
      names.insert(file.path().filename().string());
    }
  }
  return names;
}

// The dump line of SST `id` of the database in `db`, from the file itself:
// "L0 sst ID: BLOCKS blocks, BYTES bytes, FIRST..LAST".
// The size of `file` as a decimal string, or a note that it is missing.
std::string size_of(const std::filesystem::path& file) {
  return std::filesystem::exists(file) ? std::to_string(std::filesystem::file_size(file))
                                       : "(no " + file.filename().string() + ")";
}

std::string sst_line(const std::filesystem::path& db, std::size_t id) {
  const std::filesystem::path path = db / (std::to_string(id) + ".sst");
  if (!std::filesystem::exists(path)) {
    return "(no " + path.filename().string() + " in the database)\n";
  }
  const auto table = SsTable::open(id, nullptr, FileObject::open(path));
  return "L0 sst " + std::to_string(id) + ": " + std::to_string(table->num_blocks()) + " blocks, " +
         std::to_string(table->file_size()) + " bytes, " + table->first_key() + ".." +
         table->last_key() + "\n";
}

// What the block cache charges for block 0 of the SST in `file`, as a decimal string.
std::string block_charge(const std::filesystem::path& file) {
  if (!std::filesystem::exists(file)) {
    return "(no " + file.filename().string() + ")";
  }
  const auto table = SsTable::open(0, nullptr, FileObject::open(file));
  return std::to_string(mini_lsm::BlockCache::charge(*table->read_block(0)));
}

}  // namespace

TEST_CASE("cli flush freezes the current memtable and reports how many memtables it flushed",
          "[w1d6][cli]") {
  TempDir dir;
  const auto db = dir.path() / "db";
  const auto result = run_cli(db,
                              "flush\n"
                              "put b 2\n"
                              "put a 1\n"
                              "del c\n"
                              "flush\n"
                              "flush\n"
                              "get a\n"
                              "get c\n"
                              "scan\n");
  CHECK(result.output ==
        "ok: flushed 0 memtables\n"
        "ok\n"
        "ok\n"
        "ok\n"
        "ok: flushed 1 memtables\n"
        "ok: flushed 0 memtables\n"
        "a=1\n"
        "c (not found)\n"
        "a=1\n"
        "b=2\n"
        "2 keys\n");
  CHECK(result.exit_code == 0);
  CHECK(sst_files(db) == std::set<std::string>{"0.sst"});
}

TEST_CASE("cli dump lists the current memtable, then frozen memtables and L0 SSTs newest first",
          "[w1d6][cli]") {
  TempDir dir;
  const auto db = dir.path() / "db";
  // fill writes "0".."139999" with values "value0".."value139999"; the first memtable freezes
  // once its keys and values reach the 2 MiB target size.
  std::size_t bytes = 0;
  int frozen_last = 0;
  for (; bytes < (std::size_t{2} << 20); ++frozen_last) {
    bytes += 2 * std::to_string(frozen_last).size() + 5;
  }
  --frozen_last;  // the put that reached the target size, and froze the memtable
  REQUIRE(frozen_last == 136433);
  const int frozen_count = frozen_last + 1;
  const int current_count = 139999 - frozen_last;

  const auto result = run_cli(db,
                              "dump\n"
                              "put b 2\n"
                              "put a 1\n"
                              "del c\n"
                              "dump\n"
                              "flush\n"
                              "fill 0 139999\n"
                              "put x 9\n"
                              "dump\n"
                              "flush\n"
                              "dump\n");
  // As bytes, "99999" is the greatest of the keys 0..136433 and "x" comes after every digit.
  const std::string expected_head =
      "memtable 0 (current): empty\n"
      "ok\n"
      "ok\n"
      "ok\n"
      "ok\n"
      "memtable 0 (current): 3 entries, a..c\n"
      "ok\n"
      "ok: flushed 1 memtables\n"
      "140000 keys filled\n"
      "ok\n"
      "memtable 2 (current): " +
      std::to_string(current_count + 1) + " entries, 136434..x\n" +
      "frozen memtable 1: " + std::to_string(frozen_count) + " entries, 0..99999\n" +
      sst_line(db, 0) +
      "ok\n"
      "ok: flushed 2 memtables\n"
      "memtable 3 (current): empty\n" +
      sst_line(db, 2) + sst_line(db, 1) + sst_line(db, 0) + "ok\n";
  CHECK(result.output == expected_head);
  CHECK(result.exit_code == 0);
  CHECK(sst_line(db, 0) == "L0 sst 0: 1 blocks, " + size_of(db / "0.sst") + " bytes, a..c\n");
  CHECK(sst_files(db) == std::set<std::string>{"0.sst", "1.sst", "2.sst"});
}

TEST_CASE("cli stats counts memtables, L0 SSTs and block cache use", "[w1d6][cli]") {
  TempDir dir;
  const auto db = dir.path() / "db";
  const std::string capacity = std::to_string(mini_lsm::LsmOptions{}.block_cache_bytes);
  const auto result = run_cli(db,
                              "stats\n"
                              "put a 1\n"
                              "put bb 22\n"
                              "stats\n"
                              "flush\n"
                              "get a\n"
                              "get bb\n"
                              "get zz\n"  // above the SST's last key: no block is read
                              "stats\n");
  CHECK(result.output ==
        "memtables: 1 current, 0 frozen, 0 bytes\n"
        "L0 SSTs: 0, 0 bytes\n"
        "block cache: 0 blocks, 0 of " +
            capacity +
            " bytes, 0 hits, 0 misses\n"
            "ok\n"
            "ok\n"
            "ok\n"
            "memtables: 1 current, 0 frozen, 6 bytes\n"
            "L0 SSTs: 0, 0 bytes\n"
            "block cache: 0 blocks, 0 of " +
            capacity +
            " bytes, 0 hits, 0 misses\n"
            "ok\n"
            "ok: flushed 1 memtables\n"
            "a=1\n"
            "bb=22\n"
            "zz (not found)\n"
            "memtables: 1 current, 0 frozen, 0 bytes\n"
            "L0 SSTs: 1, " +
            size_of(db / "0.sst") +
            " bytes\n"
            "block cache: 1 blocks, " +
            block_charge(db / "0.sst") + " of " + capacity +
            " bytes, 1 hits, 1 misses\n"  // get a loads the one block, get bb finds it
            "ok\n");
  CHECK(result.exit_code == 0);
}

TEST_CASE("cli keeps the data of a run that ended at end of input, quit or close",
          "[w1d6][cli][persistence]") {
  INFO(
      "week 1 day 6: the client must call LsmStorage::close when the session ends, which "
      "flushes every memtable (task 5 of the chapter)");
  for (const std::string ending : {"", "quit\n", "close\n"}) {
    INFO("the first run ends with: " << (ending.empty() ? std::string("end of input") : ending));
    TempDir dir;
    const auto db = dir.path() / "db";
    const auto first = run_cli(db,
                               "put a 1\n"
                               "put b 2\n"
                               "del a\n"
                               "put c 3\n"
                               "fill 1 3\n" +
                                   ending + "put zz after\n");
    // "ok" for quit or close, or for the put after them at end of input.
    CHECK(first.output == "ok\nok\nok\nok\n3 keys filled\nok\n");
    CHECK(first.exit_code == 0);

    const auto second = run_cli(db,
                                "get a\n"
                                "get b\n"
                                "scan\n"
                                "scan b c\n"
                                "put d 4\n"
                                "del b\n");
    const std::string after_first = ending.empty() ? "zz=after\n" : "";
    CHECK(second.output ==
          "a (not found)\n"
          "b=2\n"
          "1=value1\n"
          "2=value2\n"
          "3=value3\n"
          "b=2\n"
          "c=3\n" +
              after_first + std::string(ending.empty() ? "6" : "5") +
              " keys\n"
              "b=2\n"
              "c=3\n"
              "2 keys\n"
              "ok\n"
              "ok\n");

    const auto third = run_cli(db,
                               "scan\n"
                               "dump\n");
    // Two SSTs, one per earlier session, the newer one first, and an empty current memtable
    // with an id above both. Which ids exactly depends on how many ids the sessions handed out:
    // from week 2 day 5 on, the manifest keeps an id a memtable took from being handed out again.
    std::vector<std::size_t> ids;
    for (const std::string& name : sst_files(db)) {
      ids.push_back(std::stoul(name));
    }
    std::sort(ids.rbegin(), ids.rend());
    REQUIRE(ids.size() == 2);
    const std::size_t dump_at = third.output.find("memtable ");
    REQUIRE(dump_at != std::string::npos);
    const std::size_t current = std::stoul(third.output.substr(dump_at + 9));
    CHECK(current > ids.front());
    CHECK(third.output ==
          "1=value1\n"
          "2=value2\n"
          "3=value3\n"
          "c=3\n"
          "d=4\n" +
              after_first + std::string(ending.empty() ? "6" : "5") +
              " keys\n"
              "memtable " +
              std::to_string(current) + " (current): empty\n" + sst_line(db, ids[0]) +
              sst_line(db, ids[1]) + "ok\n");
    CHECK(third.exit_code == 0);
  }
}
