// Week 1 day 7: blocks store each key relative to the block's first key (prefix compression).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "harness/catch.hpp"
#include "harness/collect.hpp"
#include "harness/temp_dir.hpp"
#include "mini_lsm/block.hpp"
#include "mini_lsm/error.hpp"
#include "mini_lsm/table.hpp"

using mini_lsm::Block;
using mini_lsm::BlockBuilder;
using mini_lsm::BlockIterator;
using mini_lsm::Corruption;
using mini_lsm::SsTable;
using mini_lsm::SsTableBuilder;
using mini_lsm::SsTableIterator;
using mini_lsm::testing::collect;
using mini_lsm::testing::Entries;
using mini_lsm::testing::TempDir;

namespace {

constexpr const char* kCompressHint =
    "week 1 day 7: BlockBuilder::add must store each key as overlap (u16) | rest_len (u16) | "
    "rest, relative to the block's first key, and Block::decode_entry must read it back";

// A key of a 64-byte shared prefix and 6 digits.
std::string long_key(int index) {
  std::string digits = std::to_string(index);
  return std::string(64, 'p') + std::string(6 - digits.size(), '0') + digits;
}

std::size_t common_prefix(const std::string& left, const std::string& right) {
  std::size_t length = 0;
  while (length < left.size() && length < right.size() && left[length] == right[length]) {
    ++length;
  }
  return length;
}

// The size of the entries (Block::data(), without offsets or anything after them) of a block
// of `entries` in the documented day-7 format: per entry
// overlap (u16) | rest_len (u16) | rest | value_len (u32) | value.
std::size_t day7_data_size(const Entries& entries) {
  std::size_t size = 0;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const std::size_t overlap = i == 0 ? 0 : common_prefix(entries[0].first, entries[i].first);
    size += 2 + 2 + (entries[i].first.size() - overlap) + 4 + entries[i].second.size();
  }
  return size;
}

std::size_t raw_size(const Entries& entries) {
  std::size_t size = 0;
  for (const auto& [key, value] : entries) {
    size += key.size() + value.size();
  }
  return size;
}

// Builds one block of `entries`, all of which must fit.
Block build_block(const Entries& entries, std::size_t block_size = 4096) {
  BlockBuilder builder(block_size);
  for (const auto& [key, value] : entries) {
    REQUIRE(builder.add(key, value));
  }
  return builder.build();
}

Entries block_entries(Block block) {
  auto iterator = BlockIterator::create_and_seek_to_first(std::make_shared<const Block>(block));
  return collect(iterator);
}

std::string seek_in(const Block& block, const std::string& key) {
  auto iterator = BlockIterator::create_and_seek_to_key(std::make_shared<const Block>(block), key);
  return iterator.is_valid() ? std::string(iterator.key()) : std::string("<end>");
}

void put_u16(std::string& out, std::uint16_t value) {
  out.push_back(static_cast<char>(value & 0xff));
  out.push_back(static_cast<char>(value >> 8));
}

void put_u32(std::string& out, std::uint32_t value) {
  for (int shift = 0; shift < 32; shift += 8) {
    out.push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

// One entry in the day-7 format.
void put_entry(std::string& out, std::uint16_t overlap, const std::string& rest,
               const std::string& value) {
  put_u16(out, overlap);
  put_u16(out, static_cast<std::uint16_t>(rest.size()));
  out += rest;
  put_u32(out, static_cast<std::uint32_t>(value.size()));
  out += value;
}

// The entries of a block, then its offsets and their number: the whole block as week 1 lays it
// out.
std::string week1_layout(const std::string& data, const std::vector<std::uint32_t>& offsets) {
  std::string bytes = data;
  for (const std::uint32_t offset : offsets) {
    put_u32(bytes, offset);
  }
  put_u32(bytes, static_cast<std::uint32_t>(offsets.size()));
  return bytes;
}

// True while blocks are encoded as week 1 documents them, so that bytes put together by hand
// are a valid block. A later format (week 2 day 7 adds checksums) makes hand-made bytes
// invalid; then only the checks that bad bytes are refused still apply to them.
bool hand_made_blocks_are_valid() {
  const Block block = build_block({{"a", "1"}, {"b", "2"}});
  return block.encode() == week1_layout(block.data(), block.offsets());
}

}  // namespace

TEST_CASE("an SST of keys with a 64-byte shared prefix is smaller than its keys and values",
          "[w1d7][prefix-compression]") {
  TempDir dir;
  Entries entries;
  SsTableBuilder builder(4096, 0);
  for (int i = 0; i < 1000; ++i) {
    entries.emplace_back(long_key(i), std::string(1, static_cast<char>('a' + i % 26)));
    builder.add(entries.back().first, entries.back().second);
  }
  const auto table = builder.build(1, nullptr, dir.path() / "1.sst");
  {
    INFO(kCompressHint);
    INFO("SST of " << table->file_size() << " bytes for " << raw_size(entries)
                   << " bytes of keys and values");
    CHECK(table->file_size() < raw_size(entries));  // 71000 bytes: impossible without compression
    CHECK(table->file_size() < raw_size(entries) / 2);
  }

  auto iterator = SsTableIterator::create_and_seek_to_first(table);
  CHECK(collect(iterator) == entries);
  int found = 0;
  int between = 0;
  for (int i = 0; i < 1000; i += 7) {
    auto seek = SsTableIterator::create_and_seek_to_key(table, long_key(i));
    found += seek.is_valid() && seek.key() == long_key(i) && seek.value() == entries[i].second;
    // Just after key i and before key i + 1.
    auto next = SsTableIterator::create_and_seek_to_key(table, long_key(i) + '\0');
    between += i + 1 < 1000 ? next.is_valid() && next.key() == long_key(i + 1) : !next.is_valid();
  }
  CHECK(found == 143);
  CHECK(between == 143);
}

TEST_CASE("a block of long-prefix keys is smaller than its keys and values and round-trips",
          "[w1d7][prefix-compression]") {
  BlockBuilder builder(4096);
  Entries entries;
  for (int i = 0; builder.add(long_key(i), "v"); ++i) {
    entries.emplace_back(long_key(i), "v");
  }
  {
    INFO(kCompressHint);
    INFO(entries.size() << " entries fit in a 4096-byte block");
    CHECK(builder.build().data().size() == day7_data_size(entries));
    CHECK(builder.encoded_size() < raw_size(entries));
    CHECK(entries.size() > 200);  // 4 + 15 + 4 bytes for every entry after the first
  }
  CHECK(builder.encoded_size() <= 4096);
  const Block block = builder.build();
  CHECK(block.encode().size() == builder.encoded_size());

  const Block decoded = Block::decode(block.encode());
  CHECK(decoded.num_entries() == entries.size());
  CHECK(block_entries(decoded) == entries);
  CHECK(decoded.entry(0).key == long_key(0));
  CHECK(decoded.entry(entries.size() - 1).key == entries.back().first);
  const int middle = static_cast<int>(entries.size()) / 2;
  CHECK(seek_in(decoded, long_key(middle)) == long_key(middle));
  CHECK(seek_in(decoded, long_key(middle) + '\0') == long_key(middle + 1));
  CHECK(seek_in(decoded, "") == long_key(0));
  CHECK(seek_in(decoded, std::string(64, 'p')) == long_key(0));  // a prefix of every key
  CHECK(seek_in(decoded, std::string(64, 'q')) == "<end>");
}

TEST_CASE("a block of long-prefix keys accepts an entry exactly when its compressed size fits",
          "[w1d7][prefix-compression]") {
  Entries entries;
  for (int i = 0; i < 6; ++i) {
    entries.emplace_back(long_key(i), "value" + std::to_string(i));
  }
  // The encoded size of a block of the first `count` entries: entries, one u32 offset each, and
  // the u32 count.
  const auto block_size_of = [&](std::size_t count) {
    const Entries first(entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(count));
    return day7_data_size(first) + 4 * count + 4;
  };
  INFO(kCompressHint);
  for (std::size_t count = 2; count <= entries.size(); ++count) {
    INFO(count << " entries");
    // Room for exactly `count` entries: every one of them is accepted.
    BlockBuilder exact(block_size_of(count));
    for (std::size_t i = 0; i < count; ++i) {
      REQUIRE(exact.add(entries[i].first, entries[i].second));
      CHECK(exact.encoded_size() == block_size_of(i + 1));
    }
    // One byte less: the last of them no longer fits.
    BlockBuilder short_by_one(block_size_of(count) - 1);
    for (std::size_t i = 0; i + 1 < count; ++i) {
      REQUIRE(short_by_one.add(entries[i].first, entries[i].second));
    }
    CHECK_FALSE(short_by_one.add(entries[count - 1].first, entries[count - 1].second));
    CHECK(short_by_one.encoded_size() == block_size_of(count - 1));
  }
}

TEST_CASE("keys that share nothing with the block's first key round-trip at the documented size",
          "[w1d7][prefix-compression]") {
  const std::string shared(60, 'q');
  // The later keys share a long prefix with each other but nothing with the first key: keys are
  // stored relative to the first key of the block, not to the previous key.
  const Entries entries{{"a", "1"},
                        {"b" + shared + "1", "2"},
                        {"b" + shared + "2", "3"},
                        {"c", "4"},
                        {std::string("\xff", 1), "5"}};
  const Block block = build_block(entries);
  {
    INFO(kCompressHint);
    CHECK(block.data().size() == day7_data_size(entries));
  }
  const Block decoded = Block::decode(block.encode());
  CHECK(block_entries(decoded) == entries);
  CHECK(seek_in(decoded, "b") == "b" + shared + "1");
  CHECK(seek_in(decoded, "b" + shared + "15") == "b" + shared + "2");
  CHECK(seek_in(decoded, "bz") == "c");
  CHECK(seek_in(decoded, "d") == std::string("\xff", 1));
}

TEST_CASE("an empty first key and keys that are prefixes of the next round-trip",
          "[w1d7][prefix-compression]") {
  const Entries from_empty{{"", "empty"}, {"a", "1"}, {"ab", "2"}, {"abc", "3"}};
  const Entries prefixes{{"abc", "0"}, {"abcd", "1"}, {"abcde", "2"}, {"abd", "3"}, {"b", "4"}};
  const Block first = build_block(from_empty);
  const Block second = build_block(prefixes);
  {
    INFO(kCompressHint);
    CHECK(first.data().size() == day7_data_size(from_empty));
    CHECK(second.data().size() == day7_data_size(prefixes));
  }
  const Block first_decoded = Block::decode(first.encode());
  const Block second_decoded = Block::decode(second.encode());
  CHECK(block_entries(first_decoded) == from_empty);
  CHECK(block_entries(second_decoded) == prefixes);
  CHECK(first_decoded.entry(0).key.empty());
  CHECK(seek_in(first_decoded, "") == "");
  CHECK(seek_in(first_decoded, "aa") == "ab");
  CHECK(seek_in(second_decoded, "abc") == "abc");
  CHECK(seek_in(second_decoded, "abcc") == "abcd");
  CHECK(seek_in(second_decoded, "abcdf") == "abd");
  CHECK(seek_in(second_decoded, "abcdea") == "abd");
  CHECK(seek_in(second_decoded, "c") == "<end>");

  // The same keys through an SST with tiny blocks: every block has its own first key.
  TempDir dir;
  SsTableBuilder builder(40, 0);
  Entries all = from_empty;
  all.insert(all.end(), prefixes.begin() + 1, prefixes.end());
  for (const auto& [key, value] : all) {
    builder.add(key, value);
  }
  const auto table = builder.build(1, nullptr, dir.path() / "1.sst");
  CHECK(table->num_blocks() > 2);
  auto iterator = SsTableIterator::create_and_seek_to_first(table);
  CHECK(collect(iterator) == all);
  auto seek = SsTableIterator::create_and_seek_to_key(table, "abcd");
  CHECK(collect(seek) == Entries{{"abcd", "1"}, {"abcde", "2"}, {"abd", "3"}, {"b", "4"}});
}

TEST_CASE("Block::decode reads the documented day-7 entry format and BlockBuilder writes it",
          "[w1d7][prefix-compression]") {
  // apple=1, applesauce=2 (shares 5 bytes with "apple"), apricot=3 (2), banana=4 (0).
  std::string bytes;
  std::vector<std::uint32_t> offsets;
  offsets.push_back(static_cast<std::uint32_t>(bytes.size()));
  put_entry(bytes, 0, "apple", "1");
  offsets.push_back(static_cast<std::uint32_t>(bytes.size()));
  put_entry(bytes, 5, "sauce", "2");
  offsets.push_back(static_cast<std::uint32_t>(bytes.size()));
  put_entry(bytes, 2, "ricot", "3");
  offsets.push_back(static_cast<std::uint32_t>(bytes.size()));
  put_entry(bytes, 0, "banana", "4");

  const Entries entries{{"apple", "1"}, {"applesauce", "2"}, {"apricot", "3"}, {"banana", "4"}};
  INFO(kCompressHint);
  const Block built = build_block(entries);
  CHECK(built.data() == bytes);
  CHECK(built.offsets() == offsets);
  const Block decoded =
      Block::decode(hand_made_blocks_are_valid() ? week1_layout(bytes, offsets) : built.encode());
  CHECK(decoded.num_entries() == 4);
  CHECK(block_entries(decoded) == entries);
  CHECK(decoded.entry(2).key == "apricot");
  CHECK(decoded.entry(2).value == "3");
}

TEST_CASE("Block::decode rejects an entry that shares more bytes than the first key has",
          "[w1d7][prefix-compression]") {
  std::string bytes;
  put_entry(bytes, 0, "abc", "1");
  const auto second = static_cast<std::uint32_t>(bytes.size());
  put_entry(bytes, 4, "d", "2");  // "abc" has only 3 bytes to share
  put_u32(bytes, 0);
  put_u32(bytes, second);
  put_u32(bytes, 2);

  INFO(kCompressHint);
  CHECK_THROWS_AS(Block::decode(bytes, "7.sst", 100), Corruption);

  std::string fixed;
  put_entry(fixed, 0, "abc", "1");
  put_entry(fixed, 3, "d", "2");
  put_u32(fixed, 0);
  put_u32(fixed, second);
  put_u32(fixed, 2);
  if (hand_made_blocks_are_valid()) {
    CHECK(block_entries(Block::decode(fixed)) == Entries{{"abc", "1"}, {"abcd", "2"}});
  }
}

TEST_CASE("Block::decode rejects bytes left over after an entry of the day-7 format",
          "[w1d7][prefix-compression]") {
  // "apple", then "apricot" and "avocado" stored as 2 and 1 bytes shared with it.
  const std::vector<std::pair<std::uint16_t, std::string>> stored{
      {0, "apple"}, {2, "ricot"}, {1, "vocado"}};
  const auto block_bytes = [&](std::optional<std::size_t> stray_after) {
    std::string data;
    std::vector<std::uint32_t> offsets;
    for (std::size_t i = 0; i < stored.size(); ++i) {
      offsets.push_back(static_cast<std::uint32_t>(data.size()));
      put_entry(data, stored[i].first, stored[i].second, "v" + std::to_string(i));
      if (stray_after == i) {
        data += "xx";
      }
    }
    return week1_layout(data, offsets);
  };
  INFO(kCompressHint);
  for (std::size_t index = 0; index < stored.size(); ++index) {
    INFO("two stray bytes after entry " << index);
    CHECK_THROWS_AS(Block::decode(block_bytes(index), "7.sst", 100), Corruption);
  }
  if (hand_made_blocks_are_valid()) {
    CHECK(block_entries(Block::decode(block_bytes(std::nullopt))) ==
          Entries{{"apple", "v0"}, {"apricot", "v1"}, {"avocado", "v2"}});
  }
}

TEST_CASE("a 1000-key SST with prefix compression round-trips every entry of every block",
          "[w1d7][prefix-compression][sst]") {
  std::mt19937 random(20240607);
  std::uniform_int_distribution<int> group(0, 3);
  std::uniform_int_distribution<int> number(0, 999999);
  std::uniform_int_distribution<int> value_length(1, 40);
  std::uniform_int_distribution<int> letter('a', 'z');
  std::set<std::string> keys;
  while (keys.size() < 1000) {
    keys.insert("tenant-" + std::to_string(group(random)) + "/" + std::string(50, 'x') + "/" +
                std::to_string(number(random)));
  }
  Entries entries;
  TempDir dir;
  SsTableBuilder builder(1024, 0);
  for (const std::string& key : keys) {
    std::string value;
    for (int n = value_length(random); n > 0; --n) {
      value.push_back(static_cast<char>(letter(random)));
    }
    entries.emplace_back(key, value);
    builder.add(key, value);
  }
  const auto table = builder.build(1, nullptr, dir.path() / "1.sst");
  REQUIRE(table->num_blocks() > 10);

  std::size_t next = 0;
  std::size_t blocks_at_day7_size = 0;
  for (std::size_t index = 0; index < table->num_blocks(); ++index) {
    const auto block = table->read_block(index);
    const Entries in_block = block_entries(*block);
    REQUIRE(!in_block.empty());
    REQUIRE(next + in_block.size() <= entries.size());
    CHECK(in_block ==
          Entries(entries.begin() + static_cast<std::ptrdiff_t>(next),
                  entries.begin() + static_cast<std::ptrdiff_t>(next + in_block.size())));
    CHECK(in_block.front().first == table->block_meta()[index].first_key);
    CHECK(in_block.back().first == table->block_meta()[index].last_key);
    CHECK(block_entries(Block::decode(block->encode())) == in_block);
    blocks_at_day7_size += block->data().size() == day7_data_size(in_block) ? 1 : 0;
    next += in_block.size();
  }
  CHECK(next == entries.size());
  {
    INFO(kCompressHint);
    CHECK(blocks_at_day7_size == table->num_blocks());
    CHECK(table->file_size() < raw_size(entries));
  }

  auto iterator = SsTableIterator::create_and_seek_to_first(table);
  CHECK(collect(iterator) == entries);
  int found = 0;
  for (std::size_t i = 0; i < entries.size(); i += 13) {
    auto seek = SsTableIterator::create_and_seek_to_key(table, entries[i].first);
    found += seek.is_valid() && seek.key() == entries[i].first && seek.value() == entries[i].second;
  }
  CHECK(found == 77);
}

TEST_CASE("Block::decode rejects a first entry that claims to share bytes with a first key",
          "[w1d7][prefix-compression]") {
  // The first entry is the first key: there is nothing before it to share bytes with.
  const auto encode = [](const std::vector<std::pair<std::uint16_t, std::string>>& keys) {
    std::string bytes;
    std::vector<std::uint32_t> offsets;
    for (const auto& [overlap, rest] : keys) {
      offsets.push_back(static_cast<std::uint32_t>(bytes.size()));
      put_entry(bytes, overlap, rest, "v");
    }
    for (const std::uint32_t offset : offsets) {
      put_u32(bytes, offset);
    }
    put_u32(bytes, static_cast<std::uint32_t>(offsets.size()));
    return bytes;
  };
  INFO(kCompressHint);
  for (const auto& keys : std::vector<std::vector<std::pair<std::uint16_t, std::string>>>{
           {{1, "abc"}},            // alone
           {{1, "abc"}, {0, "b"}},  // followed by a valid entry
           {{3, ""}, {0, "zz"}},    // a first key made of nothing but shared bytes
           {{0, ""}, {1, "a"}},     // an empty first key, and an entry sharing a byte of it
       }) {
    INFO("first entry overlap " << keys[0].first << ", " << keys.size() << " entries");
    try {
      Block::decode(encode(keys), "7.sst", 100);
      FAIL("Block::decode accepted an entry sharing bytes the first key does not have");
    } catch (const Corruption& error) {
      CHECK(error.file() == "7.sst");
      CHECK(error.offset() >= 100);
    }
  }
  if (hand_made_blocks_are_valid()) {
    CHECK(block_entries(Block::decode(encode({{0, "abc"}, {2, "d"}}))) ==
          Entries{{"abc", "v"}, {"abd", "v"}});
  }
}
