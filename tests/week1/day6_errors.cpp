// Week 1 day 6: what the write path does when flushing fails or falls behind. A failed close()
// loses nothing and can be retried; a failed background flush sticks (every later write throws
// it until the engine is opened again); writers wait while too many memtables wait for a flush.

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
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

  // Waits until `count` creates of an SST wait at the closed gate, or `limit` passed; true when
  // they do.
  bool wait_for_creates_at_gate(std::size_t count, std::chrono::milliseconds limit) {
    std::unique_lock lock(mutex_);
    return gate_changed_.wait_for(lock, limit, [&] { return at_gate_ >= count; });
  }

  std::unique_ptr<WritableFile> create(const path& file) override {
    if (file.filename().string().ends_with(".sst.tmp")) {
      std::unique_lock lock(mutex_);
      ++at_gate_;
      gate_changed_.notify_all();
      gate_changed_.wait(lock, [this] { return gate_open_; });
      --at_gate_;
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
  std::size_t at_gate_ = 0;  // creates waiting at the gate now
};

// Opens the gate when the test leaves, even through a failed REQUIRE, so that no engine thread
// waits at it forever. Declared after the futures of a test, so it runs before their destructors,
// which wait for their threads.
class OpenGateAtExit {
 public:
  explicit OpenGateAtExit(ControlledFs& fs) : fs_(fs) {}
  OpenGateAtExit(const OpenGateAtExit&) = delete;
  OpenGateAtExit& operator=(const OpenGateAtExit&) = delete;
  ~OpenGateAtExit() { fs_.open_gate(); }

 private:
  ControlledFs& fs_;
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

// Only the test flushes: the flush thread never finds too many frozen memtables.
LsmOptions only_the_test_flushes(std::shared_ptr<ControlledFs> fs) {
  LsmOptions options;
  options.bloom_bits_per_key = 0;
  options.num_memtable_limit = 1000;
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
  {
    INFO(
        "every put was accepted although the background flush failed: flush_loop must record "
        "its error (set_background_error) and writes must throw it (wait_for_room_to_write)");
    REQUIRE(accepted < 3);
  }
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
  std::future<void> writer;  // declared first: waited for after the gate opens, even on failure
  const OpenGateAtExit open_gate(*fs);
  writer = std::async(std::launch::async, [&] {
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
  // Proving that something does not happen needs a time: 300 ms is ages for a put that does not
  // wait (microseconds), and a correct engine passes however slow the machine is.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  {
    INFO(
        "puts went on while more than num_memtable_limit + max_flush_backlog memtables were "
        "frozen: a writer must wait in wait_for_room_to_write() until the flush catches up");
    REQUIRE(done == 2);
  }
  CHECK(engine->state()->imm_memtables.size() == 2);

  fs->open_gate();
  writer.get();
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

TEST_CASE("a freeze does not wait for a flush that is writing its SST", "[w1d6][errors][flush]") {
  const TempDir dir;
  auto fs = std::make_shared<ControlledFs>();
  auto engine = LsmStorage::open(dir.path() / "db", only_the_test_flushes(fs));
  engine->put("a", "1");
  engine->force_freeze_memtable();
  const std::size_t flushed = engine->state()->imm_memtables.front()->id();

  fs->close_gate();
  std::future<void> flush = std::async(std::launch::async, [&] { engine->force_flush(); });
  std::future<void> freeze;
  const OpenGateAtExit open_gate(*fs);
  REQUIRE(fs->wait_for_creates_at_gate(1, std::chrono::seconds(10)));  // the SST is being written
  engine->put("b", "2");
  freeze = std::async(std::launch::async, [&] { engine->force_freeze_memtable(); });
  // A freeze takes microseconds; the 10 s only keep an engine that writes the SST under
  // state_change_mutex_ (so the freeze waits for the disk) from hanging the test.
  const bool froze_during_the_flush =
      freeze.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
  {
    INFO(
        "force_freeze_memtable waited for a flush writing its SST: force_flush must write it "
        "before it takes state_change_mutex_");
    CHECK(froze_during_the_flush);
  }

  fs->open_gate();
  flush.get();
  freeze.get();
  const auto state = engine->state();
  CHECK(state->l0_sstables == std::vector<std::size_t>{flushed});
  REQUIRE(state->imm_memtables.size() == 1);  // b's memtable, frozen while the flush ran
  CHECK(state->imm_memtables.front()->id() > flushed);
  CHECK(engine->get("a") == "1");
  CHECK(engine->get("b") == "2");
}

TEST_CASE("two flushes at once take turns, and each writes its own memtable",
          "[w1d6][errors][flush]") {
  const TempDir dir;
  auto fs = std::make_shared<ControlledFs>();
  auto engine = LsmStorage::open(dir.path() / "db", only_the_test_flushes(fs));
  engine->put("a", "1");
  engine->force_freeze_memtable();
  engine->put("b", "2");
  engine->force_freeze_memtable();
  const std::size_t older = engine->state()->imm_memtables.back()->id();
  const std::size_t newer = engine->state()->imm_memtables.front()->id();

  fs->close_gate();
  std::future<void> first = std::async(std::launch::async, [&] { engine->force_flush(); });
  std::future<void> second;
  const OpenGateAtExit open_gate(*fs);
  REQUIRE(fs->wait_for_creates_at_gate(1, std::chrono::seconds(10)));  // the first one writes
  second = std::async(std::launch::async, [&] { engine->force_flush(); });
  // Proving a negative: the second flush must not write while the first one does. A flush that
  // does not wait for its turn (flush_serial_mutex_) reaches the gate within microseconds, well
  // inside 300 ms; a correct engine passes however slow the machine is.
  {
    INFO("a second force_flush wrote an SST while the first was still writing");
    CHECK_FALSE(fs->wait_for_creates_at_gate(2, std::chrono::milliseconds(300)));
  }

  fs->open_gate();
  first.get();
  second.get();
  const auto state = engine->state();
  CHECK(state->imm_memtables.empty());
  CHECK(state->l0_sstables == std::vector<std::size_t>{newer, older});
  CHECK(engine->get("a") == "1");
  CHECK(engine->get("b") == "2");
}

TEST_CASE("close() wakes a writer stalled on a full flush backlog and refuses its write",
          "[w1d6][errors][stall]") {
  const TempDir dir;
  const path db = dir.path() / "db";
  auto fs = std::make_shared<ControlledFs>();
  fs->close_gate();  // the flush thread's first SST waits until the gate opens
  auto engine = LsmStorage::open(db, tiny_memtables(fs));
  // Each put freezes its memtable: memtable 0 waits at the gate, memtable 1 waits behind it, and
  // the backlog (more than 0 + 1 frozen) is full, so the next put stalls until close().
  engine->put(key_of(0), big_value(0));
  engine->put(key_of(1), big_value(1));
  REQUIRE(fs->wait_for_creates_at_gate(1, std::chrono::seconds(10)));

  std::future<void> writer =
      std::async(std::launch::async, [&] { engine->put(key_of(2), big_value(2)); });
  // close() waits for the flush thread, which waits at the gate; it must still wake the writer.
  std::future<void> closing = std::async(std::launch::async, [&] { engine->close(); });
  const OpenGateAtExit open_gate(*fs);
  // A refusal takes microseconds; the 10 s only keep a writer that close() does not wake from
  // hanging the test.
  const bool refused_before_the_flush =
      writer.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
  {
    INFO(
        "a writer stalled on the flush backlog slept through close(): wait_for_room_to_write "
        "must wake up when the engine closes");
    CHECK(refused_before_the_flush);
  }

  fs->open_gate();
  closing.get();
  CHECK_THROWS_AS(writer.get(), mini_lsm::InvalidArgument);
  engine.reset();
  const auto reopened = LsmStorage::open(db, tiny_memtables());
  CHECK(reopened->get(key_of(0)) == big_value(0));
  CHECK(reopened->get(key_of(1)) == big_value(1));
  CHECK(reopened->get(key_of(2)) == std::nullopt);
}

TEST_CASE("a writer stalled on a full flush backlog wakes up to the flush thread's error",
          "[w1d6][errors][stall]") {
  const TempDir dir;
  const path db = dir.path() / "db";
  auto fs = std::make_shared<ControlledFs>();
  fs->close_gate();  // the flush thread's first SST waits until the gate opens
  auto engine = LsmStorage::open(db, tiny_memtables(fs));
  engine->put(key_of(0), big_value(0));
  engine->put(key_of(1), big_value(1));  // the backlog is full: the next put stalls
  REQUIRE(fs->wait_for_creates_at_gate(1, std::chrono::seconds(10)));

  std::future<void> writer =
      std::async(std::launch::async, [&] { engine->put(key_of(2), big_value(2)); });
  const OpenGateAtExit open_gate(*fs);
  // The flush thread's SST fails: no flush will ever make room, only the error can end the stall
  // (the writer may meet it stalled or on its way in: either way it must throw it).
  fs->fail_sst_creates = true;
  fs->open_gate();
  // Failing takes microseconds; the 10 s only keep a writer that sleeps through the error from
  // hanging the test (close() below wakes it then).
  const bool woke_to_the_error =
      writer.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
  {
    INFO(
        "a writer stalled on the flush backlog slept through a background error: "
        "wait_for_room_to_write must wake up for it");
    CHECK(woke_to_the_error);
  }

  fs->fail_sst_creates = false;
  engine->close();
  CHECK_THROWS_AS(writer.get(), IoError);
  engine.reset();
  const auto reopened = LsmStorage::open(db, tiny_memtables());
  CHECK(reopened->get(key_of(0)) == big_value(0));
  CHECK(reopened->get(key_of(1)) == big_value(1));
  CHECK(reopened->get(key_of(2)) == std::nullopt);
}
