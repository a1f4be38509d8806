// Week 2 day 6: group commit. With WalSyncMode::kAlways a put returns only once its record is
// fsynced, and writers that arrive while an fsync runs share the next one: the writer at the
// front of the queue leads, appends the records of the writers behind it, fsyncs once, puts them
// into the memtable in the same order, and wakes them with the outcome.
//
// The tests are deterministic: a hook of the FaultInjectionFs parks a leader inside its fsync
// while the other writers queue up, and the test lets it go only once each of them sleeps in
// put(). On Linux the kernel tells whether a thread sleeps (/proc/self/task/<tid>/stat); while
// the leader is parked, the only place a writer of these tests can sleep is its turn in the
// writer queue.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "harness/catch.hpp"
#include "harness/fault_injection_fs.hpp"
#include "harness/wal_files.hpp"
#include "harness/wal_fsync_gate.hpp"
#include "mini_lsm/error.hpp"
#include "mini_lsm/lsm_storage.hpp"
#include "mini_lsm/sync_point.hpp"
#include "mini_lsm/wal.hpp"

using mini_lsm::Bound;
using mini_lsm::IoError;
using mini_lsm::LsmOptions;
using mini_lsm::LsmStorage;
using mini_lsm::WalStats;
using mini_lsm::WalSyncMode;
using mini_lsm::testing::CrashMode;
using mini_lsm::testing::FaultInjectionFs;
using mini_lsm::testing::FsOp;
using mini_lsm::testing::SyncEvent;
using mini_lsm::testing::SyncStage;
using mini_lsm::testing::WalFormat;
using mini_lsm::testing::written_wal_format;
using FsyncGate = mini_lsm::testing::WalFsyncGate;
using mini_lsm::testing::this_thread_id;
using mini_lsm::testing::thread_state;

namespace {

const char* const kDb = "/db";
using Contents = std::map<std::string, std::string>;

// Every put is fsynced before it returns; nothing freezes (one WAL), nothing flushes.
std::unique_ptr<LsmStorage> open_always(const std::shared_ptr<FaultInjectionFs>& fs) {
  LsmOptions options;
  options.enable_wal = true;
  options.wal_sync = WalSyncMode::kAlways;
  options.file_system = fs;
  options.num_memtable_limit = 1000;
  options.bloom_bits_per_key = 0;
  return LsmStorage::open(kDb, options);
}

std::string current_wal(const LsmStorage& engine) {
  return engine.wal_path(engine.state()->memtable->id()).generic_string();
}

Contents scan_all(const LsmStorage& engine) {
  Contents contents;
  for (auto scan = engine.scan(Bound::unbounded(), Bound::unbounded()); scan.is_valid();
       scan.next()) {
    contents.emplace(std::string(scan.key()), std::string(scan.value()));
  }
  return contents;
}

// A thread that makes one put and notes how it went: whether its record was durable when put()
// returned, and how many WAL syncs had completed by then.
class Writer {
 public:
  Writer(LsmStorage& engine, const FsyncGate& gate, const std::shared_ptr<FaultInjectionFs>& fs,
         std::string wal, std::string key, std::string value)
      : key_(std::move(key)),
        value_(std::move(value)),
        // The exact bytes of its record, in the version the WAL declares (read here, on the
        // test's thread, where a failed REQUIRE may stop the test).
        record_(written_wal_format(*fs, wal).record(key_, value_)),
        thread_([this, &engine, &gate, fs, wal = std::move(wal)] { run(engine, gate, *fs, wal); }) {
  }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
  ~Writer() { join(); }

  /// True while the thread sleeps inside put(), or once it has finished.
  bool waiting() const {
    if (finished_.load()) {
      return true;
    }
    return entered_.load() && thread_state(tid_.load()) == 'S';
  }

  void join() {
    if (thread_.joinable()) {
      thread_.join();
    }
  }

  // Read after join().
  const std::string& key() const { return key_; }
  const std::string& value() const { return value_; }
  std::exception_ptr error() const { return error_; }
  bool durable_on_return() const { return durable_on_return_; }
  std::size_t syncs_completed_on_return() const { return syncs_completed_on_return_; }
  // Where the record ends in the WAL (0 if it is not there).
  std::size_t record_end() const { return record_end_; }

 private:
  void run(LsmStorage& engine, const FsyncGate& gate, const FaultInjectionFs& fs,
           const std::string& wal) {
    tid_ = this_thread_id();
    entered_ = true;  // from here on, this thread asleep is a thread asleep inside put()
    try {
      engine.put(key_, value_);
      syncs_completed_on_return_ = gate.completed();
      durable_on_return_ = fs.durable_contents(wal).find(record_) != std::string::npos;
      const std::size_t at = fs.contents(wal).find(record_);
      record_end_ = at == std::string::npos ? 0 : at + record_.size();
    } catch (...) {
      error_ = std::current_exception();
    }
    finished_ = true;
  }

  std::string key_;
  std::string value_;
  std::string record_;
  std::atomic<pid_t> tid_{0};
  std::atomic<bool> entered_{false};
  std::atomic<bool> finished_{false};
  std::exception_ptr error_;
  bool durable_on_return_ = false;
  std::size_t syncs_completed_on_return_ = 0;
  std::size_t record_end_ = 0;
  std::thread thread_;  // last: started once everything it uses exists
};

using Writers = std::vector<std::unique_ptr<Writer>>;

// True once every writer sleeps in put() behind the parked leader (or has finished); false
// after 5 s, when some writer never went to sleep: a writer waiting for its turn must block (a
// condition variable), not spin.
bool wait_until_all_queued(const Writers& writers) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    bool all = true;
    for (const auto& writer : writers) {
      all = all && writer->waiting();
    }
    if (all) {
      return true;
    }
    std::this_thread::yield();
  }
  return false;
}

// Releases the gate when it goes out of scope.
class ReleaseOnExit {
 public:
  explicit ReleaseOnExit(FsyncGate& gate) : gate_(gate) {}
  ReleaseOnExit(const ReleaseOnExit&) = delete;
  ReleaseOnExit& operator=(const ReleaseOnExit&) = delete;
  ~ReleaseOnExit() { gate_.release(); }

 private:
  FsyncGate& gate_;
};

// A follower's write: key and value.
using KeyValue = std::pair<std::string, std::string>;

// `count` writes of distinct keys, `prefix`0 = "value of `prefix`0", ...
std::vector<KeyValue> distinct_writes(const std::string& prefix, std::size_t count) {
  std::vector<KeyValue> writes;
  for (std::size_t i = 0; i < count; ++i) {
    const std::string key = prefix + std::to_string(i);
    writes.emplace_back(key, "value of " + key);
  }
  return writes;
}

// One held round: `leader_key` is put alone, its fsync parked; a writer per write of
// `followers` starts and queues behind it; then the leader goes on. Returns the writers, joined.
// `before_release` runs while everybody waits (to arm a fault, say).
Writers held_round(LsmStorage& engine, FsyncGate& gate, const std::shared_ptr<FaultInjectionFs>& fs,
                   const std::string& leader_key, const std::vector<KeyValue>& followers,
                   const std::function<void()>& before_release = {}) {
  gate.arm();
  std::future<void> leader;
  Writers writers;
  // Declared after the threads, so destroyed before them: a failed REQUIRE opens the gate before
  // it waits for threads that queue behind the parked leader.
  const ReleaseOnExit release_on_exit(gate);
  leader = std::async(std::launch::async, [&] { engine.put(leader_key, "leader"); });
  REQUIRE(gate.wait_until_parked(
      [&] { return leader.wait_for(std::chrono::seconds(0)) == std::future_status::ready; }));
  for (const auto& [key, value] : followers) {
    writers.push_back(std::make_unique<Writer>(engine, gate, fs, current_wal(engine), key, value));
  }
  REQUIRE(wait_until_all_queued(writers));
  if (before_release) {
    before_release();
  }
  gate.release();
  leader.get();  // the leader's own fsync began before any fault was armed: it succeeds
  for (const auto& writer : writers) {
    writer->join();
  }
  return writers;
}

WalStats minus(const WalStats& after, const WalStats& before) {
  WalStats delta;
  delta.fsyncs = after.fsyncs - before.fsyncs;
  delta.commit_groups = after.commit_groups - before.commit_groups;
  delta.commit_group_writes = after.commit_group_writes - before.commit_group_writes;
  return delta;
}

// The keys of the records of the WAL at `path`, in file order.
std::vector<std::string> wal_keys(FaultInjectionFs& fs, const LsmStorage& engine) {
  std::vector<std::string> keys;
  const std::size_t id = engine.state()->memtable->id();
  mini_lsm::read_wal(engine.wal_path(id), fs, id,
                     [&](const mini_lsm::WalRecordView& record) { keys.emplace_back(record.key); });
  return keys;
}

}  // namespace

TEST_CASE(
    "always: writers queued behind a leader's fsync share the next one, and each put is durable "
    "when it returns",
    "[w2d6][group-commit]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  auto engine = open_always(fs);
  FsyncGate gate(fs);
  const WalStats before = engine->wal_stats();
  const std::size_t rounds = 10;
  for (std::size_t round = 0; round < rounds; ++round) {
    INFO("round " << round);
    const std::string leader = "round" + std::to_string(round);
    const Writers writers =
        held_round(*engine, gate, fs, leader, distinct_writes(leader + "-follower", 7));
    const std::string wal = current_wal(*engine);
    CHECK(fs->durable_contents(wal).find(written_wal_format(*fs, wal).record(leader, "leader")) !=
          std::string::npos);
    for (const auto& writer : writers) {
      INFO("writer " << writer->key());
      REQUIRE_FALSE(writer->error());
      CHECK(writer->durable_on_return());
    }
  }
  const WalStats delta = minus(engine->wal_stats(), before);
  // Per round: the leader's own fsync, then one for the seven writers queued behind it.
  CHECK(delta.commit_group_writes == 8 * rounds);
  CHECK(delta.commit_groups == 2 * rounds);
  CHECK(delta.fsyncs == 2 * rounds);
  CHECK(delta.fsyncs < delta.commit_group_writes);
  CHECK(engine->get("round9-follower6") == "value of round9-follower6");
}

TEST_CASE("always: a single writer makes one fsync per put", "[w2d6][group-commit]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  auto engine = open_always(fs);
  FsyncGate gate(fs);
  const std::string wal = current_wal(*engine);
  const WalFormat format = written_wal_format(*fs, wal);
  const WalStats before = engine->wal_stats();
  const std::size_t syncs_before = gate.completed();
  for (int i = 0; i < 40; ++i) {
    const std::string key = "key" + std::to_string(i);
    engine->put(key, "value");
    INFO("put " << i);
    CHECK(gate.completed() == syncs_before + static_cast<std::size_t>(i) + 1);
    CHECK(fs->durable_contents(wal).ends_with(format.record(key, "value")));
  }
  const WalStats delta = minus(engine->wal_stats(), before);
  CHECK(delta.fsyncs == 40);
  CHECK(delta.commit_groups == 40);
  CHECK(delta.commit_group_writes == 40);
}

TEST_CASE(
    "no borrowed durability: a writer queued during the leader's fsync waits for an fsync that "
    "began after its record was written",
    "[w2d6][group-commit]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  auto engine = open_always(fs);
  FsyncGate gate(fs);
  engine->put("warm", "up");
  const std::string wal = current_wal(*engine);
  const std::size_t leader_end =
      fs->contents(wal).size() + written_wal_format(*fs, wal).record_size(4, 6);
  const std::size_t events_before = gate.events().size();
  const std::size_t completed_before = gate.completed();
  const Writers writers = held_round(*engine, gate, fs, "lead", distinct_writes("follower", 7));
  const std::vector<SyncEvent> events = gate.events();
  REQUIRE(events.size() >= events_before + 4);
  // The leader's fsync began with only the leader's record written, and promised no more.
  const SyncEvent& leader_sync = events[events_before];
  CHECK(leader_sync.stage == SyncStage::kBefore);
  CHECK(leader_sync.durable_size == leader_end);
  for (const auto& writer : writers) {
    INFO("writer " << writer->key());
    REQUIRE_FALSE(writer->error());
    CHECK(writer->record_end() > leader_end);  // appended after the leader's fsync began
    CHECK(writer->durable_on_return());
    // So it returned only after a second fsync had completed.
    CHECK(writer->syncs_completed_on_return() >= completed_before + 2);
  }
}

TEST_CASE(
    "a failed group fsync fails every writer of the group, and every later writer gets the "
    "sticky error",
    "[w2d6][group-commit]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  Contents expected;
  {
    auto engine = open_always(fs);
    FsyncGate gate(fs);
    engine->put("before", "1");
    // Eight writers queue behind a leader; the fsync of their group fails.
    const Writers writers = held_round(*engine, gate, fs, "lead", distinct_writes("follower", 8),
                                       [&] { fs->fail(FsOp::kSync, 1); });
    CHECK(engine->get("lead") == "leader");  // its own fsync succeeded
    std::size_t failed = 0;
    for (const auto& writer : writers) {
      INFO("writer " << writer->key());
      REQUIRE(writer->error());
      CHECK_THROWS_AS(std::rethrow_exception(writer->error()), IoError);
      CHECK(engine->get(writer->key()) == std::nullopt);  // the memtable never saw them
      ++failed;
    }
    CHECK(failed == 8);
    REQUIRE(engine->background_error() != nullptr);
    CHECK_THROWS_AS(engine->put("later", "2"), IoError);
    CHECK_THROWS_AS(engine->del("before"), IoError);
  }
  fs->crash(CrashMode::kDropUnsynced);
  auto engine = open_always(fs);
  CHECK(scan_all(*engine) == Contents{{"before", "1"}, {"lead", "leader"}});
}

TEST_CASE(
    "8 writers x 40 puts: the WAL holds the writes in the order they reached the memtable, and "
    "after a power cut the database is exactly what they wrote",
    "[w2d6][group-commit]") {
  const auto fs = std::make_shared<FaultInjectionFs>();
  constexpr int kThreads = 8;
  constexpr int kPuts = 40;
  Contents before_crash;
  {
    auto engine = open_always(fs);
    const std::string wal = current_wal(*engine);
    const WalFormat format = written_wal_format(*fs, wal);
    std::mutex inserted_mutex;
    std::vector<std::string> inserted;  // keys in the order the memtable received them
    mini_lsm::sync_point::Scoped recorder(std::string(mini_lsm::sync_point::kSkipListInsert),
                                          [&](std::string_view key) {
                                            const std::lock_guard lock(inserted_mutex);
                                            inserted.emplace_back(key);
                                          });
    {
      // First a held round: seven writers of one key queue behind a leader, so that one group
      // holds them all, and the value the memtable keeps must be the WAL's last.
      FsyncGate gate(fs);
      std::vector<KeyValue> same_key;
      for (int i = 0; i < 7; ++i) {
        same_key.emplace_back("key0", "held-" + std::to_string(i));
      }
      const Writers writers = held_round(*engine, gate, fs, "key1", same_key);
      std::string last_in_wal;
      mini_lsm::read_wal(wal, *fs, engine->state()->memtable->id(),
                         [&](const mini_lsm::WalRecordView& record) {
                           if (record.key == "key0") {
                             last_in_wal = std::string(record.value);
                           }
                         });
      CHECK(engine->get("key0") == last_in_wal);
      const std::lock_guard lock(inserted_mutex);
      CHECK(wal_keys(*fs, *engine) == inserted);
    }
    const WalStats stats_before = engine->wal_stats();
    std::atomic<int> not_durable{0};
    std::atomic<int> failed{0};
    std::vector<std::thread> threads;
    for (int thread = 0; thread < kThreads; ++thread) {
      threads.emplace_back([&, thread] {
        for (int i = 0; i < kPuts; ++i) {
          // Six keys shared by all threads: the order decides which value wins.
          const std::string key = "key" + std::to_string((thread + i) % 6);
          const std::string value = "t" + std::to_string(thread) + "-" + std::to_string(i);
          try {
            engine->put(key, value);
            if (fs->durable_contents(wal).find(format.record(key, value)) == std::string::npos) {
              ++not_durable;
            }
          } catch (...) {
            ++failed;
          }
        }
      });
    }
    for (std::thread& thread : threads) {
      thread.join();
    }
    REQUIRE(failed.load() == 0);
    CHECK(not_durable.load() == 0);
    const WalStats delta = minus(engine->wal_stats(), stats_before);
    CHECK(delta.commit_group_writes == kThreads * kPuts);
    CHECK(delta.fsyncs == delta.commit_groups);  // one fsync per group, never one per write
    CHECK(delta.fsyncs <= delta.commit_group_writes);
    {
      const std::lock_guard lock(inserted_mutex);
      REQUIRE(inserted.size() == std::size_t{kThreads * kPuts + 8});
      CHECK(wal_keys(*fs, *engine) == inserted);
    }
    // The model: the WAL's records applied in file order.
    Contents model;
    mini_lsm::read_wal(wal, *fs, engine->state()->memtable->id(),
                       [&](const mini_lsm::WalRecordView& record) {
                         model[std::string(record.key)] = std::string(record.value);
                       });
    before_crash = scan_all(*engine);
    CHECK(before_crash == model);
    CHECK(before_crash.size() == 6);
  }
  fs->crash(CrashMode::kDropUnsynced);
  auto engine = open_always(fs);
  CHECK(scan_all(*engine) == before_crash);
}
