// Week 2 day 1: SstConcatIterator reads a sorted run of SSTs as if it were one.

#include <map>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/catch.hpp"
#include "harness/collect.hpp"
#include "harness/temp_dir.hpp"
#include "mini_lsm/concat_iterator.hpp"
#include "mini_lsm/error.hpp"
#include "mini_lsm/table.hpp"

using mini_lsm::SsTable;
using mini_lsm::SsTableBuilder;
using mini_lsm::SstConcatIterator;
using mini_lsm::testing::collect;
using mini_lsm::testing::Entries;
using mini_lsm::testing::numbered_key;
using mini_lsm::testing::TempDir;

namespace {

using Run = std::vector<std::shared_ptr<const SsTable>>;

// Builds SST `id` in `dir` from `entries` (in key order), with small blocks so that an SST has
// several of them.
std::shared_ptr<const SsTable> build_sst(const TempDir& dir, std::size_t id,
                                         const Entries& entries) {
  SsTableBuilder builder(64);
  for (const auto& [key, value] : entries) {
    builder.add(key, value);
  }
  return builder.build(id, nullptr, dir.path() / (std::to_string(id) + ".sst"));
}

// Entries "key000<first>".."key000<last>" with value "v<index>".
Entries numbered_entries(int first, int last) {
  Entries entries;
  for (int index = first; index <= last; ++index) {
    entries.emplace_back(numbered_key(index), "v" + std::to_string(index));
  }
  return entries;
}

// Three SSTs: keys 0..9, 20..29 and 40..49 (gaps between them, so seeks can land in a gap).
Run three_sst_run(const TempDir& dir) {
  return {build_sst(dir, 1, numbered_entries(0, 9)), build_sst(dir, 2, numbered_entries(20, 29)),
          build_sst(dir, 3, numbered_entries(40, 49))};
}

Entries concat(const Entries& a, const Entries& b) {
  Entries all = a;
  all.insert(all.end(), b.begin(), b.end());
  return all;
}

}  // namespace

TEST_CASE("a concat iterator over no SST is invalid from the start", "[w2d1][concat]") {
  auto first = SstConcatIterator::create_and_seek_to_first({});
  CHECK_FALSE(first.is_valid());
  auto seeked = SstConcatIterator::create_and_seek_to_key({}, "a");
  CHECK_FALSE(seeked.is_valid());
}

TEST_CASE("a concat iterator yields every entry of every SST of the run, in key order",
          "[w2d1][concat]") {
  TempDir dir;
  auto iterator = SstConcatIterator::create_and_seek_to_first(three_sst_run(dir));
  CHECK(collect(iterator) ==
        concat(concat(numbered_entries(0, 9), numbered_entries(20, 29)), numbered_entries(40, 49)));
}

TEST_CASE("a concat iterator over one SST is that SST", "[w2d1][concat]") {
  TempDir dir;
  auto iterator =
      SstConcatIterator::create_and_seek_to_first({build_sst(dir, 7, {{"only", "one"}})});
  CHECK(collect(iterator) == Entries{{"only", "one"}});
}

TEST_CASE(
    "seeking a concat iterator lands on the first key >= the target in whichever SST holds it",
    "[w2d1][concat]") {
  TempDir dir;
  const Run run = three_sst_run(dir);
  const auto first_key_after = [&](const std::string& target) {
    auto iterator = SstConcatIterator::create_and_seek_to_key(run, target);
    return iterator.is_valid() ? std::string(iterator.key()) : std::string("(end)");
  };
  CHECK(first_key_after("") == numbered_key(0));               // before the run
  CHECK(first_key_after(numbered_key(0)) == numbered_key(0));  // the very first key
  CHECK(first_key_after(numbered_key(5)) == numbered_key(5));  // inside the first SST
  CHECK(first_key_after(numbered_key(9)) == numbered_key(9));  // the last key of an SST
  // In the gap after the first SST: the next SST's first key.
  CHECK(first_key_after(numbered_key(10)) == numbered_key(20));
  CHECK(first_key_after(numbered_key(9) + "\x01") == numbered_key(20));
  CHECK(first_key_after(numbered_key(35)) == numbered_key(40));  // the gap before the last SST
  CHECK(first_key_after(numbered_key(49)) == numbered_key(49));  // the last key of the run
  CHECK(first_key_after(numbered_key(50)) == "(end)");           // past the run
  CHECK(first_key_after("zzz") == "(end)");
}

TEST_CASE("a seeked concat iterator goes on across the SST boundaries to the end of the run",
          "[w2d1][concat]") {
  TempDir dir;
  auto iterator = SstConcatIterator::create_and_seek_to_key(three_sst_run(dir), numbered_key(27));
  CHECK(collect(iterator) == concat(numbered_entries(27, 29), numbered_entries(40, 49)));
}

TEST_CASE("a concat iterator hands out tombstones as empty values", "[w2d1][concat]") {
  TempDir dir;
  const Run run = {build_sst(dir, 1, {{"a", ""}, {"b", "2"}}), build_sst(dir, 2, {{"c", ""}})};
  auto iterator = SstConcatIterator::create_and_seek_to_first(run);
  CHECK(collect(iterator) == Entries{{"a", ""}, {"b", "2"}, {"c", ""}});
}

TEST_CASE("a concat iterator opens the next SST only when the one before is used up",
          "[w2d1][concat]") {
  // The second SST exists as metadata only: reading any block of it throws. So the iterator may
  // look at its key range, but must not open it before the first SST runs out.
  TempDir dir;
  const Run run = {build_sst(dir, 1, numbered_entries(0, 2)),
                   SsTable::create_meta_only(2, 4096, numbered_key(10), numbered_key(19))};
  auto iterator = SstConcatIterator::create_and_seek_to_first(run);
  Entries seen;
  for (int step = 0; step < 3; ++step) {
    REQUIRE(iterator.is_valid());
    seen.emplace_back(std::string(iterator.key()), std::string(iterator.value()));
    if (step < 2) {
      iterator.next();
    }
  }
  CHECK(seen == numbered_entries(0, 2));
  CHECK_THROWS_AS(iterator.next(), mini_lsm::InvalidArgument);  // now it opens SST 2
}

TEST_CASE("seeking a concat iterator reads only the SST that can hold the target",
          "[w2d1][concat]") {
  TempDir dir;
  const Run run = {SsTable::create_meta_only(1, 4096, numbered_key(0), numbered_key(9)),
                   build_sst(dir, 2, numbered_entries(20, 29)),
                   SsTable::create_meta_only(3, 4096, numbered_key(40), numbered_key(49))};
  auto iterator = SstConcatIterator::create_and_seek_to_key(run, numbered_key(25));
  REQUIRE(iterator.is_valid());
  CHECK(iterator.key() == numbered_key(25));
  CHECK(iterator.value() == "v25");
}

TEST_CASE("a concat iterator refuses SSTs that are not a sorted run", "[w2d1][concat]") {
  TempDir dir;
  const auto low = build_sst(dir, 1, numbered_entries(0, 9));
  const auto high = build_sst(dir, 2, numbered_entries(20, 29));
  const auto overlapping = build_sst(dir, 3, numbered_entries(9, 12));  // shares key 9 with `low`
  CHECK_THROWS_AS(SstConcatIterator::create_and_seek_to_first({high, low}),
                  mini_lsm::InvalidArgument);
  CHECK_THROWS_AS(SstConcatIterator::create_and_seek_to_first({low, overlapping}),
                  mini_lsm::InvalidArgument);
  CHECK_THROWS_AS(SstConcatIterator::create_and_seek_to_key({high, low}, numbered_key(5)),
                  mini_lsm::InvalidArgument);
}

TEST_CASE("seeks into a random run of 30 SSTs agree with std::map::lower_bound", "[w2d1][concat]") {
  TempDir dir;
  std::mt19937 random(2024);
  std::map<std::string, std::string> model;
  Run run;
  int next_key = 0;
  for (std::size_t id = 1; id <= 30; ++id) {
    Entries entries;
    const int count = 1 + static_cast<int>(random() % 20);
    for (int index = 0; index < count; ++index) {
      next_key += 1 + static_cast<int>(random() % 3);  // gaps of 0..2 missing keys
      const std::string key = numbered_key(next_key);
      entries.emplace_back(key, "value of " + key);
      model[key] = "value of " + key;
    }
    run.push_back(build_sst(dir, id, entries));
  }
  for (int target = -1; target <= next_key + 1; ++target) {
    const std::string key = target < 0 ? std::string() : numbered_key(target);
    INFO("seek to '" << key << "'");
    auto iterator = SstConcatIterator::create_and_seek_to_key(run, key);
    const auto expected = model.lower_bound(key);
    if (expected == model.end()) {
      CHECK_FALSE(iterator.is_valid());
    } else {
      REQUIRE(iterator.is_valid());
      CHECK(iterator.key() == expected->first);
      CHECK(iterator.value() == expected->second);
    }
  }
}
