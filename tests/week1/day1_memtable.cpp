// Week 1 day 1: the memtable on its own.

#include <memory>
#include <string>

#include "harness/catch.hpp"
#include "harness/collect.hpp"
#include "mini_lsm/memtable.hpp"

using mini_lsm::Bound;
using mini_lsm::MemTable;
using mini_lsm::testing::collect;
using mini_lsm::testing::Entries;

TEST_CASE("memtable get returns what put wrote", "[w1d1][memtable]") {
  MemTable table(0);
  table.put("apple", "red");
  table.put("banana", "yellow");

  CHECK(table.get("apple") == "red");
  CHECK(table.get("banana") == "yellow");
  CHECK(table.get("cherry") == std::nullopt);
}

TEST_CASE("memtable overwrite keeps only the newest value", "[w1d1][memtable]") {
  MemTable table(0);
  table.put("k", "first");
  table.put("k", "second");

  CHECK(table.get("k") == "second");
  auto all = table.scan(Bound::unbounded(), Bound::unbounded());
  CHECK(collect(all) == Entries{{"k", "second"}});
}

TEST_CASE("memtable keeps a tombstone as an empty value, distinct from a missing key",
          "[w1d1][memtable]") {
  MemTable table(0);
  table.put("gone", "here");
  table.put("gone", "");

  CHECK(table.get("gone") == std::string());
  CHECK(table.get("never") == std::nullopt);
}

TEST_CASE("memtable approximate size counts every key and value byte written", "[w1d1][memtable]") {
  MemTable table(0);
  CHECK(table.approximate_size() == 0);
  table.put("a", "1");    // 2 bytes
  table.put("bb", "22");  // 4 bytes
  table.put("a", "333");  // 4 bytes: an overwrite still costs memory in the skiplist
  table.put("bb", "");    // 2 bytes: a tombstone
  CHECK(table.approximate_size() == 12);
}

TEST_CASE("memtable scan returns the entries inside the bounds in key order", "[w1d1][memtable]") {
  MemTable table(0);
  for (const char* key : {"e", "a", "c", "d", "b"}) {
    table.put(key, std::string("v") + key);
  }
  table.put("c", "");  // tombstones are entries of the memtable too

  SECTION("unbounded on both sides") {
    auto it = table.scan(Bound::unbounded(), Bound::unbounded());
    CHECK(collect(it) == Entries{{"a", "va"}, {"b", "vb"}, {"c", ""}, {"d", "vd"}, {"e", "ve"}});
  }
  SECTION("included bounds on existing keys") {
    auto it = table.scan(Bound::included("b"), Bound::included("d"));
    CHECK(collect(it) == Entries{{"b", "vb"}, {"c", ""}, {"d", "vd"}});
  }
  SECTION("excluded bounds on existing keys") {
    auto it = table.scan(Bound::excluded("b"), Bound::excluded("d"));
    CHECK(collect(it) == Entries{{"c", ""}});
  }
  SECTION("bounds on missing keys") {
    auto it = table.scan(Bound::excluded("bb"), Bound::included("dd"));
    CHECK(collect(it) == Entries{{"c", ""}, {"d", "vd"}});
  }
  SECTION("a range with nothing inside") {
    auto it = table.scan(Bound::included("f"), Bound::unbounded());
    CHECK_FALSE(it.is_valid());
  }
}

TEST_CASE("memtable scan iterator outlives the memtable it came from", "[w1d1][memtable]") {
  auto table = std::make_unique<MemTable>(0);
  table->put("x", "1");
  table->put("y", "2");
  auto it = table->scan(Bound::unbounded(), Bound::unbounded());
  table.reset();

  CHECK(collect(it) == Entries{{"x", "1"}, {"y", "2"}});
}

TEST_CASE("memtable stores keys and values with NUL and 0xff bytes exactly", "[w1d1][memtable]") {
  MemTable table(0);
  const std::string nul_key("k\0ey", 4);
  const std::string nul_value("v\0\0al", 5);
  const std::string high_key("\xff\xfe", 2);
  table.put(nul_key, nul_value);
  table.put(high_key, "\xff");
  table.put("k", "plain");

  CHECK(table.get(nul_key) == nul_value);
  CHECK(table.get("k") == "plain");  // "k" is a prefix of nul_key, not the same key
  auto it = table.scan(Bound::unbounded(), Bound::unbounded());
  CHECK(collect(it) == Entries{{"k", "plain"}, {nul_key, nul_value}, {high_key, "\xff"}});
}

TEST_CASE("memtable iterator keeps the value it found when the key is deleted or overwritten",
          "[w1d1][memtable]") {
  MemTable table(0);
  table.put("a", "1");
  table.put("k", "old");
  table.put("z", "3");

  auto on_k = table.scan(Bound::included("k"), Bound::unbounded());
  REQUIRE(on_k.is_valid());
  REQUIRE(on_k.key() == "k");
  table.put("k", "");  // a delete after the iterator got there
  CHECK(on_k.value() == "old");
  CHECK(on_k.key() == "k");

  auto from_a = table.scan(Bound::unbounded(), Bound::unbounded());
  from_a.next();
  REQUIRE(from_a.key() == "k");
  CHECK(from_a.value() == "");  // it reached k after the delete: the tombstone is the entry
  table.put("k", "new");
  CHECK(from_a.value() == "");
  from_a.next();
  REQUIRE(from_a.is_valid());
  CHECK(from_a.key() == "z");
  CHECK(from_a.value() == "3");
}
