// Week 1 day 5: the read path over memtables and L0 SSTs loaded from the database directory.
// Also TwoMergeIterator and the SST key-range checks (may_contain, overlaps) in isolation.

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "harness/catch.hpp"
#include "harness/collect.hpp"
#include "harness/temp_dir.hpp"
#include "harness/vector_iterator.hpp"
#include "mini_lsm/bound.hpp"
#include "mini_lsm/error.hpp"
#include "mini_lsm/lsm_storage.hpp"
#include "mini_lsm/table.hpp"
#include "mini_lsm/two_merge_iterator.hpp"

using mini_lsm::Bound;
using mini_lsm::Corruption;
using mini_lsm::LsmOptions;
using mini_lsm::LsmStorage;
using mini_lsm::SsTable;
using mini_lsm::SsTableBuilder;
using mini_lsm::TwoMergeIterator;
using mini_lsm::testing::collect;
using mini_lsm::testing::Entries;
using mini_lsm::testing::numbered_key;
using mini_lsm::testing::TempDir;
using mini_lsm::testing::ThrowingIterator;
using mini_lsm::testing::VectorIterator;

namespace {

Entries merge(Entries newer, Entries older) {
  TwoMergeIterator iterator(std::make_unique<VectorIterator>(std::move(newer)),
                            std::make_unique<VectorIterator>(std::move(older)));
  return collect(iterator);
}

// Builds SST `id` of `entries` (sorted; "" values are tombstones) in database directory `db`,
// as a flush of an earlier run would have left it. No Bloom filter.
std::shared_ptr<SsTable> write_sst(const std::filesystem::path& db, std::size_t id,
                                   const Entries& entries, std::size_t block_size = 64) {
  std::filesystem::create_directories(db);
  SsTableBuilder builder(block_size);
  for (const auto& [key, value] : entries) {
    builder.add(key, value);
  }
  return builder.build(id, nullptr, db / (std::to_string(id) + ".sst"));
}

std::unique_ptr<LsmStorage> open_engine(const std::filesystem::path& db) {
  LsmOptions options;
  options.target_sst_size = 1 << 20;
  options.bloom_bits_per_key = 0;
  return LsmStorage::open(db, options);
}

Entries scan(const LsmStorage& engine, const Bound& lower, const Bound& upper) {
  auto iterator = engine.scan(lower, upper);
  return collect(iterator);
}

// The live entries of `model` (tombstones dropped) inside [lower, upper].
Entries expected_scan(const std::map<std::string, std::string>& model, const Bound& lower,
                      const Bound& upper) {
  Entries entries;
  for (const auto& [key, value] : model) {
    if (!value.empty() && mini_lsm::satisfies_lower(key, lower) &&
        mini_lsm::satisfies_upper(key, upper)) {
      entries.emplace_back(key, value);
    }
  }
  return entries;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

std::uint64_t cache_lookups(const LsmStorage& engine) {
  REQUIRE(engine.block_cache() != nullptr);
  return engine.block_cache()->hits() + engine.block_cache()->misses();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// TwoMergeIterator

TEST_CASE("two merge iterator returns the newer entry on equal keys", "[w1d5][two_merge]") {
  CHECK(merge({{"a", "new-a"}, {"c", "new-c"}}, {{"a", "old-a"}, {"b", "old-b"}, {"c", "old-c"}}) ==
        Entries{{"a", "new-a"}, {"b", "old-b"}, {"c", "new-c"}});
  CHECK(merge({{"k", "new"}}, {{"k", "old"}}) == Entries{{"k", "new"}});
}

TEST_CASE("two merge iterator with an empty side returns the other side", "[w1d5][two_merge]") {
  const Entries data = {{"a", "1"}, {"b", "2"}, {"c", "3"}};
  CHECK(merge({}, data) == data);
  CHECK(merge(data, {}) == data);
  CHECK(merge({}, {}).empty());
  TwoMergeIterator empty(std::make_unique<VectorIterator>(Entries{}),
                         std::make_unique<VectorIterator>(Entries{}));
  CHECK_FALSE(empty.is_valid());
  CHECK(empty.num_active_iterators() == 0);
}

TEST_CASE("two merge iterator interleaves both sides in key order", "[w1d5][two_merge]") {
  CHECK(
      merge({{"b", "n"}, {"d", "n"}, {"f", "n"}},
            {{"a", "o"}, {"c", "o"}, {"e", "o"}, {"g", "o"}}) ==
      Entries{{"a", "o"}, {"b", "n"}, {"c", "o"}, {"d", "n"}, {"e", "o"}, {"f", "n"}, {"g", "o"}});
  // Runs of keys from one side, equal keys in the middle, and a side that ends first.
  CHECK(merge({{"a", "n"}, {"b", "n"}, {"m", "n"}, {"n", "n"}},
              {{"c", "o"}, {"d", "o"}, {"m", "o"}, {"x", "o"}, {"y", "o"}}) == Entries{{"a", "n"},
                                                                                       {"b", "n"},
                                                                                       {"c", "o"},
                                                                                       {"d", "o"},
                                                                                       {"m", "n"},
                                                                                       {"n", "n"},
                                                                                       {"x", "o"},
                                                                                       {"y", "o"}});
  // Bytewise order: "\xff" sorts after every ASCII key, "\0" before "a".
  CHECK(merge({{std::string("\0", 1), "n"}, {"\xff", "n"}}, {{"a", "o"}, {"\xff", "o"}}) ==
        Entries{{std::string("\0", 1), "n"}, {"a", "o"}, {"\xff", "n"}});
}

TEST_CASE("two merge iterator returns a newer tombstone instead of the older value",
          "[w1d5][two_merge]") {
  // TwoMergeIterator only merges: the tombstone comes out, and the LsmIterator above drops it.
  CHECK(merge({{"a", ""}, {"c", ""}}, {{"a", "old"}, {"b", "old"}, {"c", ""}}) ==
        Entries{{"a", ""}, {"b", "old"}, {"c", ""}});
}

TEST_CASE("two merge iterator counts the sources still positioned on data", "[w1d5][two_merge]") {
  TwoMergeIterator iterator(std::make_unique<VectorIterator>(Entries{{"a", "n"}}),
                            std::make_unique<VectorIterator>(Entries{{"a", "o"}, {"b", "o"}}));
  REQUIRE(iterator.is_valid());
  CHECK(iterator.key() == "a");
  CHECK(iterator.value() == "n");
  CHECK(iterator.num_active_iterators() == 2);
  iterator.next();
  REQUIRE(iterator.is_valid());
  CHECK(iterator.key() == "b");
  CHECK(iterator.num_active_iterators() == 1);
  iterator.next();
  CHECK_FALSE(iterator.is_valid());
  CHECK(iterator.num_active_iterators() == 0);
}

TEST_CASE("two merge iterator lets an error of a source propagate", "[w1d5][two_merge]") {
  TwoMergeIterator iterator(
      std::make_unique<VectorIterator>(Entries{{"a", "n"}, {"d", "n"}}),
      std::make_unique<ThrowingIterator>(Entries{{"b", "o"}, {"c", "o"}, {"e", "o"}}, 1));
  REQUIRE(iterator.key() == "a");
  iterator.next();
  REQUIRE(iterator.key() == "b");
  iterator.next();
  REQUIRE(iterator.key() == "c");
  CHECK_THROWS_WITH(iterator.next(), "disk on fire");
}

// ---------------------------------------------------------------------------------------------
// SsTable::may_contain and SsTable::overlaps

TEST_CASE("sst may_contain rules out keys outside the SST's key range", "[w1d5][sst_filter]") {
  TempDir dir;
  auto table = write_sst(dir.path(), 1, {{"b", "1"}, {"d", "2"}, {"f", "3"}});
  CHECK_FALSE(table->may_contain(""));
  CHECK_FALSE(table->may_contain("a"));
  CHECK_FALSE(table->may_contain("azzz"));
  CHECK(table->may_contain("b"));
  CHECK(table->may_contain("c"));  // inside the range: without a filter, it may be there
  CHECK(table->may_contain("d"));
  CHECK(table->may_contain("f"));
  CHECK_FALSE(table->may_contain(std::string("f\0", 2)));
  CHECK_FALSE(table->may_contain("g"));
  CHECK_FALSE(table->may_contain("\xff"));
}

TEST_CASE("sst overlaps compares the range with the SST's first and last keys",
          "[w1d5][sst_filter]") {
  TempDir dir;
  // The SST holds keys b..d.
  auto table = write_sst(dir.path(), 1, {{"b", "1"}, {"c", "2"}, {"d", "3"}});
  const auto inc = [](const char* key) { return Bound::included(key); };
  const auto exc = [](const char* key) { return Bound::excluded(key); };
  const Bound all = Bound::unbounded();

  SECTION("unbounded") {
    CHECK(table->overlaps(all, all));
    CHECK(table->overlaps(all, inc("b")));
    CHECK(table->overlaps(inc("d"), all));
    CHECK_FALSE(table->overlaps(all, inc("a")));
    CHECK_FALSE(table->overlaps(inc("e"), all));
  }
  SECTION("ranges wholly below or above") {
    CHECK_FALSE(table->overlaps(inc("a"), inc("a")));
    CHECK_FALSE(table->overlaps(inc("0"), inc("azzz")));
    CHECK_FALSE(table->overlaps(inc("da"), inc("z")));
    CHECK_FALSE(table->overlaps(exc("d"), exc("z")));
  }
  SECTION("touching the first key") {
    CHECK(table->overlaps(inc("a"), inc("b")));
    CHECK_FALSE(table->overlaps(inc("a"), exc("b")));
    CHECK_FALSE(table->overlaps(all, exc("b")));
    CHECK(table->overlaps(inc("b"), inc("b")));
    CHECK(table->overlaps(exc("b"), all));  // c and d are above b
  }
  SECTION("touching the last key") {
    CHECK(table->overlaps(inc("d"), inc("z")));
    CHECK(table->overlaps(inc("d"), inc("d")));
    CHECK_FALSE(table->overlaps(exc("d"), inc("z")));
    CHECK_FALSE(table->overlaps(exc("d"), all));
    CHECK(table->overlaps(all, exc("d")));  // b and c are below d
  }
  SECTION("inside or around the SST") {
    CHECK(table->overlaps(inc("bb"), inc("bc")));  // no key there, but the SST cannot tell
    CHECK(table->overlaps(inc("a"), inc("z")));
    CHECK(table->overlaps(exc("a"), exc("z")));
    CHECK(table->overlaps(exc("b"), exc("d")));
  }
}

TEST_CASE("sst overlaps is false for an empty range", "[w1d5][sst_filter]") {
  TempDir dir;
  // The SST holds keys b..d; no key at all lies in a range whose lower end is above its upper.
  auto table = write_sst(dir.path(), 1, {{"b", "1"}, {"c", "2"}, {"d", "3"}});
  CHECK_FALSE(table->overlaps(Bound::included("d"), Bound::included("b")));  // lower > upper
  CHECK_FALSE(table->overlaps(Bound::included("c"), Bound::included("bb")));
  CHECK_FALSE(table->overlaps(Bound::included("c"), Bound::excluded("c")));
  CHECK_FALSE(table->overlaps(Bound::excluded("c"), Bound::included("c")));
  CHECK_FALSE(table->overlaps(Bound::excluded("c"), Bound::excluded("c")));
  CHECK(table->overlaps(Bound::included("c"), Bound::included("c")));  // one key: not empty
}

// ---------------------------------------------------------------------------------------------
// The engine over SSTs already in its directory

TEST_CASE("engine open loads the directory's SSTs as L0, highest id newest", "[w1d5][engine]") {
  TempDir dir;
  const auto db = dir.path() / "db";
  // 10 sorts before 9 as text: the order must be numeric.
  write_sst(db, 9, {{"a", "nine"}});
  write_sst(db, 2, {{"a", "two"}});
  write_sst(db, 10, {{"a", "ten"}});
  auto engine = open_engine(db);

  const auto state = engine->state();
  CHECK(state->l0_sstables == std::vector<std::size_t>{10, 9, 2});
  REQUIRE(state->sstables.size() == 3);
  for (const std::size_t id : std::vector<std::size_t>{2, 9, 10}) {
    INFO("sst " << id);
    REQUIRE(state->sstables.count(id) == 1);
    CHECK(state->sstables.at(id)->id() == id);
    CHECK(state->sstables.at(id)->first_key() == "a");
  }
  CHECK(state->memtable->id() > 10);
  CHECK(state->imm_memtables.empty());
  CHECK(engine->get("a") == "ten");

  // Ids handed out later keep increasing.
  const std::size_t first_memtable = state->memtable->id();
  engine->put("b", "1");
  engine->force_freeze_memtable();
  CHECK(engine->state()->memtable->id() > first_memtable);
}

TEST_CASE("engine get finds values in SSTs and the newest SST wins", "[w1d5][engine]") {
  TempDir dir;
  const auto db = dir.path() / "db";
  write_sst(db, 1, {{"a", "a1"}, {"b", "b1"}, {"c", "c1"}, {"x", "x1"}});
  write_sst(db, 2, {{"b", "b2"}, {"d", "d2"}});
  write_sst(db, 3, {{"c", "c3"}, {"d", "d3"}, {"e", "e3"}});
  auto engine = open_engine(db);

  CHECK(engine->get("a") == "a1");
  CHECK(engine->get("b") == "b2");
  CHECK(engine->get("c") == "c3");
  CHECK(engine->get("d") == "d3");
  CHECK(engine->get("e") == "e3");
  CHECK(engine->get("x") == "x1");
  CHECK(engine->get("bb") == std::nullopt);
  CHECK(engine->get("") == std::nullopt);
  CHECK(engine->get("z") == std::nullopt);
}

TEST_CASE("engine get finds every key of a multi-block SST", "[w1d5][engine]") {
  TempDir dir;
  const auto db = dir.path() / "db";
  Entries entries;
  for (int i = 0; i < 2000; i += 2) {
    entries.emplace_back(numbered_key(i), "value" + std::to_string(i));
  }
  auto table = write_sst(db, 1, entries, 256);
  REQUIRE(table->num_blocks() > 10);
  table.reset();
  auto engine = open_engine(db);
  for (int i = 0; i < 2000; ++i) {
    INFO("key " << numbered_key(i));
    const auto expected =
        i % 2 == 0 ? std::optional<std::string>("value" + std::to_string(i)) : std::nullopt;
    CHECK(engine->get(numbered_key(i)) == expected);
  }
}

TEST_CASE("engine get prefers memtables over SSTs", "[w1d5][engine]") {
  TempDir dir;
  const auto db = dir.path() / "db";
  write_sst(db, 1, {{"a", "sst"}, {"b", "sst"}, {"c", "sst"}});
  auto engine = open_engine(db);

  engine->put("a", "frozen");
  engine->force_freeze_memtable();
  engine->put("b", "current");
  CHECK(engine->get("a") == "frozen");
  CHECK(engine->get("b") == "current");
  CHECK(engine->get("c") == "sst");
  CHECK(scan(*engine, Bound::unbounded(), Bound::unbounded()) ==
        Entries{{"a", "frozen"}, {"b", "current"}, {"c", "sst"}});
}

TEST_CASE("engine tombstone in a newer SST or a memtable hides an older value", "[w1d5][engine]") {
  TempDir dir;
  const auto db = dir.path() / "db";
  write_sst(db, 1, {{"a", "old"}, {"b", "old"}, {"c", "old"}, {"d", "old"}, {"e", "old"}});
  write_sst(db, 2, {{"a", ""}, {"c", "new"}, {"e", ""}});
  write_sst(db, 3, {{"e", "revived"}});
  auto engine = open_engine(db);

  CHECK(engine->get("a") == std::nullopt);  // tombstone in a newer SST
  CHECK(engine->get("c") == "new");
  CHECK(engine->get("e") == "revived");  // a value newer than the tombstone

  engine->del("b");  // tombstone in the current memtable
  engine->del("c");
  engine->force_freeze_memtable();
  engine->del("d");
  CHECK(engine->get("b") == std::nullopt);
  CHECK(engine->get("c") == std::nullopt);
  CHECK(engine->get("d") == std::nullopt);
  CHECK(scan(*engine, Bound::unbounded(), Bound::unbounded()) == Entries{{"e", "revived"}});

  engine->put("a", "again");
  CHECK(engine->get("a") == "again");
  CHECK(scan(*engine, Bound::unbounded(), Bound::unbounded()) ==
        Entries{{"a", "again"}, {"e", "revived"}});
}

TEST_CASE("engine scan merges memtables and SSTs with every kind of bound",
          "[w1d5][engine][scan]") {
  TempDir dir;
  const auto db = dir.path() / "db";
  std::mt19937 random(515);
  std::map<std::string, std::string> model;  // newest value of each key, "" when deleted
  // Three SSTs, oldest first, each rewriting and deleting some keys of the older ones.
  for (std::size_t id = 1; id <= 3; ++id) {
    std::map<std::string, std::string> sst;
    for (int n = 0; n < 150; ++n) {
      const int i = static_cast<int>(random() % 300);
      sst[numbered_key(i)] =
          random() % 5 == 0 ? "" : "sst" + std::to_string(id) + "-" + std::to_string(n);
    }
    write_sst(db, id, Entries(sst.begin(), sst.end()), 128);
    for (const auto& [key, value] : sst) {
      model[key] = value;
    }
  }
  auto engine = open_engine(db);
  // A frozen and a current memtable on top.
  for (int round = 0; round < 2; ++round) {
    for (int n = 0; n < 60; ++n) {
      const std::string key = numbered_key(static_cast<int>(random() % 320));
      if (random() % 4 == 0) {
        engine->del(key);
        model[key] = "";
      } else {
        const std::string value = "mem" + std::to_string(round) + "-" + std::to_string(n);
        engine->put(key, value);
        model[key] = value;
      }
    }
    if (round == 0) {
      engine->force_freeze_memtable();
    }
  }

  const std::vector<Bound> lowers = {Bound::unbounded(),
                                     Bound::included(numbered_key(0)),
                                     Bound::included("a"),
                                     Bound::included(numbered_key(57)),
                                     Bound::excluded(numbered_key(57)),
                                     Bound::included(numbered_key(123) + "x"),
                                     Bound::excluded(numbered_key(299)),
                                     Bound::included("z")};
  const std::vector<Bound> uppers = {Bound::unbounded(),
                                     Bound::included(numbered_key(200)),
                                     Bound::excluded(numbered_key(200)),
                                     Bound::included(numbered_key(57)),
                                     Bound::excluded(numbered_key(58)),
                                     Bound::included(numbered_key(310)),
                                     Bound::excluded("a")};
  for (const auto& lower : lowers) {
    for (const auto& upper : uppers) {
      INFO("lower " << static_cast<int>(lower.kind()) << " " << lower.key() << ", upper "
                    << static_cast<int>(upper.kind()) << " " << upper.key());
      CHECK(scan(*engine, lower, upper) == expected_scan(model, lower, upper));
    }
  }
  for (int i = 0; i < 320; ++i) {
    const auto found = model.find(numbered_key(i));
    const auto expected = found == model.end() || found->second.empty()
                              ? std::nullopt
                              : std::optional<std::string>(found->second);
    CHECK(engine->get(numbered_key(i)) == expected);
  }
}

TEST_CASE("engine get and scan over SSTs handle keys with zero and 0xff bytes",
          "[w1d5][engine][scan]") {
  TempDir dir;
  const auto db = dir.path() / "db";
  const std::string zero("\0", 1);
  const std::string a_zero("a\0", 2);
  const std::string a_zero_b("a\0b", 3);
  write_sst(db, 1, {{zero, "zero1"}, {"a", "a1"}, {a_zero, "azero1"}, {"\xff", "ff1"}});
  write_sst(db, 2, {{a_zero_b, "azerob2"}, {"a\xff", "aff2"}, {"\xff", ""}, {"\xff\xff", "ffff2"}});
  auto engine = open_engine(db);
  engine->put(a_zero, "azero-mem");

  CHECK(engine->get(zero) == "zero1");
  CHECK(engine->get(a_zero) == "azero-mem");
  CHECK(engine->get(a_zero_b) == "azerob2");
  CHECK(engine->get("a\xff") == "aff2");
  CHECK(engine->get("\xff") == std::nullopt);
  CHECK(engine->get("\xff\xff") == "ffff2");
  CHECK(engine->get("") == std::nullopt);

  CHECK(scan(*engine, Bound::unbounded(), Bound::unbounded()) == Entries{{zero, "zero1"},
                                                                         {"a", "a1"},
                                                                         {a_zero, "azero-mem"},
                                                                         {a_zero_b, "azerob2"},
                                                                         {"a\xff", "aff2"},
                                                                         {"\xff\xff", "ffff2"}});
  CHECK(scan(*engine, Bound::excluded("a"), Bound::excluded("a\xff")) ==
        Entries{{a_zero, "azero-mem"}, {a_zero_b, "azerob2"}});
  CHECK(scan(*engine, Bound::excluded(a_zero), Bound::included("\xff\xff")) ==
        Entries{{a_zero_b, "azerob2"}, {"a\xff", "aff2"}, {"\xff\xff", "ffff2"}});
  CHECK(scan(*engine, Bound::included(""), Bound::excluded("a")) == Entries{{zero, "zero1"}});
  CHECK(scan(*engine, Bound::excluded("\xff"), Bound::unbounded()) ==
        Entries{{"\xff\xff", "ffff2"}});
}

TEST_CASE("engine get and scan skip SSTs that cannot hold the key or range",
          "[w1d5][engine][skip]") {
  TempDir dir;
  const auto db = dir.path() / "db";
  write_sst(db, 1, {{"b1", "1"}, {"b2", "2"}, {"b3", "3"}});
  write_sst(db, 2, {{"d1", "1"}, {"d2", "2"}, {"d3", "3"}});
  auto engine = open_engine(db);
  engine->put("a", "mem");  // the memtable holds keys outside the SSTs
  engine->put("c", "mem");
  engine->put("z", "mem");
  REQUIRE(engine->block_cache() != nullptr);
  REQUIRE(cache_lookups(*engine) == 0);

  CHECK(engine->get("a") == "mem");
  CHECK(engine->get("b0") == std::nullopt);
  CHECK(engine->get("c") == "mem");
  CHECK(engine->get("c5") == std::nullopt);
  CHECK(engine->get("e") == std::nullopt);
  CHECK(engine->get("z") == "mem");
  CHECK(scan(*engine, Bound::unbounded(), Bound::excluded("b1")) == Entries{{"a", "mem"}});
  CHECK(scan(*engine, Bound::excluded("b3"), Bound::excluded("d1")) == Entries{{"c", "mem"}});
  CHECK(scan(*engine, Bound::included("c"), Bound::included("c9")) == Entries{{"c", "mem"}});
  CHECK(scan(*engine, Bound::excluded("d3"), Bound::unbounded()) == Entries{{"z", "mem"}});
  CHECK(cache_lookups(*engine) == 0);

  // A key inside an SST's range reads that SST, and only it: one block lookup.
  CHECK(engine->get("b2") == "2");
  CHECK(cache_lookups(*engine) == 1);
  CHECK(scan(*engine, Bound::included("c"), Bound::included("d1")) ==
        Entries{{"c", "mem"}, {"d1", "1"}});
  CHECK(cache_lookups(*engine) >= 2);
}

TEST_CASE("engine open of a directory with a damaged SST throws Corruption naming it",
          "[w1d5][engine][corruption]") {
  TempDir dir;
  const auto db = dir.path() / "db";
  write_sst(db, 1, {{"a", "1"}, {"b", "2"}});
  write_sst(db, 2, {{"c", "3"}, {"d", "4"}, {"e", "5"}});
  const auto damaged = db / "2.sst";
  const std::string bytes = read_file(damaged);
  std::filesystem::remove(damaged);

  SECTION("truncated") {
    std::ofstream(damaged, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  }
  SECTION("truncated to nothing") {
    std::ofstream(damaged, std::ios::binary) << "";
  }
  SECTION("garbled end") {
    std::string garbled = bytes;
    for (std::size_t i = garbled.size() - 12; i < garbled.size(); ++i) {
      garbled[i] = '\xee';
    }
    std::ofstream(damaged, std::ios::binary) << garbled;
  }
  try {
    open_engine(db);
    FAIL("open accepted a damaged SST");
  } catch (const Corruption& error) {
    CHECK(error.file() == damaged.string());
    CHECK(std::string(error.what()).find(damaged.string()) != std::string::npos);
  }
}
