// Week 1 day 2: LsmStorage::scan over the current and the frozen memtables.

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "harness/catch.hpp"
#include "harness/collect.hpp"
#include "harness/temp_dir.hpp"
#include "mini_lsm/bound.hpp"
#include "mini_lsm/lsm_storage.hpp"

using mini_lsm::Bound;
using mini_lsm::LsmOptions;
using mini_lsm::LsmStorage;
using mini_lsm::testing::collect;
using mini_lsm::testing::Entries;
using mini_lsm::testing::numbered_key;
using mini_lsm::testing::TempDir;

namespace {

// Memtables only: large enough that nothing freezes by size, and many frozen memtables allowed.
std::unique_ptr<LsmStorage> open_engine(const TempDir& dir) {
  LsmOptions options;
  options.target_sst_size = 64 << 20;
  options.num_memtable_limit = 1000;
  return LsmStorage::open(dir.path() / "db", options);
}

Entries scan(const LsmStorage& engine, const Bound& lower, const Bound& upper) {
  auto iterator = engine.scan(lower, upper);
  return collect(iterator);
}

Entries scan_all(const LsmStorage& engine) {
  return scan(engine, Bound::unbounded(), Bound::unbounded());
}

}  // namespace

TEST_CASE("scan of an empty engine returns nothing", "[w1d2][scan]") {
  TempDir dir;
  auto engine = open_engine(dir);
  CHECK(scan_all(*engine).empty());

  engine->force_freeze_memtable();  // an empty frozen memtable changes nothing
  auto iterator = engine->scan(Bound::unbounded(), Bound::unbounded());
  CHECK_FALSE(iterator.is_valid());
}

TEST_CASE("scan with both ends unbounded returns every live key in key order", "[w1d2][scan]") {
  TempDir dir;
  auto engine = open_engine(dir);
  for (const char* key : {"delta", "alpha", "echo", "charlie", "bravo"}) {
    engine->put(key, std::string("v-") + key);
  }

  CHECK(scan_all(*engine) == Entries{{"alpha", "v-alpha"},
                                     {"bravo", "v-bravo"},
                                     {"charlie", "v-charlie"},
                                     {"delta", "v-delta"},
                                     {"echo", "v-echo"}});
}

TEST_CASE("scan honours included and excluded bounds on existing keys", "[w1d2][scan]") {
  TempDir dir;
  auto engine = open_engine(dir);
  for (const char* key : {"a", "b", "c", "d", "e"}) {
    engine->put(key, key);
  }

  CHECK(scan(*engine, Bound::included("b"), Bound::included("d")) ==
        Entries{{"b", "b"}, {"c", "c"}, {"d", "d"}});
  CHECK(scan(*engine, Bound::excluded("b"), Bound::excluded("d")) == Entries{{"c", "c"}});
  CHECK(scan(*engine, Bound::included("b"), Bound::excluded("d")) ==
        Entries{{"b", "b"}, {"c", "c"}});
  CHECK(scan(*engine, Bound::excluded("b"), Bound::included("d")) ==
        Entries{{"c", "c"}, {"d", "d"}});
  CHECK(scan(*engine, Bound::included("c"), Bound::included("c")) == Entries{{"c", "c"}});
  CHECK(scan(*engine, Bound::excluded("a"), Bound::excluded("e")) ==
        Entries{{"b", "b"}, {"c", "c"}, {"d", "d"}});
  CHECK(scan(*engine, Bound::included("a"), Bound::included("e")).size() == 5);
}

TEST_CASE("scan honours bounds on keys that are not in the engine", "[w1d2][scan]") {
  TempDir dir;
  auto engine = open_engine(dir);
  for (const char* key : {"b", "d", "f"}) {
    engine->put(key, key);
  }

  CHECK(scan(*engine, Bound::included("a"), Bound::included("c")) == Entries{{"b", "b"}});
  CHECK(scan(*engine, Bound::excluded("c"), Bound::excluded("e")) == Entries{{"d", "d"}});
  CHECK(scan(*engine, Bound::excluded("a"), Bound::excluded("g")) ==
        Entries{{"b", "b"}, {"d", "d"}, {"f", "f"}});
  CHECK(scan(*engine, Bound::included("c"), Bound::included("c")).empty());
  CHECK(scan(*engine, Bound::included("g"), Bound::unbounded()).empty());
  CHECK(scan(*engine, Bound::unbounded(), Bound::included("a")).empty());
  CHECK(scan(*engine, Bound::included("bb"), Bound::included("ee")) == Entries{{"d", "d"}});
}

TEST_CASE("scan with one end unbounded reaches the first or the last key", "[w1d2][scan]") {
  TempDir dir;
  auto engine = open_engine(dir);
  for (const char* key : {"a", "b", "c", "d"}) {
    engine->put(key, key);
  }

  CHECK(scan(*engine, Bound::unbounded(), Bound::excluded("c")) == Entries{{"a", "a"}, {"b", "b"}});
  CHECK(scan(*engine, Bound::unbounded(), Bound::included("c")) ==
        Entries{{"a", "a"}, {"b", "b"}, {"c", "c"}});
  CHECK(scan(*engine, Bound::excluded("b"), Bound::unbounded()) == Entries{{"c", "c"}, {"d", "d"}});
  CHECK(scan(*engine, Bound::included("b"), Bound::unbounded()) ==
        Entries{{"b", "b"}, {"c", "c"}, {"d", "d"}});
}

TEST_CASE("scan with the lower bound above the upper bound returns nothing", "[w1d2][scan]") {
  TempDir dir;
  auto engine = open_engine(dir);
  for (const char* key : {"a", "b", "c", "d", "e"}) {
    engine->put(key, key);
  }
  engine->force_freeze_memtable();
  engine->put("c", "newer");

  CHECK(scan(*engine, Bound::included("d"), Bound::included("b")).empty());
  CHECK(scan(*engine, Bound::included("e"), Bound::included("a")).empty());
  CHECK(scan(*engine, Bound::included("c"), Bound::excluded("c")).empty());
  CHECK(scan(*engine, Bound::excluded("c"), Bound::included("c")).empty());
  CHECK(scan(*engine, Bound::excluded("c"), Bound::excluded("c")).empty());
  CHECK(scan(*engine, Bound::included("c"), Bound::included("c")) == Entries{{"c", "newer"}});
}

TEST_CASE("scan orders and bounds keys byte by byte, NUL and 0xff included", "[w1d2][scan]") {
  TempDir dir;
  auto engine = open_engine(dir);
  const std::string nul("\0", 1);
  const std::string nul_nul("\0\0", 2);
  const std::string a_nul("a\0", 2);
  const std::string a_nul_b("a\0b", 3);
  const std::string a_high("a\xff", 2);
  const std::string high("\xff", 1);
  const std::string high_high("\xff\xff", 2);
  const std::string binary_value("\xff\0\x01", 3);
  // Half of them frozen, so the merge compares them too.
  for (const std::string& key : {high_high, a_nul, std::string("b"), nul}) {
    engine->put(key, "v" + key);
  }
  engine->force_freeze_memtable();
  for (const std::string& key : {a_high, std::string(""), high, a_nul_b, nul_nul}) {
    engine->put(key, "v" + key);
  }
  engine->put("a", binary_value);

  CHECK(scan_all(*engine) == Entries{{"", "v"},
                                     {nul, "v" + nul},
                                     {nul_nul, "v" + nul_nul},
                                     {"a", binary_value},
                                     {a_nul, "v" + a_nul},
                                     {a_nul_b, "v" + a_nul_b},
                                     {a_high, "v" + a_high},
                                     {"b", "vb"},
                                     {high, "v" + high},
                                     {high_high, "v" + high_high}});
  CHECK(scan(*engine, Bound::included("a"), Bound::excluded(a_high)) ==
        Entries{{"a", binary_value}, {a_nul, "v" + a_nul}, {a_nul_b, "v" + a_nul_b}});
  CHECK(scan(*engine, Bound::excluded(a_nul), Bound::included(a_high)) ==
        Entries{{a_nul_b, "v" + a_nul_b}, {a_high, "v" + a_high}});
  CHECK(scan(*engine, Bound::excluded("b"), Bound::unbounded()) ==
        Entries{{high, "v" + high}, {high_high, "v" + high_high}});
  CHECK(scan(*engine, Bound::included(high_high), Bound::included(high_high)) ==
        Entries{{high_high, "v" + high_high}});
  // The empty key is a key, not "no bound".
  CHECK(scan(*engine, Bound::unbounded(), Bound::included("")) == Entries{{"", "v"}});
  CHECK(scan(*engine, Bound::excluded(""), Bound::excluded(nul_nul)) == Entries{{nul, "v" + nul}});
  CHECK(scan(*engine, Bound::unbounded(), Bound::excluded("")).empty());
}

TEST_CASE("scan returns the newest value of keys overwritten across frozen memtables",
          "[w1d2][scan][freeze]") {
  TempDir dir;
  auto engine = open_engine(dir);
  engine->put("a", "a0");
  engine->put("b", "b0");
  engine->put("c", "c0");
  engine->put("only-oldest", "o");
  engine->force_freeze_memtable();
  engine->put("a", "a1");
  engine->put("b", "b1");
  engine->force_freeze_memtable();
  engine->put("a", "a2");
  engine->force_freeze_memtable();
  engine->put("d", "d3");  // the current memtable

  REQUIRE(engine->state()->imm_memtables.size() == 3);
  CHECK(scan_all(*engine) ==
        Entries{{"a", "a2"}, {"b", "b1"}, {"c", "c0"}, {"d", "d3"}, {"only-oldest", "o"}});
  CHECK(scan(*engine, Bound::included("b"), Bound::included("c")) ==
        Entries{{"b", "b1"}, {"c", "c0"}});
}

TEST_CASE("scan hides keys deleted in a newer memtable and shows keys written again",
          "[w1d2][scan][freeze]") {
  TempDir dir;
  auto engine = open_engine(dir);
  engine->put("a", "1");
  engine->put("b", "1");
  engine->put("c", "1");
  engine->put("e", "1");
  engine->put("f", "1");
  engine->force_freeze_memtable();
  engine->del("b");
  engine->del("c");
  engine->put("d", "2");
  engine->del("f");
  engine->force_freeze_memtable();
  engine->put("c", "3");  // deleted in the frozen memtable, written again
  engine->del("e");       // deleted in the current memtable only
  engine->del("never-written");

  CHECK(scan_all(*engine) == Entries{{"a", "1"}, {"c", "3"}, {"d", "2"}});
  // Deleted keys at both ends of the range.
  CHECK(scan(*engine, Bound::included("b"), Bound::included("f")) ==
        Entries{{"c", "3"}, {"d", "2"}});
  CHECK(scan(*engine, Bound::included("e"), Bound::unbounded()).empty());
  CHECK(scan(*engine, Bound::excluded("a"), Bound::excluded("c")).empty());
}

TEST_CASE("scan snapshot does not see later freezes and writes to new memtables",
          "[w1d2][scan][snapshot]") {
  TempDir dir;
  auto engine = open_engine(dir);
  engine->put("a", "1");
  engine->put("c", "1");
  engine->put("e", "1");
  engine->force_freeze_memtable();
  engine->put("g", "1");

  auto iterator = engine->scan(Bound::unbounded(), Bound::unbounded());
  REQUIRE(iterator.key() == "a");
  engine->force_freeze_memtable();
  engine->put("b", "2");
  engine->del("c");
  engine->put("e", "2");
  engine->put("f", "2");
  engine->force_freeze_memtable();
  engine->put("h", "2");

  CHECK(collect(iterator) == Entries{{"a", "1"}, {"c", "1"}, {"e", "1"}, {"g", "1"}});
  CHECK(scan_all(*engine) ==
        Entries{{"a", "1"}, {"b", "2"}, {"e", "2"}, {"f", "2"}, {"g", "1"}, {"h", "2"}});
}

TEST_CASE("scan returns thousands of keys from several memtables in order",
          "[w1d2][scan][freeze]") {
  TempDir dir;
  auto engine = open_engine(dir);
  constexpr int kKeys = 5000;
  std::vector<int> order(kKeys);
  for (int i = 0; i < kKeys; ++i) {
    order[i] = i;
  }
  std::shuffle(order.begin(), order.end(), std::mt19937(7));
  std::map<std::string, std::string> expected;
  for (int n = 0; n < kKeys; ++n) {
    const int i = order[n];
    engine->put(numbered_key(i), "first" + std::to_string(i));
    expected[numbered_key(i)] = "first" + std::to_string(i);
    if (n % 1000 == 999) {
      engine->force_freeze_memtable();
    }
  }
  // Overwrite every third key and delete every seventh, in the current memtable.
  for (int i = 0; i < kKeys; i += 3) {
    engine->put(numbered_key(i), "second" + std::to_string(i));
    expected[numbered_key(i)] = "second" + std::to_string(i);
  }
  for (int i = 0; i < kKeys; i += 7) {
    engine->del(numbered_key(i));
    expected.erase(numbered_key(i));
  }

  REQUIRE(engine->state()->imm_memtables.size() == 5);
  CHECK(scan_all(*engine) == Entries(expected.begin(), expected.end()));
  const Entries middle =
      scan(*engine, Bound::included(numbered_key(1000)), Bound::excluded(numbered_key(2000)));
  CHECK(middle == Entries(expected.lower_bound(numbered_key(1000)),
                          expected.lower_bound(numbered_key(2000))));
}

TEST_CASE("scan positioned on a key keeps its value when the key is deleted meanwhile",
          "[w1d2][scan]") {
  TempDir dir;
  auto engine = open_engine(dir);
  engine->put("a", "1");
  engine->put("k", "old");
  engine->put("z", "3");

  SECTION("positioned by the lower bound") {
    auto iterator = engine->scan(Bound::included("k"), Bound::unbounded());
    REQUIRE(iterator.is_valid());
    REQUIRE(iterator.key() == "k");
    engine->del("k");
    CHECK(iterator.value() == "old");  // never the tombstone, returned as if it were live
    iterator.next();
    REQUIRE(iterator.is_valid());
    CHECK(iterator.key() == "z");
    CHECK(iterator.value() == "3");
    iterator.next();
    CHECK_FALSE(iterator.is_valid());
    CHECK(scan_all(*engine) == Entries{{"a", "1"}, {"z", "3"}});
  }
  SECTION("positioned by next") {
    auto iterator = engine->scan(Bound::unbounded(), Bound::unbounded());
    iterator.next();
    REQUIRE(iterator.key() == "k");
    engine->del("k");
    engine->del("z");
    CHECK(iterator.value() == "old");
    // The memtable is read as the scan goes: z's delete came before the scan reached z, so z is
    // a tombstone by then and is skipped.
    iterator.next();
    CHECK_FALSE(iterator.is_valid());
    CHECK(scan_all(*engine) == Entries{{"a", "1"}});
  }
}
