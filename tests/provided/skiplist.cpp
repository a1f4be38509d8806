// The skiplist is provided with the course; these tests pin down the contract the memtable
// relies on. They pass at every checkpoint.

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "harness/catch.hpp"
#include "harness/collect.hpp"
#include "mini_lsm/skiplist.hpp"

using mini_lsm::SkipList;
using mini_lsm::testing::numbered_key;

namespace {

std::vector<std::string> keys_in_order(const SkipList& map) {
  std::vector<std::string> keys;
  for (auto it = map.begin(); it.valid(); it.next()) {
    keys.emplace_back(it.key());
  }
  return keys;
}

}  // namespace

TEST_CASE("skiplist keeps keys sorted byte by byte, unsigned", "[provided][skiplist]") {
  SkipList map;
  map.insert("b", "2");
  map.insert(std::string("\xff", 1), "high");
  map.insert("", "empty key");
  map.insert(std::string("a\0b", 3), "nul inside");
  map.insert("a", "1");

  CHECK(keys_in_order(map) ==
        std::vector<std::string>{"", "a", std::string("a\0b", 3), "b", std::string("\xff", 1)});
  CHECK(map.size() == 5);
}

TEST_CASE("skiplist insert replaces the value of an existing key", "[provided][skiplist]") {
  SkipList map;
  CHECK(map.insert("k", "old"));
  CHECK_FALSE(map.insert("k", "new"));
  CHECK(map.find("k") == std::optional<std::string_view>("new"));
  CHECK(map.size() == 1);
  CHECK(map.find("missing") == std::nullopt);
}

TEST_CASE("skiplist seek lands on the first key at or after the target", "[provided][skiplist]") {
  SkipList map;
  for (const char* key : {"b", "d", "f"}) {
    map.insert(key, key);
  }
  CHECK(map.seek("a").key() == "b");
  CHECK(map.seek("d").key() == "d");
  CHECK(map.seek("e").key() == "f");
  CHECK_FALSE(map.seek("g").valid());
}

TEST_CASE("skiplist iterators see a consistent sorted map while a writer inserts",
          "[provided][skiplist][concurrency]") {
  SkipList map;
  constexpr int kKeys = 5000;
  std::jthread writer([&map] {
    for (int i = 0; i < kKeys; ++i) {
      map.insert(numbered_key((i * 7919) % kKeys), "v");
    }
  });
  // Readers must always see a sorted sequence, whatever the writer is doing.
  for (int pass = 0; pass < 50; ++pass) {
    const std::vector<std::string> keys = keys_in_order(map);
    REQUIRE(std::is_sorted(keys.begin(), keys.end()));
    REQUIRE(std::adjacent_find(keys.begin(), keys.end()) == keys.end());
  }
  writer.join();
  CHECK(map.size() == kKeys);
  CHECK(keys_in_order(map).size() == kKeys);
}
