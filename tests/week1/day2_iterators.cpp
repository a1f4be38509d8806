// Week 1 day 2: the merge, engine and fused iterators on their own, over fixed data.

#include <map>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "harness/catch.hpp"
#include "harness/collect.hpp"
#include "harness/vector_iterator.hpp"
#include "mini_lsm/bound.hpp"
#include "mini_lsm/error.hpp"
#include "mini_lsm/lsm_iterator.hpp"
#include "mini_lsm/merge_iterator.hpp"

using mini_lsm::Bound;
using mini_lsm::FusedIterator;
using mini_lsm::InvalidArgument;
using mini_lsm::LsmIterator;
using mini_lsm::MergeIterator;
using mini_lsm::StorageIterator;
using mini_lsm::testing::collect;
using mini_lsm::testing::Entries;
using mini_lsm::testing::ReusingKeyIterator;
using mini_lsm::testing::ThrowingIterator;
using mini_lsm::testing::VectorIterator;

namespace {

using Sources = std::vector<std::unique_ptr<StorageIterator>>;

std::unique_ptr<StorageIterator> source(Entries entries) {
  return std::make_unique<VectorIterator>(std::move(entries));
}

// sources[0] is the newest.
std::unique_ptr<MergeIterator> merge(std::vector<Entries> sources) {
  Sources iterators;
  for (auto& entries : sources) {
    iterators.push_back(source(std::move(entries)));
  }
  return std::make_unique<MergeIterator>(std::move(iterators));
}

// A source whose next() moves on to the next entry and then throws: its read failed after it
// had already given up its position, so after the error it may be at its end.
class MovesThenThrowsIterator final : public VectorIterator {
 public:
  using VectorIterator::VectorIterator;

  void next() override {
    VectorIterator::next();
    throw std::runtime_error("failed after moving");
  }
};

// Appends the keys of `iterator` to `seen` until it ends or its next() throws.
void drain_keys(StorageIterator& iterator, std::vector<std::string>& seen) {
  for (; iterator.is_valid(); iterator.next()) {
    seen.emplace_back(iterator.key());
  }
}

}  // namespace

TEST_CASE("merge iterator interleaves sorted sources into one sorted stream", "[w1d2][merge]") {
  auto merged = merge({{{"a", "1"}, {"d", "4"}, {"g", "7"}},
                       {{"b", "2"}, {"e", "5"}},
                       {{"c", "3"}, {"f", "6"}, {"h", "8"}, {"i", "9"}}});

  CHECK(collect(*merged) == Entries{{"a", "1"},
                                    {"b", "2"},
                                    {"c", "3"},
                                    {"d", "4"},
                                    {"e", "5"},
                                    {"f", "6"},
                                    {"g", "7"},
                                    {"h", "8"},
                                    {"i", "9"}});
  CHECK_FALSE(merged->is_valid());
}

TEST_CASE("merge iterator returns the newest source's entry and skips older duplicates",
          "[w1d2][merge]") {
  // Every source holds "k"; "b" sits in the middle of sources 1 and 2.
  auto merged = merge({{{"b", "newest"}, {"k", "k0"}},
                       {{"a", "1"}, {"b", "older"}, {"c", "3"}, {"k", "k1"}},
                       {{"b", "oldest"}, {"d", "4"}, {"k", "k2"}},
                       {{"k", "k3"}},
                       {{"k", "k4"}, {"z", "26"}}});

  CHECK(collect(*merged) ==
        Entries{{"a", "1"}, {"b", "newest"}, {"c", "3"}, {"d", "4"}, {"k", "k0"}, {"z", "26"}});
}

TEST_CASE("merge iterator picks the newest source among many that overlap at random",
          "[w1d2][merge]") {
  // 12 sources over a small key space, so most keys are held by several sources at once.
  std::mt19937 random(20240602);
  constexpr int kSources = 12;
  std::vector<Entries> sources(kSources);
  std::map<std::string, std::string> expected;
  for (int s = kSources - 1; s >= 0; --s) {  // oldest first: a newer source overwrites
    std::map<std::string, std::string> entries;
    for (int n = 0; n < 40; ++n) {
      const std::string key = "key" + std::to_string(100 + random() % 60);
      entries[key] = "source" + std::to_string(s) + "-" + key;
    }
    for (const auto& [key, value] : entries) {
      sources[s].emplace_back(key, value);
      expected[key] = value;
    }
  }

  auto merged = merge(std::move(sources));
  CHECK(collect(*merged) == Entries(expected.begin(), expected.end()));
}

TEST_CASE("merge iterator returns tombstones like any other value", "[w1d2][merge]") {
  auto merged = merge({{{"a", ""}, {"c", "3"}},  //
                       {{"a", "old"}, {"b", ""}}});

  CHECK(collect(*merged) == Entries{{"a", ""}, {"b", ""}, {"c", "3"}});
}

TEST_CASE("merge iterator skips empty sources", "[w1d2][merge]") {
  auto merged = merge({{}, {{"b", "2"}}, {}, {}, {{"a", "1"}, {"c", "3"}}, {}});

  REQUIRE(merged->is_valid());
  CHECK(merged->num_active_iterators() == 2);
  CHECK(collect(*merged) == Entries{{"a", "1"}, {"b", "2"}, {"c", "3"}});
}

TEST_CASE("merge iterator over only empty sources is invalid at once", "[w1d2][merge]") {
  auto merged = merge({{}, {}, {}});

  CHECK_FALSE(merged->is_valid());
  CHECK(merged->num_active_iterators() == 0);
  CHECK(collect(*merged).empty());
}

TEST_CASE("merge iterator over zero sources is invalid at once", "[w1d2][merge]") {
  MergeIterator merged{Sources{}};

  CHECK_FALSE(merged.is_valid());
  CHECK(merged.num_active_iterators() == 0);
}

TEST_CASE("merge iterator counts the sources still positioned on data", "[w1d2][merge]") {
  auto merged = merge({{{"a", "1"}, {"d", "4"}},  //
                       {{"a", "old"}},
                       {{"b", "2"}, {"c", "3"}, {"e", "5"}}});

  CHECK(merged->num_active_iterators() == 3);
  merged->next();  // past "a": the second source had only "a", so it is done
  REQUIRE(merged->key() == "b");
  CHECK(merged->num_active_iterators() == 2);
  merged->next();  // c
  merged->next();  // d
  REQUIRE(merged->key() == "d");
  CHECK(merged->num_active_iterators() == 2);
  merged->next();  // e: the first source is done
  REQUIRE(merged->key() == "e");
  CHECK(merged->num_active_iterators() == 1);
  merged->next();
  CHECK_FALSE(merged->is_valid());
  CHECK(merged->num_active_iterators() == 0);
}

TEST_CASE("merge iterator lets an exception of a source's next propagate", "[w1d2][merge][error]") {
  Sources sources;
  sources.push_back(source({{"b", "2"}}));
  // Throws on its second next(): when the merge moves past "c".
  sources.push_back(std::make_unique<ThrowingIterator>(Entries{{"a", "1"}, {"c", "3"}}, 1));
  MergeIterator merged(std::move(sources));

  std::vector<std::string> seen;
  CHECK_THROWS_WITH(drain_keys(merged, seen), "disk on fire");
  CHECK(seen == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("merge iterator lets an exception propagate while it skips an older duplicate",
          "[w1d2][merge][error]") {
  Sources sources;
  sources.push_back(source({{"a", "1"}, {"b", "new"}, {"c", "3"}}));
  // The older source holds "b" too; skipping it calls its next(), which throws.
  sources.push_back(std::make_unique<ThrowingIterator>(Entries{{"b", "old"}, {"d", "4"}}, 0));
  MergeIterator merged(std::move(sources));

  std::vector<std::string> seen;
  CHECK_THROWS_AS(drain_keys(merged, seen), std::runtime_error);
  REQUIRE_FALSE(seen.empty());
  CHECK(seen.front() == "a");
  CHECK(seen.size() <= 2);  // the error comes before the merge reaches "c"
}

TEST_CASE("merge iterator drops a source whose throwing next() left it at its end",
          "[w1d2][merge][error]") {
  Sources sources;
  // Holds only "a": moving past it reaches the end, and then next() throws.
  sources.push_back(std::make_unique<MovesThenThrowsIterator>(Entries{{"a", "1"}}));
  sources.push_back(source({{"b", "2"}}));
  MergeIterator merged(std::move(sources));
  REQUIRE(merged.key() == "a");
  REQUIRE(merged.num_active_iterators() == 2);

  CHECK_THROWS_WITH(merged.next(), "failed after moving");
  // The exhausted source is out of the merge: only "b" is left.
  REQUIRE(merged.is_valid());
  CHECK(merged.num_active_iterators() == 1);
  CHECK(merged.key() == "b");
  CHECK(merged.value() == "2");
  merged.next();
  CHECK_FALSE(merged.is_valid());
  CHECK(merged.num_active_iterators() == 0);
}

TEST_CASE("lsm iterator skips tombstones, including runs at the start and at the end",
          "[w1d2][lsm-iterator]") {
  LsmIterator iterator(source({{"a", ""},
                               {"b", ""},
                               {"c", "3"},
                               {"d", ""},
                               {"e", ""},
                               {"f", "6"},
                               {"g", "7"},
                               {"h", ""},
                               {"i", ""}}),
                       Bound::unbounded());

  REQUIRE(iterator.is_valid());
  CHECK(iterator.key() == "c");
  CHECK(collect(iterator) == Entries{{"c", "3"}, {"f", "6"}, {"g", "7"}});
  CHECK_FALSE(iterator.is_valid());
}

TEST_CASE("lsm iterator over nothing but tombstones is invalid at once", "[w1d2][lsm-iterator]") {
  LsmIterator iterator(source({{"a", ""}, {"b", ""}, {"c", ""}}), Bound::unbounded());
  CHECK_FALSE(iterator.is_valid());

  LsmIterator empty(source({}), Bound::unbounded());
  CHECK_FALSE(empty.is_valid());
}

TEST_CASE("lsm iterator hides a key whose newest source holds a tombstone",
          "[w1d2][lsm-iterator]") {
  Sources sources;
  sources.push_back(source({{"b", ""}, {"d", ""}}));
  sources.push_back(source({{"a", "1"}, {"b", "2"}, {"c", "3"}}));
  sources.push_back(source({{"d", "4"}, {"e", "5"}}));
  LsmIterator iterator(std::make_unique<MergeIterator>(std::move(sources)), Bound::unbounded());

  CHECK(collect(iterator) == Entries{{"a", "1"}, {"c", "3"}, {"e", "5"}});
}

TEST_CASE("lsm iterator stops at an included or excluded upper bound", "[w1d2][lsm-iterator]") {
  const Entries data{{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}};

  LsmIterator included(source(data), Bound::included("c"));
  CHECK(collect(included) == Entries{{"a", "1"}, {"b", "2"}, {"c", "3"}});

  LsmIterator excluded(source(data), Bound::excluded("c"));
  CHECK(collect(excluded) == Entries{{"a", "1"}, {"b", "2"}});

  // Bounds on keys that are not there.
  LsmIterator between_included(source(data), Bound::included("bb"));
  CHECK(collect(between_included) == Entries{{"a", "1"}, {"b", "2"}});
  LsmIterator between_excluded(source(data), Bound::excluded("bb"));
  CHECK(collect(between_excluded) == Entries{{"a", "1"}, {"b", "2"}});

  LsmIterator below_everything(source(data), Bound::included("0"));
  CHECK_FALSE(below_everything.is_valid());
  LsmIterator first_excluded(source(data), Bound::excluded("a"));
  CHECK_FALSE(first_excluded.is_valid());
  LsmIterator above_everything(source(data), Bound::excluded("z"));
  CHECK(collect(above_everything) == data);
}

TEST_CASE("lsm iterator does not pass its upper bound while it skips tombstones",
          "[w1d2][lsm-iterator]") {
  const Entries data{{"a", "1"}, {"b", ""}, {"c", ""}, {"d", "4"}};

  LsmIterator included(source(data), Bound::included("c"));
  CHECK(collect(included) == Entries{{"a", "1"}});

  LsmIterator only_tombstones_below(source(data), Bound::excluded("d"));
  only_tombstones_below.next();  // from "a" across "b" and "c" to the bound
  CHECK_FALSE(only_tombstones_below.is_valid());

  LsmIterator starts_on_tombstones(source({{"b", ""}, {"c", ""}, {"d", "4"}}),
                                   Bound::included("c"));
  CHECK_FALSE(starts_on_tombstones.is_valid());
}

TEST_CASE("lsm iterator does not advance its source past the upper bound to skip tombstones",
          "[w1d2][lsm-iterator]") {
  // Both sources throw when moved off "b", the tombstone just past the bound: an iterator that
  // skipped tombstones beyond its bound would read on, and so throw.
  SECTION("when next() reaches the bound") {
    LsmIterator iterator(
        std::make_unique<ThrowingIterator>(Entries{{"a", "1"}, {"b", ""}, {"c", "3"}}, 1),
        Bound::included("a"));
    REQUIRE(iterator.key() == "a");
    CHECK_NOTHROW(iterator.next());
    CHECK_FALSE(iterator.is_valid());
  }
  SECTION("when the first entry is already past the bound") {
    std::unique_ptr<LsmIterator> iterator;
    CHECK_NOTHROW(iterator = std::make_unique<LsmIterator>(
                      std::make_unique<ThrowingIterator>(Entries{{"b", ""}, {"c", "3"}}, 0),
                      Bound::excluded("b")));
    REQUIRE(iterator);
    CHECK_FALSE(iterator->is_valid());
  }
}

TEST_CASE("lsm iterator bound compares keys byte by byte, NUL and 0xff included",
          "[w1d2][lsm-iterator]") {
  const std::string b_nul("b\0", 2);
  const std::string b_high("b\xff", 2);
  const Entries data{{"b", "1"}, {b_nul, "2"}, {b_high, "3"}, {"c", "4"}};

  LsmIterator included_b(source(data), Bound::included("b"));
  CHECK(collect(included_b) == Entries{{"b", "1"}});

  LsmIterator excluded_b_high(source(data), Bound::excluded(b_high));
  CHECK(collect(excluded_b_high) == Entries{{"b", "1"}, {b_nul, "2"}});

  LsmIterator included_b_high(source(data), Bound::included(b_high));
  CHECK(collect(included_b_high) == Entries{{"b", "1"}, {b_nul, "2"}, {b_high, "3"}});

  // The empty key is a bound like any other, not "unbounded".
  const Entries with_empty_key{{"", "empty"}, {"a", "1"}};
  LsmIterator included_empty(source(with_empty_key), Bound::included(""));
  CHECK(collect(included_empty) == Entries{{"", "empty"}});
  LsmIterator excluded_empty(source(with_empty_key), Bound::excluded(""));
  CHECK_FALSE(excluded_empty.is_valid());
}

TEST_CASE("fused iterator passes entries through until the end", "[w1d2][fused]") {
  FusedIterator fused(source({{"a", "1"}, {"b", ""}, {"c", "3"}}));

  CHECK(collect(fused) == Entries{{"a", "1"}, {"b", ""}, {"c", "3"}});
}

TEST_CASE("fused iterator stays safely invalid after the end", "[w1d2][fused]") {
  // The inner iterator throws if next() is called on it once it is past its only entry.
  FusedIterator fused(std::make_unique<ThrowingIterator>(Entries{{"a", "1"}}, 1));
  REQUIRE(fused.is_valid());
  CHECK(fused.key() == "a");
  CHECK(fused.value() == "1");

  fused.next();
  CHECK_FALSE(fused.is_valid());
  CHECK_NOTHROW(fused.next());  // a no-op: the inner iterator is not moved again
  CHECK_NOTHROW(fused.next());
  CHECK_FALSE(fused.is_valid());
  CHECK_THROWS_AS(fused.key(), InvalidArgument);
  CHECK_THROWS_AS(fused.value(), InvalidArgument);
}

TEST_CASE("fused iterator over an empty source refuses key and value", "[w1d2][fused]") {
  FusedIterator fused(source({}));

  CHECK_FALSE(fused.is_valid());
  CHECK_NOTHROW(fused.next());
  CHECK_FALSE(fused.is_valid());
  CHECK_THROWS_AS(fused.key(), InvalidArgument);
  CHECK_THROWS_AS(fused.value(), InvalidArgument);
}

TEST_CASE("fused iterator rethrows the inner error on every later next", "[w1d2][fused][error]") {
  // The inner iterator throws once, on its first next(); called again it would move on to "b".
  FusedIterator fused(std::make_unique<ThrowingIterator>(Entries{{"a", "1"}, {"b", "2"}}, 0));
  REQUIRE(fused.key() == "a");

  CHECK_THROWS_WITH(fused.next(), "disk on fire");
  CHECK_FALSE(fused.is_valid());
  CHECK_THROWS_WITH(fused.next(), "disk on fire");
  CHECK_THROWS_AS(fused.next(), std::runtime_error);
  CHECK_FALSE(fused.is_valid());
  CHECK_THROWS_AS(fused.key(), InvalidArgument);
  CHECK_THROWS_AS(fused.value(), InvalidArgument);
}

TEST_CASE("fused iterator over a merge whose source throws stays invalid and rethrows",
          "[w1d2][fused][error]") {
  Sources sources;
  sources.push_back(source({{"a", "1"}, {"c", "3"}}));
  sources.push_back(std::make_unique<ThrowingIterator>(Entries{{"b", "2"}, {"d", "4"}}, 0));
  FusedIterator fused(std::make_unique<MergeIterator>(std::move(sources)));

  REQUIRE(fused.key() == "a");
  fused.next();
  REQUIRE(fused.key() == "b");
  CHECK_THROWS_WITH(fused.next(), "disk on fire");  // the merge moves the throwing source
  CHECK_FALSE(fused.is_valid());
  CHECK_THROWS_WITH(fused.next(), "disk on fire");
  CHECK_THROWS_WITH(fused.next(), "disk on fire");
  CHECK_FALSE(fused.is_valid());
  CHECK_THROWS_AS(fused.key(), InvalidArgument);
}

TEST_CASE("merge iterator copies the current key before it advances sources that reuse its bytes",
          "[w1d2][merge]") {
  // Each source overwrites its key buffer on next(). A merge that keeps a string_view of the
  // current key while it advances the newest source compares the older sources against that
  // source's next key, and so returns an older duplicate as a key of its own.
  Sources sources;
  sources.push_back(std::make_unique<ReusingKeyIterator>(Entries{{"a", "new a"}, {"c", "c"}}));
  sources.push_back(
      std::make_unique<ReusingKeyIterator>(Entries{{"a", "old a"}, {"b", "b"}, {"c", "old c"}}));
  sources.push_back(std::make_unique<ReusingKeyIterator>(Entries{{"a", "oldest a"}, {"d", "d"}}));
  MergeIterator merged(std::move(sources));
  CHECK(collect(merged) == Entries{{"a", "new a"}, {"b", "b"}, {"c", "c"}, {"d", "d"}});
}
