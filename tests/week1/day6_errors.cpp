// Week 1 day 6: what the write path does when flushing fails or falls behind. A failed close()
// loses nothing and can be retried; a failed background flush sticks (every later write throws
// it until the engine is opened again); writers wait while too many memtables wait for a flush.

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "harness/catch.hpp"
#include "harness/temp_dir.hpp"
#include "mini_lsm/error.hpp"
#include "mini_lsm/file_system.hpp"
#include "mini_lsm/lsm_storage.hpp"
#include "mini_lsm/options.hpp"

using mini_lsm::FileLock;
using mini_lsm::FileSystem;
using mini_lsm::IoError;
using mini_lsm::LsmOptions;
using mini_lsm::LsmStorage;
using mini_lsm::RandomAccessFile;
using mini_lsm::WritableFile;
using mini_lsm::testing::TempDir;
using std::filesystem::path;

namespace {

// The real file system, except that creating an SST can be made to fail or to wait. The engine
// creates every SST as `<id>.sst.tmp` before renaming it.
class ControlledFs final : public FileSystem {
 public:
  // While set, creating an SST throws IoError(EIO).
  std::atomic<bool> fail_sst_creates{false};

  // While closed, creating an SST waits until open_gate().
  void close_gate() {
    const std::lock_guard lock(mutex_);
    gate_open_ = false;
  }
  void open_gate() {
    {
      const std::lock_guard lock(mutex_);
      gate_open_ = true;
    }
    gate_changed_.notify_all();
  }

  std::unique_ptr<WritableFile> create(const path& file) override {
    if (file.extension() == ".tmp") {
      std::unique_lock lock(mutex_);
      gate_changed_.wait(lock, [this] { return gate_open_; });
      if (fail_sst_creates) {
        throw IoError(file.string(), EIO, "cannot create (injected)");
      }
    }
    return real_->create(file);
  }
  std::unique_ptr<WritableFile> open_for_append(const path& file) override {
    return real_->open_for_append(file);
  }
  std::unique_ptr<RandomAccessFile> open_for_read(const path& file) override {
    return real_->open_for_read(file);
  }
  void rename(const path& from, const path& to) override { real_->rename(from, to); }
  void remove(const path& file) override { real_->remove(file); }
  void truncate(const path& file, std::uint64_t size) override { real_->truncate(file, size); }
  std::vector<std::string> list(const path& directory) override { return real_->list(directory); }
  bool exists(const path& file) override { return real_->exists(file); }
  void create_directories(const path& directory) override { real_->create_directories(directory); }
  void sync_directory(const path& directory) override { real_->sync_directory(directory); }
  std::unique_ptr<FileLock> lock(const path& file) override { return real_->lock(file); }

 private:
  std::shared_ptr<FileSystem> real_ = mini_lsm::posix_file_system();
  std::mutex mutex_;
  std::condition_variable gate_changed_;
  bool gate_open_ = true;
};

// Tiny memtables, so that every put of a 100-byte value freezes one; no Bloom filters (day 7).
LsmOptions tiny_memtables(std::shared_ptr<ControlledFs> fs = nullptr) {
  LsmOptions options;
  options.target_sst_size = 64;
  options.bloom_bits_per_key = 0;
  options.num_memtable_limit = 0;  // the flush thread flushes every frozen memtable
  options.max_flush_backlog = 1;   // writers wait while more than 0 + 1 are frozen
  options.file_system = std::move(fs);
  return options;
}

std::string big_value(int index) {
  return std::string(100, static_cast<char>('a' + index % 26));
}

std::string key_of(int index) {
  return "k" + std::to_string(index);
}

}  // namespace

TEST_CASE("a close() whose flush fails throws, loses nothing, and a second close() saves it all",
          "[w1d6][errors][close]") {
  const TempDir dir;
  const path db = dir.path() / "db";
  auto engine = LsmStorage::open(db, LsmOptions());
  engine->put("a", "1");
  engine->put("b", "2");
  // A directory where the SST of the current memtable must go makes its flush fail.
  const path blocker = engine->sst_path(engine->state()->memtable->id());
  std::filesystem::create_directories(blocker);

  CHECK_THROWS_AS(engine->close(), IoError);
  REQUIRE(engine->state()->imm_memtables.size() >= 1);  // the data is still in the engine
  CHECK(engine->get("a") == "1");
  CHECK_THROWS_AS(engine->put("c", "3"), mini_lsm::InvalidArgument);  // closing refuses writes

  std::filesystem::remove(blocker);
  engine->close();
  CHECK(engine->state()->imm_memtables.empty());
  engine.reset();

  const auto reopened = LsmStorage::open(db, LsmOptions());
  CHECK(reopened->get("a") == "1");
  CHECK(reopened->get("b") == "2");
  CHECK(reopened->get("c") == std::nullopt);
}

TEST_CASE("a failed background flush sticks: every later write throws it until reopen",
          "[w1d6][errors][background]") {
  const TempDir dir;
  const path db = dir.path() / "db";
  auto fs = std::make_shared<ControlledFs>();
  fs->fail_sst_creates = true;
  auto engine = LsmStorage::open(db, tiny_memtables(fs));

  // Each put freezes a memtable; the flush thread fails on the first one. Writers wait while
  // more than 1 memtable is frozen, so a put must meet the error within 3 puts, whatever the
  // timing: either it waits for the flush thread to fail, or the error is already there.
  int accepted = 0;
  std::string first_error;
  for (; accepted < 3; ++accepted) {
    try {
      engine->put(key_of(accepted), big_value(accepted));
    } catch (const IoError& error) {
      first_error = error.what();
      break;
    }
  }
  REQUIRE(accepted < 3);
  CHECK(first_error.find(".sst.tmp") != std::string::npos);
  CHECK(first_error.find("injected") != std::string::npos);
  CHECK(engine->background_error() != nullptr);
  CHECK(engine->state()->imm_memtables.size() <= 2);

  // The same error, for puts and deletes alike, even once the disk works again.
  fs->fail_sst_creates = false;
  for (int attempt = 0; attempt < 3; ++attempt) {
    try {
      engine->put("x", "y");
      FAIL("a put was accepted after a background flush failed");
    } catch (const IoError& error) {
      CHECK(std::string(error.what()) == first_error);
    }
    CHECK_THROWS_AS(engine->del(key_of(0)), IoError);
  }
  for (int index = 0; index < accepted; ++index) {
    CHECK(engine->get(key_of(index)) == big_value(index));  // reads still work
  }

  // close() flushes what was accepted; after a reopen the engine writes again.
  engine->close();
  engine.reset();
  auto reopened = LsmStorage::open(db, tiny_memtables());
  for (int index = 0; index < accepted; ++index) {
    CHECK(reopened->get(key_of(index)) == big_value(index));
  }
  CHECK(reopened->get("x") == std::nullopt);
  reopened->put("x", "y");
  CHECK(reopened->get("x") == "y");
  CHECK(reopened->background_error() == nullptr);
}

TEST_CASE("writers wait while the flush backlog is full and go on once the flush catches up",
          "[w1d6][errors][stall]") {
  const TempDir dir;
  const path db = dir.path() / "db";
  auto fs = std::make_shared<ControlledFs>();
  fs->close_gate();  // the flush thread's first SST waits until the gate opens
  auto engine = LsmStorage::open(db, tiny_memtables(fs));

  constexpr int kPuts = 6;
  std::atomic<int> done{0};
  std::thread writer([&] {
    for (int index = 0; index < kPuts; ++index) {
      engine->put(key_of(index), big_value(index));
      ++done;
    }
  });
  // Put 0 freezes memtable 0, whose flush waits at the gate; put 1 freezes a second one. Put 2
  // finds 2 frozen memtables, more than num_memtable_limit (0) + max_flush_backlog (1): it must
  // wait. Waiting for 2 puts cannot hang in a correct engine, so it is bounded only as a guard.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (done < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  REQUIRE(done == 2);
  // Proving that something does not happen needs a time: 300 ms is ages for a put that does not
  // wait (microseconds), and a correct engine passes however slow the machine is.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(done == 2);
  CHECK(engine->state()->imm_memtables.size() == 2);

  fs->open_gate();
  writer.join();
  CHECK(done == kPuts);
  engine->close();
  engine.reset();
  const auto reopened = LsmStorage::open(db, tiny_memtables());
  for (int index = 0; index < kPuts; ++index) {
    CHECK(reopened->get(key_of(index)) == big_value(index));
  }
}

TEST_CASE("a flush that fails publishes nothing and can be retried", "[w1d6][errors][flush]") {
  const TempDir dir;
  const path db = dir.path() / "db";
  auto fs = std::make_shared<ControlledFs>();
  LsmOptions options;
  options.bloom_bits_per_key = 0;
  options.file_system = fs;
  auto engine = LsmStorage::open(db, options);
  engine->put("a", "1");
  engine->force_freeze_memtable();
  const std::size_t frozen = engine->state()->imm_memtables.front()->id();

  fs->fail_sst_creates = true;
  CHECK_THROWS_AS(engine->force_flush(), IoError);
  CHECK(engine->state()->imm_memtables.size() == 1);
  CHECK(engine->state()->l0_sstables.empty());
  CHECK_FALSE(std::filesystem::exists(engine->sst_path(frozen)));

  fs->fail_sst_creates = false;
  engine->force_flush();
  CHECK(engine->state()->imm_memtables.empty());
  CHECK(engine->state()->l0_sstables == std::vector<std::size_t>{frozen});
  CHECK(engine->get("a") == "1");
}
