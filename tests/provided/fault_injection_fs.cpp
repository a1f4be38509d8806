// The fault-injecting file system of the test harness: what a crash keeps, and how it fails
// operations. Provided with the course (no engine involved), so these pass in every tree.

#include "harness/fault_injection_fs.hpp"

#include <cerrno>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "harness/catch.hpp"
#include "mini_lsm/error.hpp"

using mini_lsm::IoError;
using mini_lsm::testing::CrashMode;
using mini_lsm::testing::FaultInjectionFs;
using mini_lsm::testing::FsOp;

namespace {

using Names = std::vector<std::string>;

// A file in /db with `synced` bytes appended and synced, then `unsynced` more appended.
void write(FaultInjectionFs& fs, const std::string& path, const std::string& synced,
           const std::string& unsynced) {
  auto file = fs.create(path);
  file->append(synced);
  file->sync();
  file->append(unsynced);
}

FaultInjectionFs& fresh(std::unique_ptr<FaultInjectionFs>& fs) {
  fs = std::make_unique<FaultInjectionFs>();
  fs->create_directories("/db");
  return *fs;
}

// Runs `operation` expecting an IoError, and returns its errno.
template <typename Operation>
int error_of(Operation&& operation) {
  try {
    operation();
  } catch (const IoError& error) {
    return error.error_number();
  }
  return 0;
}

}  // namespace

TEST_CASE("a crash keeps synced bytes and drops, prefixes or zeroes the rest",
          "[provided][fault-fs]") {
  std::unique_ptr<FaultInjectionFs> holder;
  FaultInjectionFs& fs = fresh(holder);
  write(fs, "/db/a", "synced", "-unsynced");
  fs.sync_directory("/db");
  CHECK(fs.contents("/db/a") == "synced-unsynced");
  CHECK(fs.durable_contents("/db/a") == "synced");

  SECTION("drop") {
    fs.crash(CrashMode::kDropUnsynced);
    CHECK(fs.contents("/db/a") == "synced");
  }
  SECTION("zero-fill keeps the length") {
    fs.crash(CrashMode::kZeroFillUnsynced);
    CHECK(fs.contents("/db/a") == std::string("synced") + std::string(9, '\0'));
  }
  SECTION("a random prefix") {
    fs.crash(CrashMode::kKeepRandomPrefix, 7);
    const std::string kept = fs.contents("/db/a");
    REQUIRE(kept.size() >= 6);
    REQUIRE(kept.size() <= 15);
    CHECK(kept == std::string("synced-unsynced").substr(0, kept.size()));
  }
  // What survives is durable: a second crash changes nothing.
  const std::string after = fs.contents("/db/a");
  CHECK(fs.durable_contents("/db/a") == after);
  fs.crash(CrashMode::kDropUnsynced);
  CHECK(fs.contents("/db/a") == after);
}

TEST_CASE("the random prefix depends on the seed only", "[provided][fault-fs]") {
  const auto kept_lengths = [](std::uint64_t seed) {
    FaultInjectionFs fs;
    fs.create_directories("/db");
    for (int i = 0; i < 4; ++i) {
      write(fs, "/db/f" + std::to_string(i), "s", std::string(1000, 'u'));
    }
    fs.sync_directory("/db");
    fs.crash(CrashMode::kKeepRandomPrefix, seed);
    std::vector<std::size_t> lengths;
    for (int i = 0; i < 4; ++i) {
      lengths.push_back(fs.contents("/db/f" + std::to_string(i)).size());
    }
    return lengths;
  };
  const std::vector<std::size_t> first = kept_lengths(42);
  CHECK(kept_lengths(42) == first);
  CHECK(kept_lengths(43) != first);
  bool some_partial = false;
  for (const std::size_t length : first) {
    CHECK(length >= 1);
    CHECK(length <= 1001);
    some_partial = some_partial || (length > 1 && length < 1001);
  }
  CHECK(some_partial);  // not all-or-nothing
}

TEST_CASE("creates, renames and removes are undone by a crash unless the directory was synced",
          "[provided][fault-fs]") {
  std::unique_ptr<FaultInjectionFs> holder;
  FaultInjectionFs& fs = fresh(holder);
  write(fs, "/db/old", "old data", "");
  fs.sync_directory("/db");
  write(fs, "/db/new.tmp", "new data", "");
  fs.rename("/db/new.tmp", "/db/new");
  fs.remove("/db/old");
  CHECK(fs.files("/db") == Names{"new"});
  CHECK(fs.durable_files("/db") == Names{"old"});

  SECTION("without sync_dir") {
    fs.crash(CrashMode::kDropUnsynced);
    CHECK(fs.files("/db") == Names{"old"});
    CHECK(fs.contents("/db/old") == "old data");  // the removed file is back, with its bytes
  }
  SECTION("with sync_dir") {
    fs.sync_directory("/db");
    fs.crash(CrashMode::kDropUnsynced);
    CHECK(fs.files("/db") == Names{"new"});
    CHECK(fs.contents("/db/new") == "new data");  // the rename moved the synced bytes
  }
  SECTION("the rename alone synced, not the data") {
    auto file = fs.create("/db/late.tmp");
    file->append("never synced");
    fs.rename("/db/late.tmp", "/db/late");
    fs.sync_directory("/db");
    file.reset();
    fs.crash(CrashMode::kDropUnsynced);
    CHECK(fs.files("/db") == Names{"late", "new"});
    CHECK(fs.contents("/db/late").empty());
  }
}

TEST_CASE("failing the nth operation of each kind", "[provided][fault-fs]") {
  std::unique_ptr<FaultInjectionFs> holder;
  FaultInjectionFs& fs = fresh(holder);
  write(fs, "/db/a", "abc", "");

  SECTION("create") {
    fs.fail(FsOp::kCreate, 2);
    CHECK_NOTHROW(fs.create("/db/b"));
    CHECK(error_of([&] { fs.create("/db/c"); }) == EIO);
    CHECK_NOTHROW(fs.create("/db/d"));
    CHECK(fs.files("/db") == Names{"a", "b", "d"});  // the failed create left nothing
  }
  SECTION("append, sync, and others on their own counters") {
    auto file = fs.open_for_append("/db/a");
    fs.fail(FsOp::kSync, 1, EIO);
    fs.fail(FsOp::kAppend, 1, ENOSPC);
    CHECK(error_of([&] { file->append("d"); }) == ENOSPC);
    CHECK(fs.contents("/db/a") == "abc");
    CHECK_NOTHROW(file->append("d"));
    CHECK(error_of([&] { file->sync(); }) == EIO);
    CHECK(fs.durable_contents("/db/a") == "abc");
    CHECK_NOTHROW(file->sync());
    CHECK(fs.durable_contents("/db/a") == "abcd");
  }
  SECTION("rename, remove, truncate, sync_dir, list, open_for_read, lock") {
    fs.fail(FsOp::kRename, 1);
    fs.fail(FsOp::kRemove, 1);
    fs.fail(FsOp::kTruncate, 1);
    fs.fail(FsOp::kSyncDirectory, 1);
    fs.fail(FsOp::kList, 1);
    fs.fail(FsOp::kOpenForRead, 1);
    fs.fail(FsOp::kLock, 1);
    CHECK(error_of([&] { fs.rename("/db/a", "/db/b"); }) == EIO);
    CHECK(error_of([&] { fs.remove("/db/a"); }) == EIO);
    CHECK(error_of([&] { fs.truncate("/db/a", 1); }) == EIO);
    CHECK(error_of([&] { fs.sync_directory("/db"); }) == EIO);
    CHECK(error_of([&] { fs.list("/db"); }) == EIO);
    CHECK(error_of([&] { fs.open_for_read("/db/a"); }) == EIO);
    CHECK(error_of([&] { fs.lock("/db/LOCK"); }) == EIO);
    // Nothing happened, and each fault fired once.
    CHECK(fs.files("/db") == Names{"a"});
    CHECK(fs.contents("/db/a") == "abc");
    CHECK(fs.durable_files("/db").empty());
    CHECK_NOTHROW(fs.rename("/db/a", "/db/b"));
    CHECK(fs.list("/db") == Names{"b"});
    CHECK(fs.open_for_read("/db/b")->read(1, 10) == "bc");
  }
  SECTION("the error names the path") {
    fs.fail(FsOp::kRemove, 1);
    try {
      fs.remove("/db/a");
      FAIL("the remove should have failed");
    } catch (const IoError& error) {
      CHECK(error.path() == "/db/a");
      CHECK(error.error_number() == EIO);
    }
  }
}

TEST_CASE("a torn append writes part of the data, then fails with ENOSPC", "[provided][fault-fs]") {
  std::unique_ptr<FaultInjectionFs> holder;
  FaultInjectionFs& fs = fresh(holder);
  auto file = fs.create("/db/a");
  fs.fail_append_torn(2, 3);
  file->append("first ");
  CHECK(error_of([&] { file->append("second"); }) == ENOSPC);
  CHECK(fs.contents("/db/a") == "first sec");
  CHECK(fs.durable_contents("/db/a").empty());
  file->append("!");  // the next append works again
  CHECK(fs.contents("/db/a") == "first sec!");
}

TEST_CASE("after the crash point the machine refuses every change until crash()",
          "[provided][fault-fs]") {
  std::unique_ptr<FaultInjectionFs> holder;
  FaultInjectionFs& fs = fresh(holder);
  fs.crash_after(3);
  auto file = fs.create("/db/a");  // 1
  file->append("abc");             // 2
  CHECK_FALSE(fs.dead());
  file->sync();  // 3: done, then the machine dies
  CHECK(fs.dead());
  CHECK(error_of([&] { file->append("d"); }) == EIO);
  CHECK(error_of([&] { fs.sync_directory("/db"); }) == EIO);
  CHECK(error_of([&] { fs.create("/db/b"); }) == EIO);
  CHECK(error_of([&] { fs.rename("/db/a", "/db/b"); }) == EIO);
  CHECK(fs.contents("/db/a") == "abc");  // the refused append wrote nothing
  CHECK(fs.list("/db") == Names{"a"});   // reads still answer
  CHECK(fs.exists("/db/a"));
  file.reset();
  fs.crash(CrashMode::kDropUnsynced);
  CHECK_FALSE(fs.dead());
  CHECK(fs.files("/db").empty());  // the create was never made durable by a sync_dir
  CHECK_NOTHROW(fs.create("/db/b"));
}

TEST_CASE("a handle kept across a crash cannot be used", "[provided][fault-fs]") {
  std::unique_ptr<FaultInjectionFs> holder;
  FaultInjectionFs& fs = fresh(holder);
  auto file = fs.create("/db/a");
  fs.crash(CrashMode::kDropUnsynced);
  CHECK_THROWS_AS(file->append("x"), std::logic_error);
}

TEST_CASE("a second lock of a held path fails naming it; a release or a crash frees it",
          "[provided][fault-fs]") {
  std::unique_ptr<FaultInjectionFs> holder;
  FaultInjectionFs& fs = fresh(holder);
  auto held = fs.lock("/db/LOCK");
  CHECK(fs.files("/db") == Names{"LOCK"});
  try {
    fs.lock("/db/LOCK");
    FAIL("the second lock should have failed");
  } catch (const IoError& error) {
    CHECK(error.path() == "/db/LOCK");
    CHECK(std::string(error.what()).find("/db/LOCK") != std::string::npos);
  }
  CHECK_NOTHROW(fs.lock("/db/OTHER"));
  held.reset();
  auto again = fs.lock("/db/LOCK");
  fs.crash(CrashMode::kDropUnsynced);
  const auto after_crash = fs.lock("/db/LOCK");
  again.reset();  // an old holder's release does not free the new holder's lock
  CHECK_THROWS_AS(fs.lock("/db/LOCK"), IoError);
}

TEST_CASE("the log has one line per operation", "[provided][fault-fs]") {
  FaultInjectionFs fs;
  fs.create_directories("/db");
  {
    auto lock = fs.lock("/db/LOCK");
    auto file = fs.create("/db/3.sst.tmp");
    file->append("0123456789");
    file->sync();
    fs.rename("/db/3.sst.tmp", "/db/3.sst");
    fs.sync_directory("/db");
    auto reader = fs.open_for_read("/db/3.sst");
    CHECK(reader->size() == 10);
    CHECK(reader->read(8, 4) == "89");
    fs.fail(FsOp::kRemove, 1);
    CHECK_THROWS_AS(fs.remove("/db/3.sst"), IoError);
    CHECK(fs.list("/db") == Names{"3.sst", "LOCK"});
  }
  fs.crash(CrashMode::kZeroFillUnsynced);
  CHECK(fs.log() == Names{
                        "create_directories /db",
                        "lock /db/LOCK",
                        "create /db/3.sst.tmp",
                        "append /db/3.sst.tmp 10",
                        "sync /db/3.sst.tmp",
                        "rename /db/3.sst.tmp /db/3.sst",
                        "sync_dir /db",
                        "open_for_read /db/3.sst",
                        "size /db/3.sst",
                        "read /db/3.sst 8 4",
                        "remove /db/3.sst (failed: Input/output error)",
                        "list /db",
                        "crash zero-fill unsynced",
                    });
  CHECK(fs.count(FsOp::kSync) == 1);
  CHECK(fs.count(FsOp::kRemove) == 1);
  CHECK(fs.log_size() == 13);
  fs.clear_log();
  CHECK(fs.log().empty());
}

TEST_CASE("planted files are durable, and a flipped byte is damage on the medium",
          "[provided][fault-fs]") {
  FaultInjectionFs fs;
  fs.write_file("/db/7.sst", "abc");
  CHECK(fs.durable_files("/db") == Names{"7.sst"});
  fs.flip_byte("/db/7.sst", 1, 0x01);
  CHECK(fs.contents("/db/7.sst") == "acc");
  fs.crash(CrashMode::kDropUnsynced);
  CHECK(fs.contents("/db/7.sst") == "acc");
  CHECK(fs.log() == Names{"crash drop unsynced"});  // the helpers are not logged
  CHECK_THROWS_AS(fs.contents("/db/8.sst"), IoError);
}
