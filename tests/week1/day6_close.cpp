// Week 1 day 6: close() flushes every memtable, so reopening the directory finds all the data.

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "harness/catch.hpp"
#include "harness/collect.hpp"
#include "harness/parked_thread.hpp"
#include "harness/temp_dir.hpp"
#include "mini_lsm/bound.hpp"
#include "mini_lsm/lsm_storage.hpp"
#include "mini_lsm/options.hpp"
#include "mini_lsm/sync_point.hpp"

using mini_lsm::Bound;
using mini_lsm::LsmOptions;
using mini_lsm::LsmStorage;
using mini_lsm::testing::collect;
using mini_lsm::testing::Entries;
using mini_lsm::testing::numbered_key;
using mini_lsm::testing::ParkedThread;
using mini_lsm::testing::TempDir;

namespace {

// Day 6 does not need day 7's Bloom filters, so its engines build SSTs without them.
LsmOptions day6_options(std::size_t target_size = std::size_t{1} << 20) {
  LsmOptions options;
  options.target_sst_size = target_size;
  options.bloom_bits_per_key = 0;
  return options;
}

std::unique_ptr<LsmStorage> open_db(const TempDir& dir, LsmOptions options = day6_options()) {
  return LsmStorage::open(dir.path() / "db", options);
}

std::set<std::string> sst_files(const std::filesystem::path& directory) {
  std::set<std::string> names;
  for (const auto& file : std::filesystem::directory_iterator(directory)) {
    if (file.path().extension() == ".sst") {
      names.insert(file.path().filename().string());
    }
  }
  return names;
}

Entries scan_all(const LsmStorage& engine) {
  auto iterator = engine.scan(Bound::unbounded(), Bound::unbounded());
  return collect(iterator);
}

Entries model_entries(const std::map<std::string, std::string>& model) {
  return Entries(model.begin(), model.end());
}

}  // namespace

TEST_CASE("close flushes the current and the frozen memtables, so a reopen finds every key",
          "[w1d6][close]") {
  TempDir dir;
  std::map<std::string, std::string> model;
  {
    auto engine = open_db(dir);
    for (int i = 0; i < 300; ++i) {
      engine->put(numbered_key(i), "first");
      model[numbered_key(i)] = "first";
    }
    engine->force_freeze_memtable();
    for (int i = 300; i < 600; ++i) {
      engine->put(numbered_key(i), "second");
      model[numbered_key(i)] = "second";
    }
    for (int i = 0; i < 600; i += 10) {
      engine->del(numbered_key(i));  // tombstones over the oldest memtable
      model.erase(numbered_key(i));
    }
    engine->force_freeze_memtable();
    for (int i = 600; i < 900; ++i) {
      engine->put(numbered_key(i), "current");
      model[numbered_key(i)] = "current";
    }
    for (int i = 5; i < 900; i += 10) {
      engine->del(numbered_key(i));  // tombstones in the current memtable
      model.erase(numbered_key(i));
    }

    engine->close();
    const auto state = engine->state();
    CHECK(state->imm_memtables.empty());
    CHECK(state->memtable->is_empty());
    CHECK(state->l0_sstables.size() == 3);
    CHECK(sst_files(dir.path() / "db").size() == 3);
    CHECK(scan_all(*engine) == model_entries(model));
  }

  auto reopened = open_db(dir);
  CHECK(reopened->state()->l0_sstables.size() == 3);
  int found = 0;
  int absent = 0;
  for (int i = 0; i < 900; ++i) {
    const auto value = reopened->get(numbered_key(i));
    const auto expected = model.find(numbered_key(i));
    if (expected == model.end()) {
      absent += value == std::nullopt ? 1 : 0;
    } else {
      found += value == expected->second ? 1 : 0;
    }
  }
  CHECK(found == static_cast<int>(model.size()));
  CHECK(absent == 900 - static_cast<int>(model.size()));
  CHECK(scan_all(*reopened) == model_entries(model));
}

TEST_CASE("close twice flushes once and the second call does nothing", "[w1d6][close]") {
  TempDir dir;
  {
    auto engine = open_db(dir);
    engine->put("a", "1");
    engine->force_freeze_memtable();
    engine->put("b", "2");
    engine->close();
    const auto l0 = engine->state()->l0_sstables;
    CHECK(l0.size() == 2);
    engine->close();
    CHECK(engine->state()->l0_sstables == l0);
    CHECK(sst_files(dir.path() / "db").size() == 2);
  }
  auto reopened = open_db(dir);
  CHECK(reopened->get("a") == "1");
  CHECK(reopened->get("b") == "2");
  CHECK(reopened->state()->l0_sstables.size() == 2);
}

TEST_CASE("close of an engine with nothing written creates no SST", "[w1d6][close]") {
  TempDir dir;
  {
    auto engine = open_db(dir);
    engine->put("a", "1");
    engine->force_freeze_memtable();
    engine->force_flush();
    // The current memtable is empty now: close must not write an empty SST for it.
    engine->close();
    CHECK(engine->state()->l0_sstables.size() == 1);
    CHECK(sst_files(dir.path() / "db").size() == 1);
  }
  {
    auto engine = open_db(dir);
    engine->close();
    CHECK(sst_files(dir.path() / "db").size() == 1);
  }
  auto reopened = open_db(dir);
  CHECK(reopened->get("a") == "1");
}

TEST_CASE("destroying an engine without close neither hangs nor crashes", "[w1d6][close]") {
  TempDir dir;
  LsmOptions options = day6_options(4096);
  options.num_memtable_limit = 1;
  const std::string value(100, 'v');
  {
    auto engine = open_db(dir, options);
    engine->put("flushed", "yes");
    engine->force_freeze_memtable();
    engine->force_flush();
    // Keep the flush thread busy, then destroy the engine while it may still be flushing.
    for (int i = 0; i < 2000; ++i) {
      engine->put(numbered_key(i), value);
    }
  }
  {
    auto idle = open_db(dir, options);  // an idle flush thread must stop too
  }

  auto reopened = open_db(dir, options);
  CHECK(reopened->get("flushed") == "yes");
  // Unflushed memtables are lost without close(), but nothing may come back wrong.
  int wrong = 0;
  for (int i = 0; i < 2000; ++i) {
    const auto found = reopened->get(numbered_key(i));
    wrong += found && *found != value ? 1 : 0;
  }
  CHECK(wrong == 0);
}

TEST_CASE("reopen after close, write more, close and reopen again keeps everything",
          "[w1d6][close]") {
  TempDir dir;
  std::map<std::string, std::string> model;
  {
    auto engine = open_db(dir);
    for (int i = 0; i < 100; ++i) {
      engine->put(numbered_key(i), "s1");
      model[numbered_key(i)] = "s1";
    }
    engine->close();
  }
  {
    auto engine = open_db(dir);
    CHECK(scan_all(*engine) == model_entries(model));
    for (int i = 50; i < 150; ++i) {
      engine->put(numbered_key(i), "s2");
      model[numbered_key(i)] = "s2";
    }
    for (int i = 0; i < 10; ++i) {
      engine->del(numbered_key(i));
      model.erase(numbered_key(i));
    }
    engine->close();
  }
  auto engine = open_db(dir);
  CHECK(engine->state()->l0_sstables.size() == 2);
  CHECK(engine->get(numbered_key(0)) == std::nullopt);
  CHECK(engine->get(numbered_key(9)) == std::nullopt);
  CHECK(engine->get(numbered_key(10)) == "s1");
  CHECK(engine->get(numbered_key(49)) == "s1");
  CHECK(engine->get(numbered_key(50)) == "s2");
  CHECK(engine->get(numbered_key(149)) == "s2");
  CHECK(model.size() == 140);
  CHECK(scan_all(*engine) == model_entries(model));
}

TEST_CASE("memtable ids after a reopen are above every SST id, so new SSTs never clash",
          "[w1d6][close]") {
  TempDir dir;
  std::vector<std::size_t> first_ids;
  {
    auto engine = open_db(dir);
    engine->put("a", "1");
    engine->force_freeze_memtable();
    engine->force_freeze_memtable();  // an empty memtable: its id gets no SST, leaving a gap
    engine->put("b", "2");
    engine->force_freeze_memtable();
    engine->put("c", "3");
    engine->close();
    first_ids = engine->state()->l0_sstables;
  }
  REQUIRE(first_ids.size() == 3);
  const std::size_t highest = *std::max_element(first_ids.begin(), first_ids.end());
  std::size_t new_id = 0;
  {
    auto engine = open_db(dir);
    CHECK(engine->state()->l0_sstables == first_ids);
    new_id = engine->state()->memtable->id();
    CHECK(new_id > highest);
    engine->put("b", "new");
    engine->put("d", "4");
    engine->close();
    const auto l0 = engine->state()->l0_sstables;
    REQUIRE(l0.size() == 4);
    CHECK(l0.front() == new_id);
    CHECK(std::vector<std::size_t>(l0.begin() + 1, l0.end()) == first_ids);
  }
  auto engine = open_db(dir);
  CHECK(engine->state()->memtable->id() > new_id);
  CHECK(sst_files(dir.path() / "db").size() == 4);
  CHECK(scan_all(*engine) == Entries{{"a", "1"}, {"b", "new"}, {"c", "3"}, {"d", "4"}});
}

TEST_CASE("the empty key survives flush and reopen, and so does its deletion", "[w1d6][close]") {
  TempDir dir;
  {
    auto engine = open_db(dir);
    engine->put("", "empty key");
    engine->put("a", "1");
    engine->put("gone", "x");
    engine->force_freeze_memtable();
    engine->force_flush();
    const auto state = engine->state();
    REQUIRE(state->l0_sstables.size() == 1);
    CHECK(state->sstables.at(state->l0_sstables.front())->first_key().empty());
    CHECK(engine->get("") == "empty key");
    engine->del("gone");
    engine->close();
  }
  {
    auto engine = open_db(dir);
    CHECK(engine->get("") == "empty key");
    CHECK(scan_all(*engine) == Entries{{"", "empty key"}, {"a", "1"}});
    engine->del("");
    engine->close();
  }
  auto engine = open_db(dir);
  CHECK(engine->get("") == std::nullopt);
  CHECK(engine->get("a") == "1");
  CHECK(scan_all(*engine) == Entries{{"a", "1"}});
}

TEST_CASE("a key of kMaxKeySize bytes and a 1 MiB value survive flush and reopen",
          "[w1d6][close][limits]") {
  TempDir dir;
  const std::string huge_key(mini_lsm::kMaxKeySize, 'k');
  std::string huge_value(mini_lsm::kMaxValueSize, 'v');
  for (std::size_t i = 0; i < huge_value.size(); i += 4093) {
    huge_value[i] = static_cast<char>('a' + i % 26);  // not one repeated byte
  }
  {
    auto engine = open_db(dir);
    engine->put("a", "small");
    engine->put(huge_key, "value of the longest key");
    engine->put("m", huge_value);
    engine->put("z", "last");
    engine->close();
  }
  auto engine = open_db(dir);
  CHECK(engine->get("a") == "small");
  CHECK(engine->get(huge_key) == "value of the longest key");
  CHECK(engine->get(huge_key.substr(1)) == std::nullopt);
  const auto value = engine->get("m");
  REQUIRE(value.has_value());
  CHECK(value->size() == huge_value.size());
  CHECK(*value == huge_value);
  CHECK(engine->get("z") == "last");
  const Entries all = scan_all(*engine);
  REQUIRE(all.size() == 4);
  CHECK(all[0].first == "a");
  CHECK(all[1].first == huge_key);
  CHECK(all[2].first == "m");
  CHECK(all[2].second == huge_value);
  CHECK(all[3] == std::pair<std::string, std::string>("z", "last"));
}

TEST_CASE("close waits for a put into the empty current memtable and keeps its key",
          "[w1d6][close][concurrency]") {
  TempDir dir;
  auto engine = open_db(dir);

  // The writer stops inside its put, after close() could still refuse it and just before its key
  // goes into the skiplist: the current memtable is empty, but not for long.
  std::future<void> writer;  // declared first: destroyed after the ParkedThread lets it go
  ParkedThread parked(mini_lsm::sync_point::kSkipListInsert, "in-flight");
  writer = std::async(std::launch::async, [&] { engine->put("in-flight", "kept"); });
  if (!parked.wait_until_parked(writer, std::chrono::seconds(10))) {
    writer.get();  // the put threw before it reached the skiplist: report that
    FAIL("the put never reached SkipList::insert");
  }

  std::future<void> closing = std::async(std::launch::async, [&] { engine->close(); });
  // A correct close() waits for the writer (its freeze takes write_mutex_), so it is still
  // running when the writer goes on. One that skips the "empty" memtable finishes within
  // microseconds; waiting up to 300 ms lets it, so that the lost key shows below.
  const bool closed_under_the_writer =
      closing.wait_for(std::chrono::milliseconds(300)) == std::future_status::ready;
  parked.release();
  writer.get();  // the put returned: its key must survive the close
  closing.get();
  {
    INFO("close() finished while a put was inside the current memtable (closed under the writer: "
         << closed_under_the_writer << "): close must freeze even an empty-looking memtable");
    CHECK(engine->state()->memtable->is_empty());
    CHECK(engine->state()->imm_memtables.empty());
  }
  engine.reset();
  const auto reopened = open_db(dir);
  CHECK(reopened->get("in-flight") == "kept");
}
