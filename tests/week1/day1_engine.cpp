// Week 1 day 1: the engine's write and read path over the current and the frozen memtables.

#include <exception>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "harness/catch.hpp"
#include "harness/collect.hpp"
#include "harness/parked_thread.hpp"
#include "harness/temp_dir.hpp"
#include "mini_lsm/error.hpp"
#include "mini_lsm/lsm_storage.hpp"
#include "mini_lsm/sync_point.hpp"

using mini_lsm::InvalidArgument;
using mini_lsm::LsmOptions;
using mini_lsm::LsmStorage;
using mini_lsm::testing::numbered_key;
using mini_lsm::testing::ParkedThread;
using mini_lsm::testing::TempDir;

namespace {

std::unique_ptr<LsmStorage> open_engine(const TempDir& dir, std::size_t target_size = 1 << 20) {
  LsmOptions options;
  options.target_sst_size = target_size;
  // These tests count frozen memtables, so the flush thread of day 6 must leave them alone.
  options.num_memtable_limit = 1000;
  return LsmStorage::open(dir.path() / "db", options);
}

std::vector<std::size_t> frozen_ids(const LsmStorage& engine) {
  std::vector<std::size_t> ids;
  for (const auto& table : engine.state()->imm_memtables) {
    ids.push_back(table->id());
  }
  return ids;
}

}  // namespace

TEST_CASE("engine get returns the value put wrote", "[w1d1][engine]") {
  TempDir dir;
  auto engine = open_engine(dir);
  engine->put("apple", "red");
  engine->put("banana", "yellow");

  CHECK(engine->get("apple") == "red");
  CHECK(engine->get("banana") == "yellow");
  CHECK(engine->get("cherry") == std::nullopt);
}

TEST_CASE("engine overwrite returns the newest value", "[w1d1][engine]") {
  TempDir dir;
  auto engine = open_engine(dir);
  engine->put("k", "1");
  engine->put("k", "2");
  engine->put("k", "3");

  CHECK(engine->get("k") == "3");
}

TEST_CASE("engine delete hides the key until it is written again", "[w1d1][engine]") {
  TempDir dir;
  auto engine = open_engine(dir);
  engine->put("k", "v");
  engine->del("k");
  CHECK(engine->get("k") == std::nullopt);

  engine->del("never-written");  // deleting a missing key is not an error
  CHECK(engine->get("never-written") == std::nullopt);

  engine->put("k", "again");
  CHECK(engine->get("k") == "again");
}

TEST_CASE("engine tombstone in the current memtable hides a value in a frozen one",
          "[w1d1][engine][freeze]") {
  TempDir dir;
  auto engine = open_engine(dir);
  engine->put("k", "old");
  engine->force_freeze_memtable();
  engine->del("k");

  CHECK(engine->state()->imm_memtables.at(0)->get("k") == "old");
  CHECK(engine->get("k") == std::nullopt);
}

TEST_CASE("engine tombstone in a frozen memtable hides an older frozen value",
          "[w1d1][engine][freeze]") {
  TempDir dir;
  auto engine = open_engine(dir);
  engine->put("k", "old");
  engine->force_freeze_memtable();
  engine->del("k");
  engine->force_freeze_memtable();

  CHECK(engine->state()->imm_memtables.size() == 2);
  CHECK(engine->get("k") == std::nullopt);
}

TEST_CASE("engine newest frozen memtable wins over older ones", "[w1d1][engine][freeze]") {
  TempDir dir;
  auto engine = open_engine(dir);
  engine->put("shared", "v0");
  engine->put("only-oldest", "o");
  engine->force_freeze_memtable();
  engine->put("shared", "v1");
  engine->force_freeze_memtable();
  engine->put("shared", "v2");
  engine->force_freeze_memtable();

  CHECK(engine->state()->memtable->is_empty());
  CHECK(engine->get("shared") == "v2");
  CHECK(engine->get("only-oldest") == "o");
}

TEST_CASE("engine force freeze puts the frozen memtable first and starts a new one",
          "[w1d1][engine][freeze]") {
  TempDir dir;
  auto engine = open_engine(dir);
  const std::size_t first_id = engine->state()->memtable->id();
  engine->put("a", "1");
  engine->force_freeze_memtable();
  engine->put("b", "2");
  engine->force_freeze_memtable();

  CHECK(frozen_ids(*engine) == std::vector<std::size_t>{first_id + 1, first_id});
  CHECK(engine->state()->memtable->id() == first_id + 2);
  CHECK(engine->state()->memtable->approximate_size() == 0);
}

TEST_CASE("engine freezes the memtable each time it reaches the target size",
          "[w1d1][engine][freeze]") {
  TempDir dir;
  auto engine = open_engine(dir, 1024);
  const std::string value(92, 'v');  // with an 8-byte key: 100 bytes an entry
  for (int i = 0; i < 100; ++i) {
    engine->put(std::string("key") + std::to_string(10000 + i), value);
  }
  // 11 entries (1100 bytes) reach 1024, so puts 11, 22, ..., 99 each froze a memtable.
  const auto state = engine->state();
  CHECK(state->imm_memtables.size() == 9);
  CHECK(state->memtable->approximate_size() == 100);
  for (const auto& frozen : state->imm_memtables) {
    CHECK(frozen->approximate_size() == 1100);
  }
  CHECK(engine->get("key10000") == value);
  CHECK(engine->get("key10099") == value);
}

TEST_CASE("engine keeps every write of several concurrent writers", "[w1d1][engine][concurrency]") {
  TempDir dir;
  auto engine = open_engine(dir, 4096);  // small, so freezes race with writes
  constexpr int kThreads = 4;
  constexpr int kKeysPerThread = 1000;
  std::vector<std::exception_ptr> failures(kThreads);
  {
    std::vector<std::jthread> writers;
    for (int t = 0; t < kThreads; ++t) {
      writers.emplace_back([&, t] {
        try {
          for (int i = 0; i < kKeysPerThread; ++i) {
            engine->put(numbered_key(t * kKeysPerThread + i), "writer" + std::to_string(t));
          }
        } catch (...) {
          failures[t] = std::current_exception();
        }
      });
    }
  }
  for (const auto& failure : failures) {
    if (failure) {
      std::rethrow_exception(failure);
    }
  }

  CHECK(engine->state()->imm_memtables.size() > 0);
  int visible = 0;
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kKeysPerThread; ++i) {
      visible += engine->get(numbered_key(t * kKeysPerThread + i)) == "writer" + std::to_string(t);
    }
  }
  CHECK(visible == kThreads * kKeysPerThread);
}

TEST_CASE("engine stores keys and values with NUL and 0xff bytes exactly", "[w1d1][engine]") {
  TempDir dir;
  auto engine = open_engine(dir);
  const std::string nul_key("\0", 1);
  const std::string high_key("\xff\xff", 2);
  const std::string binary_value("\0\xff\0", 3);
  engine->put(nul_key, binary_value);
  engine->put(high_key, "high");
  engine->put("", "the empty key is a key like any other");

  CHECK(engine->get(nul_key) == binary_value);
  CHECK(engine->get(high_key) == "high");
  CHECK(engine->get("") == "the empty key is a key like any other");
  CHECK(engine->get(std::string("\xff", 1)) == std::nullopt);
}

TEST_CASE("engine rejects keys and values over the limits and stays intact",
          "[w1d1][engine][limits]") {
  TempDir dir;
  auto engine = open_engine(dir);
  engine->put("kept", "value");
  const std::size_t size_before = engine->state()->memtable->approximate_size();

  const std::string huge_key(mini_lsm::kMaxKeySize + 1, 'k');
  const std::string huge_value(mini_lsm::kMaxValueSize + 1, 'v');
  CHECK_THROWS_AS(engine->put(huge_key, "v"), InvalidArgument);
  CHECK_THROWS_AS(engine->put("kept", huge_value), InvalidArgument);
  CHECK_THROWS_AS(engine->del(huge_key), InvalidArgument);

  CHECK(engine->get("kept") == "value");
  CHECK(engine->state()->memtable->approximate_size() == size_before);

  // Exactly at the limits is allowed.
  const std::string max_key(mini_lsm::kMaxKeySize, 'k');
  const std::string max_value(mini_lsm::kMaxValueSize, 'v');
  engine->put(max_key, max_value);
  CHECK(engine->get(max_key) == max_value);
}

TEST_CASE("engine put with an empty value is rejected: deletes go through del",
          "[w1d1][engine][limits]") {
  TempDir dir;
  auto engine = open_engine(dir);
  engine->put("k", "v");
  CHECK_THROWS_AS(engine->put("k", ""), InvalidArgument);
  CHECK(engine->get("k") == "v");
}

TEST_CASE("engine freezes a memtable whose size ties the target size exactly",
          "[w1d1][engine][freeze]") {
  TempDir dir;
  auto engine = open_engine(dir, 100);
  const std::size_t first_id = engine->state()->memtable->id();
  engine->put("k1", std::string(47, 'v'));  // 49 bytes
  engine->put("k2", std::string(48, 'v'));  // 99 bytes: one short of the target
  CHECK(frozen_ids(*engine).empty());
  engine->del("k");  // a tombstone of 1 byte: exactly 100
  REQUIRE(frozen_ids(*engine) == std::vector<std::size_t>{first_id});
  CHECK(engine->state()->memtable->approximate_size() == 0);
  CHECK(engine->state()->imm_memtables.front()->approximate_size() == 100);
}

TEST_CASE("engine freezes a full memtable once when two writers both see it full",
          "[w1d1][engine][freeze][concurrency]") {
  // Writer A fills the memtable and is parked right after its put, before it checks whether the
  // memtable is full. Writer B then writes to the same full memtable and freezes it. When A goes
  // on, the memtable it wrote to is no longer the current one: freezing again would freeze B's
  // fresh, empty memtable.
  TempDir dir;
  auto engine = open_engine(dir, 100);
  const std::size_t first_id = engine->state()->memtable->id();
  std::future<void> writer_a;  // declared first: destroyed after the ParkedThread lets it go
  ParkedThread a_parked(mini_lsm::sync_point::kAfterMemtableWrite, "a");
  writer_a = std::async(std::launch::async, [&] {
    engine->put("a", std::string(99, 'a'));  // 100 bytes: full
  });
  if (!a_parked.wait_until_parked(writer_a, std::chrono::seconds(10))) {
    writer_a.get();  // the put threw before the sync point: report that
    FAIL("writer A never reached the sync point after its put");
  }
  std::exception_ptr b_failed;
  try {
    engine->put("b", "b");  // B writes to the full memtable too, and freezes it
    CHECK(frozen_ids(*engine) == std::vector<std::size_t>{first_id});
  } catch (...) {
    b_failed = std::current_exception();  // reported after A is released and done
  }
  a_parked.release();
  writer_a.get();
  if (b_failed) {
    std::rethrow_exception(b_failed);
  }

  // Exactly one freeze: A saw that its memtable was no longer current.
  CHECK(frozen_ids(*engine) == std::vector<std::size_t>{first_id});
  CHECK(engine->state()->memtable->id() == first_id + 1);
  CHECK(engine->state()->memtable->is_empty());
  CHECK(engine->get("a") == std::string(99, 'a'));
  CHECK(engine->get("b") == "b");
}
