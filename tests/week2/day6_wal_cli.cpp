// Week 2 day 6: the WAL in mini-lsm-cli: --enable-wal and --wal-sync, the sync command, what a
// crash (the crash command: exit without close()) keeps in each mode, the recovered: lines of the
// next open, and the WAL lines of stats.
//
// A session ends at close, quit or the end of its input, and all three close() the engine: with a
// WAL that syncs and flushes nothing, so the next open replays the WAL. The crash command exits
// without close(), as a kill -9 would.

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <string>

#include "harness/catch.hpp"
#include "harness/run_cli.hpp"
#include "harness/temp_dir.hpp"
#include "harness/wal_files.hpp"

using mini_lsm::testing::CliResult;
using mini_lsm::testing::run_cli_with;
using mini_lsm::testing::TempDir;
using mini_lsm::testing::WalFormat;
using mini_lsm::testing::written_wal_format;

namespace {

// Runs mini-lsm-cli on the database `db` with `flags` and `script`.
CliResult run_wal_cli(const std::filesystem::path& db, const std::string& flags,
                      const std::string& script) {
  return run_cli_with(flags + " --path '" + db.string() + "'", db.string() + ".script", script);
}

// The header takes 16 bytes. A record of key k and value v takes 2 + |k| + 4 + |v| bytes in
// format version 1 (what the engine writes at w2d6), and 12 more in version 2 (from w2d7 on: a
// frame header of 8 and a batch count of 4).
constexpr int kHeader = 16;

// The format of the WAL file `wal` (the version it declares), read from the disk.
WalFormat format_of(const std::filesystem::path& wal) {
  std::ifstream input(wal, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(input)),
                          std::istreambuf_iterator<char>());
  return written_wal_format(bytes);
}

// The bytes of a record of a key of `key` bytes and a value of `value` bytes in `format`.
int record_bytes(const WalFormat& format, std::size_t key, std::size_t value) {
  return static_cast<int>(format.record_size(key, value));
}

}  // namespace

TEST_CASE("cli --enable-wal --wal-sync always keeps every acknowledged write across a crash",
          "[w2d6][wal-cli]") {
  TempDir dir;
  const auto db = dir.path() / "db";
  const auto first =
      run_wal_cli(db, "--enable-wal --wal-sync always", "put a 1\nput b 2\ndel a\ncrash\n");
  INFO(first.output);
  REQUIRE(first.exit_code == 0);
  CHECK(first.output == "ok\nok\nok\ncrashing: exit without close()\n");
  // Nothing was flushed: the writes exist only in the WAL of memtable 0.
  CHECK(std::filesystem::exists(db / "0.wal"));
  CHECK_FALSE(std::filesystem::exists(db / "0.sst"));
  const WalFormat format = format_of(db / "0.wal");

  const auto second = run_wal_cli(db, "--enable-wal", "get a\nget b\n");
  INFO(second.output);
  CHECK(second.exit_code == 0);
  const int bytes = kHeader + 2 * record_bytes(format, 1, 1) + record_bytes(format, 1, 0);
  CHECK(second.output == "recovered: replayed 0.wal: 3 records, " + std::to_string(bytes) +
                             " bytes\n"
                             "a (not found)\n"
                             "b=2\n");
}

TEST_CASE("cli in manual mode keeps what sync made durable and loses the writes after it",
          "[w2d6][wal-cli]") {
  TempDir dir;
  const auto db = dir.path() / "db";
  const auto first =
      run_wal_cli(db, "--enable-wal --wal-sync manual", "put a 1\nsync\nput b 2\ncrash\n");
  INFO(first.output);
  REQUIRE(first.exit_code == 0);
  CHECK(first.output == "ok\nok\nok\ncrashing: exit without close()\n");
  const WalFormat format = format_of(db / "0.wal");

  // The second put waited in the WAL's buffer in memory: the crash took it.
  const auto second = run_wal_cli(db, "--enable-wal", "scan\n");
  INFO(second.output);
  CHECK(second.exit_code == 0);
  CHECK(second.output == "recovered: replayed 0.wal: 1 records, " +
                             std::to_string(kHeader + record_bytes(format, 1, 1)) +
                             " bytes\n"
                             "a=1\n"
                             "1 keys\n");
}

TEST_CASE("cli with a WAL syncs at the end of its input and at quit, so the next open replays it",
          "[w2d6][wal-cli]") {
  TempDir dir;
  const auto db = dir.path() / "db";
  // No quit: the end of the input closes the engine as quit does.
  const auto first = run_wal_cli(db, "--enable-wal", "put a 1\nput b 2\n");
  INFO(first.output);
  REQUIRE(first.exit_code == 0);
  const WalFormat format = format_of(db / "0.wal");
  const auto second = run_wal_cli(db, "--enable-wal", "put c 3\nquit\n");
  INFO(second.output);
  REQUIRE(second.exit_code == 0);
  CHECK(second.output == "recovered: replayed 0.wal: 2 records, " +
                             std::to_string(kHeader + 2 * record_bytes(format, 1, 1)) +
                             " bytes\n"
                             "ok\n"
                             "ok\n");
  // The replayed WAL became an SST at open, so the third open replays only c's WAL.
  const auto third = run_wal_cli(db, "--enable-wal", "scan\n");
  INFO(third.output);
  CHECK(third.exit_code == 0);
  CHECK(std::regex_match(third.output,
                         std::regex("recovered: replayed [0-9]+\\.wal: 1 records, " +
                                    std::to_string(kHeader + record_bytes(format, 1, 1)) +
                                    " bytes\na=1\nb=2\nc=3\n3 keys\n")));
}

TEST_CASE("cli reports a torn WAL tail with its offset, cuts it and keeps the whole records",
          "[w2d6][wal-cli]") {
  //! [torn-tail]
  TempDir dir;
  const auto db = dir.path() / "db";
  const auto first =
      run_wal_cli(db, "--enable-wal --wal-sync always", "put a 1\nput bb 22\ncrash\n");
  REQUIRE(first.exit_code == 0);
  const auto wal = db / "0.wal";
  const WalFormat format = format_of(wal);
  const int whole = kHeader + record_bytes(format, 1, 1);
  REQUIRE(std::filesystem::file_size(wal) ==
          static_cast<std::uintmax_t>(whole + record_bytes(format, 2, 2)));
  // A crash in the middle of the second append: three of its bytes reached the disk.
  std::filesystem::resize_file(wal, static_cast<std::uintmax_t>(whole + 3));

  const auto second = run_wal_cli(db, "--enable-wal", "scan\n");
  INFO(second.output);
  CHECK(second.exit_code == 0);
  CHECK(second.output == "recovered: replayed 0.wal: 1 records, " + std::to_string(whole) +
                             " bytes; it ended in a record cut short at byte " +
                             std::to_string(whole) +
                             " (a crash during an append), which was cut off\n"
                             "a=1\n"
                             "1 keys\n");
  //! [torn-tail]
}

TEST_CASE("cli removes a stale WAL that no live memtable owns and says so", "[w2d6][wal-cli]") {
  TempDir dir;
  const auto db = dir.path() / "db";
  REQUIRE(run_wal_cli(db, "--enable-wal --wal-sync always", "put a 1\ncrash\n").exit_code == 0);
  const auto saved = dir.path() / "0.wal.saved";
  std::filesystem::copy_file(db / "0.wal", saved);
  // This open writes 0.wal's memtable to 0.sst and removes 0.wal.
  REQUIRE(run_wal_cli(db, "--enable-wal", "quit\n").exit_code == 0);
  REQUIRE_FALSE(std::filesystem::exists(db / "0.wal"));
  std::filesystem::copy_file(saved, db / "0.wal");

  const auto third = run_wal_cli(db, "--enable-wal", "get a\n");
  INFO(third.output);
  CHECK(third.exit_code == 0);
  CHECK(third.output ==
        "recovered: removed WALs that no live memtable owns: 0.wal\n"
        "a=1\n");
  CHECK_FALSE(std::filesystem::exists(db / "0.wal"));
}

TEST_CASE("cli sync answers ok with a WAL and says there is nothing to sync without one",
          "[w2d6][wal-cli]") {
  TempDir dir;
  const auto with_wal = run_wal_cli(dir.path() / "a", "--enable-wal", "sync\nput k v\nsync\n");
  INFO(with_wal.output);
  CHECK(with_wal.exit_code == 0);
  CHECK(with_wal.output == "ok\nok\nok\n");

  const auto without = run_wal_cli(dir.path() / "b", "", "sync\n");
  INFO(without.output);
  CHECK(without.exit_code == 0);
  CHECK(without.output ==
        "ok: nothing to sync: without --enable-wal there is no WAL; writes are durable once "
        "flushed, and close or quit flushes them\n");
  CHECK(run_wal_cli(dir.path() / "c", "", "sync now\n").output == "error: usage: sync\n");
}

TEST_CASE("cli stats shows the WAL's bytes, fsyncs, commit groups and the last replay",
          "[w2d6][wal-cli]") {
  TempDir dir;
  const auto db = dir.path() / "db";
  const auto first =
      run_wal_cli(db, "--enable-wal --wal-sync always", "put a 1\nput b 2\ndel a\nstats\ncrash\n");
  INFO(first.output);
  REQUIRE(first.exit_code == 0);
  // The bytes of the three records: 8 + 8 + 7 in version 1, 12 more each in version 2.
  const WalFormat format = format_of(db / "0.wal");
  const int records = 2 * record_bytes(format, 1, 1) + record_bytes(format, 1, 0);
  CHECK(records == (format.version == 1 ? 23 : 23 + 3 * 12));
  const std::string number = "[0-9]+\\.[0-9]";
  // Three writes, one after the other: three groups of one, each fsynced; nothing replayed.
  CHECK(std::regex_search(
      first.output, std::regex("\nblock cache: [^\n]*\n"
                               "WAL: " +
                               std::to_string(records) + " bytes, 3 fsyncs, fsync p50 " + number +
                               " us, p99 " + number +
                               " us\n"
                               "WAL commit groups: 3, 1.00 writes per group\n"
                               "WAL replay at open: 0 WALs, 0 records, 0 bytes, [0-9.]+ s, "
                               "[0-9.]+ MB/s\n"
                               "ok\n")));

  const auto second = run_wal_cli(db, "--enable-wal", "stats\n");
  INFO(second.output);
  CHECK(second.exit_code == 0);
  CHECK(std::regex_search(second.output,
                          std::regex("\nWAL: 0 bytes, 0 fsyncs, fsync p50 0.0 us, p99 0.0 us\n"
                                     "WAL commit groups: 0, 0.00 writes per group\n"
                                     "WAL replay at open: 1 WALs, 3 records, " +
                                     std::to_string(kHeader + records) +
                                     " bytes, "
                                     "[0-9]+\\.[0-9]{6} s, [0-9]+\\.[0-9] MB/s\n"
                                     "ok\n$")));

  const auto without = run_wal_cli(dir.path() / "plain", "", "stats\n");
  CHECK(without.output.find("WAL") == std::string::npos);
}

TEST_CASE("cli refuses WAL flags that would do nothing, with an error that says why",
          "[w2d6][wal-cli]") {
  TempDir dir;
  const auto db = dir.path() / "db";
  const auto no_wal = run_wal_cli(db, "--wal-sync always", "put a 1\n");
  CHECK(no_wal.exit_code == 1);
  CHECK(no_wal.output ==
        "error: --wal-sync needs --enable-wal: without a WAL there is nothing to sync "
        "(try --help)\n");

  const auto interval_without_wal = run_wal_cli(db, "--wal-sync-interval-ms 10", "");
  CHECK(interval_without_wal.exit_code == 1);
  CHECK(interval_without_wal.output ==
        "error: --wal-sync-interval-ms needs --enable-wal and --wal-sync periodic (try --help)\n");

  const auto interval_not_periodic =
      run_wal_cli(db, "--enable-wal --wal-sync always --wal-sync-interval-ms 10", "");
  CHECK(interval_not_periodic.exit_code == 1);
  CHECK(interval_not_periodic.output ==
        "error: --wal-sync-interval-ms is the period of --wal-sync periodic, and the mode is "
        "another (try --help)\n");

  const auto bad_mode = run_wal_cli(db, "--enable-wal --wal-sync sometimes", "");
  CHECK(bad_mode.exit_code == 1);
  CHECK(bad_mode.output.starts_with("error: "));
  CHECK(bad_mode.output.find("sometimes") != std::string::npos);

  const auto zero_interval =
      run_wal_cli(db, "--enable-wal --wal-sync periodic --wal-sync-interval-ms 0", "");
  CHECK(zero_interval.exit_code == 1);
  CHECK(zero_interval.output.starts_with("error: "));
  // Refused before open(): no database was created.
  CHECK_FALSE(std::filesystem::exists(db));

  // And the combinations that make sense are accepted.
  for (const char* flags :
       {"--enable-wal", "--enable-wal --wal-sync manual", "--enable-wal --wal-sync always",
        "--enable-wal --wal-sync periodic --wal-sync-interval-ms 10"}) {
    INFO(flags);
    const auto accepted = run_wal_cli(db, flags, "put a 1\n");
    CHECK(accepted.exit_code == 0);
    CHECK(accepted.output.ends_with("ok\n"));
  }
}

TEST_CASE("cli --wal-sync periodic with an interval writes and the next open finds the writes",
          "[w2d6][wal-cli]") {
  TempDir dir;
  const auto db = dir.path() / "db";
  const auto first = run_wal_cli(db, "--enable-wal --wal-sync periodic --wal-sync-interval-ms 5",
                                 "put a 1\nquit\n");
  INFO(first.output);
  REQUIRE(first.exit_code == 0);
  const auto second = run_wal_cli(db, "--enable-wal", "get a\n");
  INFO(second.output);
  CHECK(second.output.ends_with("\na=1\n"));
}

TEST_CASE("cli help lists sync and crash, --help the WAL flags, and both work with a WAL",
          "[w2d6][wal-cli]") {
  TempDir dir;
  const auto help = run_wal_cli(dir.path() / "db", "", "help\n");
  CHECK(help.output.find("| sync |") != std::string::npos);
  CHECK(help.output.find("| crash") != std::string::npos);
  const auto flags = run_wal_cli(dir.path() / "db", "--help", "");
  CHECK(flags.exit_code == 0);
  for (const char* flag : {"--enable-wal", "--wal-sync", "--wal-sync-interval-ms"}) {
    INFO(flag);
    CHECK(flags.output.find(flag) != std::string::npos);
  }
  const auto used = run_wal_cli(dir.path() / "db", "--enable-wal", "put a 1\nsync\ncrash\n");
  CHECK(used.output == "ok\nok\ncrashing: exit without close()\n");
}
