// Week 2 day 7: the batch command of mini-lsm-cli. `batch put k1 v1 del k2 ...` parses the whole
// line, then hands every write to one write_batch(): it answers one line, `ok: N writes in one
// batch`, and with a WAL a crash keeps all of the batch or none of it. A line that does not parse
// is an error that writes nothing, and the session goes on.

#include <filesystem>
#include <string>

#include "harness/catch.hpp"
#include "harness/run_cli.hpp"
#include "harness/temp_dir.hpp"

using mini_lsm::testing::CliResult;
using mini_lsm::testing::run_cli;
using mini_lsm::testing::run_cli_with;
using mini_lsm::testing::TempDir;

namespace {

CliResult run_wal_cli(const std::filesystem::path& db, const std::string& flags,
                      const std::string& script) {
  return run_cli_with(flags + " --path '" + db.string() + "'", db.string() + ".script", script);
}

const std::string kUsage = "usage: batch WRITE... where each WRITE is put KEY VALUE or del KEY";

// A WAL (format version 2) is a 16-byte header, then one frame per batch: checksum and length
// (8 bytes), the number of writes (4), and per write key_len (2), key, value_len (4), value.
constexpr int kHeader = 16;
constexpr int frame_bytes(int writes, int key_and_value_bytes) {
  return 8 + 4 + 6 * writes + key_and_value_bytes;
}

}  // namespace

TEST_CASE("cli batch applies its puts and deletes in order and answers one line",
          "[w2d7][batch-cli]") {
  TempDir dir;
  const auto db = dir.path() / "db";
  const auto first = run_cli(db,
                             "put a 1\n"
                             "put gone x\n"
                             "batch put b 2 del gone put a 11 put c 3 del c put c 33\n"
                             "scan\n");
  INFO(first.output);
  CHECK(first.exit_code == 0);
  CHECK(first.output ==
        "ok\n"
        "ok\n"
        "ok: 6 writes in one batch\n"
        "a=11\n"
        "b=2\n"
        "c=33\n"
        "3 keys\n");
  // The session's end flushed the batch like any other write.
  const auto second = run_cli(db, "scan\nbatch del b\nscan\n");
  INFO(second.output);
  CHECK(second.output ==
        "a=11\n"
        "b=2\n"
        "c=33\n"
        "3 keys\n"
        "ok: 1 write in one batch\n"
        "a=11\n"
        "c=33\n"
        "2 keys\n");
}

TEST_CASE("cli batch with a bad line prints an error, writes nothing, and the session goes on",
          "[w2d7][batch-cli]") {
  TempDir dir;
  const auto db = dir.path() / "db";
  const auto result = run_cli(db,
                              "batch\n"
                              "batch put a\n"
                              "batch put a 1 del\n"
                              "batch put a 1 frob b\n"
                              "batch put a 1 put b\n"
                              "scan\n"
                              "batch put a 1 put b 2\n"
                              "scan\n");
  INFO(result.output);
  CHECK(result.exit_code == 1);  // a script with a failed command
  CHECK(result.output == "error: " + kUsage + ", at least one\n" +
                             "error: batch: the put at word 1 needs KEY VALUE (" + kUsage + ")\n" +
                             "error: batch: the del at word 4 needs KEY (" + kUsage + ")\n" +
                             "error: batch: word 4 is 'frob', not put or del (" + kUsage + ")\n" +
                             "error: batch: the put at word 4 needs KEY VALUE (" + kUsage + ")\n" +
                             "0 keys\n"
                             "ok: 2 writes in one batch\n"
                             "a=1\n"
                             "b=2\n"
                             "2 keys\n");
}

TEST_CASE("cli batch with a key over the limit is refused whole by the engine",
          "[w2d7][batch-cli]") {
  TempDir dir;
  const auto db = dir.path() / "db";
  const std::string long_key(65536, 'k');
  const auto result = run_cli(db, "batch put a 1 put " + long_key +
                                      " 2 put b 3\n"
                                      "scan\n"
                                      "batch put a 1 put " +
                                      std::string(65535, 'k') + " 2\n" + "get a\n");
  INFO(result.output.substr(0, 2000));
  CHECK(result.exit_code == 1);
  CHECK(result.output ==
        "error: key of 65536 bytes is over the limit of 65535 bytes\n"
        "0 keys\n"
        "ok: 2 writes in one batch\n"
        "a=1\n");
}

TEST_CASE(
    "cli batch with --wal-sync always is one WAL record: after a crash the next open replays all "
    "of it",
    "[w2d7][batch-cli]") {
  TempDir dir;
  const auto db = dir.path() / "db";
  const auto first = run_wal_cli(db, "--enable-wal --wal-sync always",
                                 "put gone x\nbatch put a 1 del gone put b 22\ncrash\n");
  INFO(first.output);
  REQUIRE(first.exit_code == 0);
  CHECK(first.output == "ok\nok: 3 writes in one batch\ncrashing: exit without close()\n");

  const auto second = run_wal_cli(db, "--enable-wal", "scan\n");
  INFO(second.output);
  CHECK(second.exit_code == 0);
  // Two frames: the put of "gone" (a batch of one), then the batch of three.
  const int bytes = kHeader + frame_bytes(1, 5) + frame_bytes(3, 2 + 4 + 3);
  CHECK(second.output == "recovered: replayed 0.wal: 4 records, " + std::to_string(bytes) +
                             " bytes\n"
                             "a=1\n"
                             "b=22\n"
                             "2 keys\n");
}

TEST_CASE("cli help and --help list the batch command, which works", "[w2d7][batch-cli]") {
  TempDir dir;
  const auto help = run_cli(dir.path() / "db", "help\nbatch put a 1\nget a\n");
  INFO(help.output);
  CHECK(help.output.find(
            "| batch WRITE... (each WRITE is put KEY VALUE or del KEY; all or none) |") !=
        std::string::npos);
  CHECK(help.output.ends_with("\nok: 1 write in one batch\na=1\n"));
  const auto flags = run_wal_cli(dir.path() / "db", "--help", "");
  CHECK(flags.exit_code == 0);
  CHECK(flags.output.find("batch WRITE...") != std::string::npos);
}
