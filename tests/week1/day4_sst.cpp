// Week 1 day 4: building, opening, iterating and seeking SSTs, and their block metadata.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "harness/catch.hpp"
#include "harness/collect.hpp"
#include "harness/model.hpp"
#include "harness/temp_dir.hpp"
#include "mini_lsm/block.hpp"
#include "mini_lsm/error.hpp"
#include "mini_lsm/file.hpp"
#include "mini_lsm/table.hpp"

using mini_lsm::Block;
using mini_lsm::BlockBuilder;
using mini_lsm::BlockIterator;
using mini_lsm::BlockMeta;
using mini_lsm::Corruption;
using mini_lsm::FileObject;
using mini_lsm::IoError;
using mini_lsm::SsTable;
using mini_lsm::SsTableBuilder;
using mini_lsm::SsTableIterator;
using mini_lsm::testing::collect;
using mini_lsm::testing::Entries;
using mini_lsm::testing::numbered_key;
using mini_lsm::testing::TempDir;

namespace {

// Entries key000000.., each with a value of `value_size` bytes that names its key.
Entries numbered_entries(int count, std::size_t value_size, int step = 1) {
  Entries entries;
  for (int i = 0; i < count; ++i) {
    std::string value = "v" + std::to_string(i * step) + "-";
    value.resize(value_size, static_cast<char>('a' + i % 26));
    entries.emplace_back(numbered_key(i * step), value);
  }
  return entries;
}

std::shared_ptr<SsTable> build_table(const std::filesystem::path& path, const Entries& entries,
                                     std::size_t block_size, std::size_t id = 1) {
  SsTableBuilder builder(block_size);
  for (const auto& [key, value] : entries) {
    builder.add(key, value);
  }
  return builder.build(id, nullptr, path);
}

Entries block_entries(const Block& block) {
  auto iterator = BlockIterator::create_and_seek_to_first(std::make_shared<const Block>(block));
  return collect(iterator);
}

Entries table_entries(const std::shared_ptr<SsTable>& table) {
  auto iterator = SsTableIterator::create_and_seek_to_first(table);
  return collect(iterator);
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

}  // namespace

TEST_CASE("sst build returns an open table that reads back every entry in order", "[w1d4][sst]") {
  TempDir dir;
  const Entries entries = numbered_entries(300, 40);
  auto table = build_table(dir.path() / "7.sst", entries, 256, 7);

  CHECK(table->id() == 7);
  CHECK(table->num_blocks() > 1);
  CHECK(table->first_key() == entries.front().first);
  CHECK(table->last_key() == entries.back().first);
  CHECK(table->file_size() == std::filesystem::file_size(dir.path() / "7.sst"));
  CHECK(table_entries(table) == entries);
}

TEST_CASE("sst opened from its file with SsTable::open has the same metadata and entries",
          "[w1d4][sst]") {
  TempDir dir;
  const auto path = dir.path() / "3.sst";
  const Entries entries = numbered_entries(200, 30);
  auto built = build_table(path, entries, 200, 3);

  auto opened = SsTable::open(3, nullptr, FileObject::open(path));
  CHECK(opened->id() == 3);
  CHECK(opened->path() == path);
  CHECK(opened->num_blocks() == built->num_blocks());
  CHECK(opened->block_meta() == built->block_meta());
  CHECK(opened->first_key() == entries.front().first);
  CHECK(opened->last_key() == entries.back().first);
  CHECK(opened->file_size() == std::filesystem::file_size(path));
  CHECK(table_entries(opened) == entries);

  // The same file opened under another id is that id: the id is not read from the file.
  auto renamed = SsTable::open(42, nullptr, FileObject::open(path));
  CHECK(renamed->id() == 42);
  CHECK(table_entries(renamed) == entries);
}

TEST_CASE("sst cuts blocks at the block size and records each block's first and last key",
          "[w1d4][sst]") {
  TempDir dir;
  const std::size_t block_size = 256;
  const Entries entries = numbered_entries(120, 25);
  auto table = build_table(dir.path() / "1.sst", entries, block_size);
  REQUIRE(table->num_blocks() > 3);

  const auto& metas = table->block_meta();
  REQUIRE(metas.size() == table->num_blocks());
  CHECK(metas.front().offset == 0);
  Entries all;
  for (std::size_t i = 0; i < metas.size(); ++i) {
    INFO("block " << i);
    auto block = table->read_block(i);
    const Entries in_block = block_entries(*block);
    REQUIRE_FALSE(in_block.empty());
    CHECK(metas[i].first_key == in_block.front().first);
    CHECK(metas[i].last_key == in_block.back().first);
    CHECK(block->encode().size() <= block_size);
    if (i > 0) {
      CHECK(metas[i].offset > metas[i - 1].offset);
    }
    all.insert(all.end(), in_block.begin(), in_block.end());
  }
  CHECK(all == entries);
  CHECK(table->first_key() == metas.front().first_key);
  CHECK(table->last_key() == metas.back().last_key);
}

TEST_CASE("sst fills each block before starting the next one", "[w1d4][sst]") {
  TempDir dir;
  const std::size_t block_size = 300;
  const Entries entries = numbered_entries(100, 17);
  auto table = build_table(dir.path() / "1.sst", entries, block_size);
  REQUIRE(table->num_blocks() > 2);

  // Each block but the last was cut only because the first entry of the next one did not fit.
  for (std::size_t i = 0; i + 1 < table->num_blocks(); ++i) {
    INFO("block " << i);
    BlockBuilder builder(block_size);
    for (const auto& [key, value] : block_entries(*table->read_block(i))) {
      REQUIRE(builder.add(key, value));
    }
    const Entries next = block_entries(*table->read_block(i + 1));
    CHECK_FALSE(builder.add(next.front().first, next.front().second));
  }
}

TEST_CASE("sst stores an entry larger than the block size in a block of its own", "[w1d4][sst]") {
  TempDir dir;
  const std::string big(10000, 'B');
  const Entries entries = {{"a", "1"}, {"b", "2"}, {"c", big}, {"d", "4"}, {"e", "5"}};
  auto table = build_table(dir.path() / "1.sst", entries, 128);

  CHECK(table_entries(table) == entries);
  const std::size_t index = table->find_block_index("c");
  REQUIRE(index < table->num_blocks());
  CHECK(block_entries(*table->read_block(index)) == Entries{{"c", big}});
  CHECK(table->block_meta()[index].first_key == "c");
  CHECK(table->block_meta()[index].last_key == "c");

  auto iterator = SsTableIterator::create_and_seek_to_key(table, "c");
  REQUIRE(iterator.is_valid());
  CHECK(iterator.key() == "c");
  CHECK(iterator.value() == big);
  iterator.next();
  REQUIRE(iterator.is_valid());
  CHECK(iterator.key() == "d");
}

TEST_CASE("sst with a tiny block size stores one entry per block", "[w1d4][sst]") {
  TempDir dir;
  const Entries entries = numbered_entries(20, 5);
  auto table = build_table(dir.path() / "1.sst", entries, 1);

  REQUIRE(table->num_blocks() == entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    INFO("block " << i);
    CHECK(table->block_meta()[i].first_key == entries[i].first);
    CHECK(table->block_meta()[i].last_key == entries[i].first);
    CHECK(block_entries(*table->read_block(i)) == Entries{entries[i]});
    CHECK(table->find_block_index(entries[i].first) == i);
  }
  CHECK(table_entries(table) == entries);
}

TEST_CASE("sst read_block returns the entries of the block asked for, in any order",
          "[w1d4][sst]") {
  TempDir dir;
  const Entries entries = numbered_entries(60, 20);
  auto table = build_table(dir.path() / "1.sst", entries, 128);
  REQUIRE(table->num_blocks() > 3);

  // Read the blocks back to front, then one in the middle again.
  std::vector<Entries> blocks(table->num_blocks());
  for (std::size_t i = table->num_blocks(); i-- > 0;) {
    blocks[i] = block_entries(*table->read_block(i));
  }
  Entries all;
  for (const auto& block : blocks) {
    all.insert(all.end(), block.begin(), block.end());
  }
  CHECK(all == entries);
  const std::size_t middle = table->num_blocks() / 2;
  CHECK(block_entries(*table->read_block(middle)) == blocks[middle]);
  CHECK(blocks[middle].front().first == table->block_meta()[middle].first_key);
}

TEST_CASE("sst of thousands of keys iterates all and seeks to each", "[w1d4][sst]") {
  TempDir dir;
  std::mt19937 random(20240104);
  std::uniform_int_distribution<int> length(1, 120);
  Entries entries;
  for (int i = 0; i < 5000; ++i) {
    std::string value(static_cast<std::size_t>(length(random)), '\0');
    for (char& c : value) {
      c = static_cast<char>(random());
    }
    entries.emplace_back(numbered_key(i), value);
  }
  auto table = build_table(dir.path() / "1.sst", entries, 4096);
  CHECK(table->num_blocks() > 20);
  CHECK(table_entries(table) == entries);

  auto iterator = SsTableIterator::create_and_seek_to_first(table);
  for (std::size_t i = 0; i < entries.size(); i += 37) {
    INFO("key " << entries[i].first);
    iterator.seek_to_key(entries[i].first);
    REQUIRE(iterator.is_valid());
    CHECK(iterator.key() == entries[i].first);
    CHECK(iterator.value() == entries[i].second);
    iterator.next();
    if (i + 1 < entries.size()) {
      REQUIRE(iterator.is_valid());
      CHECK(iterator.key() == entries[i + 1].first);
    }
  }
}

TEST_CASE("sst iterator seeks before the first key, on a key, between keys and past the end",
          "[w1d4][sst][seek]") {
  TempDir dir;
  // Even keys only, so the odd ones fall between two stored keys.
  const Entries entries = numbered_entries(100, 12, 2);
  auto table = build_table(dir.path() / "1.sst", entries, 128);
  REQUIRE(table->num_blocks() > 3);

  SECTION("before the first key") {
    auto iterator = SsTableIterator::create_and_seek_to_key(table, "a");
    CHECK(collect(iterator) == entries);
  }
  SECTION("exactly on a key") {
    auto iterator = SsTableIterator::create_and_seek_to_key(table, numbered_key(40));
    CHECK(collect(iterator) == Entries(entries.begin() + 20, entries.end()));
  }
  SECTION("between two keys") {
    auto iterator = SsTableIterator::create_and_seek_to_key(table, numbered_key(41));
    CHECK(collect(iterator) == Entries(entries.begin() + 21, entries.end()));
  }
  SECTION("between the last key of a block and the first of the next") {
    for (std::size_t i = 0; i + 1 < table->num_blocks(); ++i) {
      const std::string last = table->block_meta()[i].last_key;
      const std::string target = last + "x";  // above `last`, below the next even key
      INFO("block " << i << ", target " << target);
      REQUIRE(target < table->block_meta()[i + 1].first_key);
      auto iterator = SsTableIterator::create_and_seek_to_key(table, target);
      REQUIRE(iterator.is_valid());
      CHECK(iterator.key() == table->block_meta()[i + 1].first_key);
      std::size_t remaining = 0;
      for (; iterator.is_valid(); iterator.next()) {
        ++remaining;
      }
      std::size_t position = 0;
      while (entries[position].first != table->block_meta()[i + 1].first_key) {
        ++position;
      }
      CHECK(remaining == entries.size() - position);
    }
  }
  SECTION("on the last key of a block") {
    const std::string last = table->block_meta()[1].last_key;
    auto iterator = SsTableIterator::create_and_seek_to_key(table, last);
    REQUIRE(iterator.is_valid());
    CHECK(iterator.key() == last);
    iterator.next();
    REQUIRE(iterator.is_valid());
    CHECK(iterator.key() == table->block_meta()[2].first_key);
  }
  SECTION("past the last key") {
    auto iterator = SsTableIterator::create_and_seek_to_key(table, numbered_key(199));
    CHECK_FALSE(iterator.is_valid());
    iterator.seek_to_key("zzz");
    CHECK_FALSE(iterator.is_valid());
  }
  SECTION("again on the same iterator, backwards and after the end") {
    auto iterator = SsTableIterator::create_and_seek_to_first(table);
    iterator.seek_to_key(numbered_key(150));
    REQUIRE(iterator.is_valid());
    CHECK(iterator.key() == numbered_key(150));
    iterator.seek_to_key(numbered_key(3));
    REQUIRE(iterator.is_valid());
    CHECK(iterator.key() == numbered_key(4));
    iterator.seek_to_key("zzz");
    CHECK_FALSE(iterator.is_valid());
    iterator.seek_to_first();
    CHECK(collect(iterator) == entries);
    CHECK_FALSE(iterator.is_valid());
    iterator.seek_to_first();
    REQUIRE(iterator.is_valid());
    CHECK(iterator.key() == entries.front().first);
  }
}

TEST_CASE("sst find_block_index returns the first block whose last key is not below the key",
          "[w1d4][sst][seek]") {
  TempDir dir;
  const Entries entries = numbered_entries(80, 16, 2);
  auto table = build_table(dir.path() / "1.sst", entries, 100);
  const auto& metas = table->block_meta();
  REQUIRE(metas.size() > 3);

  CHECK(table->find_block_index("") == 0);
  CHECK(table->find_block_index("a") == 0);
  for (std::size_t i = 0; i < metas.size(); ++i) {
    INFO("block " << i);
    CHECK(table->find_block_index(metas[i].first_key) == i);
    CHECK(table->find_block_index(metas[i].last_key) == i);
    // Above this block's last key but below the next block's first key: the next block.
    CHECK(table->find_block_index(metas[i].last_key + "x") == i + 1);
  }
  CHECK(table->find_block_index(table->last_key() + "x") == metas.size());
  CHECK(table->find_block_index("zzz") == metas.size());
}

TEST_CASE("sst stores tombstones as empty values and returns them", "[w1d4][sst]") {
  TempDir dir;
  Entries entries;
  for (int i = 0; i < 40; ++i) {
    // Every third key is a tombstone; keys 20..29 are all tombstones (whole blocks of them).
    const bool tombstone = i % 3 == 0 || (i >= 20 && i < 30);
    entries.emplace_back(numbered_key(i), tombstone ? "" : "value" + std::to_string(i));
  }
  auto table = build_table(dir.path() / "1.sst", entries, 64);
  CHECK(table_entries(table) == entries);

  auto iterator = SsTableIterator::create_and_seek_to_key(table, numbered_key(21));
  REQUIRE(iterator.is_valid());
  CHECK(iterator.key() == numbered_key(21));
  CHECK(iterator.value().empty());

  auto reopened = SsTable::open(1, nullptr, FileObject::open(dir.path() / "1.sst"));
  CHECK(table_entries(reopened) == entries);
}

TEST_CASE("sst orders keys with zero bytes and 0xff bytes bytewise", "[w1d4][sst][seek]") {
  TempDir dir;
  const Entries entries = {{std::string("\0", 1), "zero"},    {std::string("a"), "a"},
                           {std::string("a\0", 2), "a-zero"}, {std::string("a\x01", 2), "a-one"},
                           {std::string("a\x7f", 2), "a-7f"}, {std::string("a\x80", 2), "a-80"},
                           {std::string("a\xff", 2), "a-ff"}, {std::string("\xff"), "ff"},
                           {std::string("\xff\xff"), "ff-ff"}};
  auto table = build_table(dir.path() / "1.sst", entries, 32);
  CHECK(table->first_key() == std::string("\0", 1));
  CHECK(table->last_key() == "\xff\xff");
  CHECK(table_entries(table) == entries);

  auto iterator = SsTableIterator::create_and_seek_to_key(table, std::string("a\x02", 2));
  REQUIRE(iterator.is_valid());
  CHECK(iterator.key() == std::string("a\x7f", 2));
  iterator.seek_to_key(std::string("a\x81", 2));
  REQUIRE(iterator.is_valid());
  CHECK(iterator.key() == std::string("a\xff", 2));
  iterator.seek_to_key("b");
  REQUIRE(iterator.is_valid());
  CHECK(iterator.key() == "\xff");
  iterator.seek_to_key("");
  REQUIRE(iterator.is_valid());
  CHECK(iterator.key() == std::string("\0", 1));
}

TEST_CASE("sst builder is empty until an entry is added and its estimated size grows",
          "[w1d4][sst]") {
  TempDir dir;
  SsTableBuilder builder(256);
  CHECK(builder.is_empty());
  const Entries entries = numbered_entries(400, 50);
  std::size_t previous = builder.estimated_size();
  std::size_t value_bytes = 0;
  for (const auto& [key, value] : entries) {
    builder.add(key, value);
    CHECK_FALSE(builder.is_empty());
    CHECK(builder.estimated_size() >= previous);
    previous = builder.estimated_size();
    value_bytes += value.size();
  }
  // Most of the data is in finished blocks, which the estimate must count.
  CHECK(previous >= value_bytes * 9 / 10);
  auto table = builder.build(1, nullptr, dir.path() / "1.sst");
  CHECK(previous <= table->file_size());
  CHECK(table->file_size() >= value_bytes);
}

TEST_CASE("sst builder estimated size counts the block it is still filling", "[w1d4][sst]") {
  TempDir dir;
  SsTableBuilder builder(4096);
  const std::string value(1000, 'v');
  builder.add("key", value);  // far below the block size: no block is finished yet
  const std::size_t estimate = builder.estimated_size();
  CHECK(estimate >= value.size());
  auto table = builder.build(1, nullptr, dir.path() / "1.sst");
  REQUIRE(table->num_blocks() == 1);
  CHECK(estimate <= table->file_size());
}

TEST_CASE("block meta encode then decode returns the same metadata", "[w1d4][sst][meta]") {
  const std::vector<BlockMeta> metas = {
      {0, "", std::string("\0", 1)},
      {17, "apple", "banana"},
      {4096, std::string("a\0b", 3), std::string("\xff\xfe", 2)},
      {70000, std::string(1000, 'k'), std::string(1001, 'k')},
      {4000000000u, "same", "same"},
  };
  std::string out = "prefix";
  BlockMeta::encode(metas, out);
  REQUIRE(out.size() > 6);
  CHECK(out.substr(0, 6) == "prefix");  // encode appends
  CHECK(BlockMeta::decode(std::string_view(out).substr(6), "meta", 6) == metas);

  std::string empty;
  BlockMeta::encode({}, empty);
  CHECK(BlockMeta::decode(empty, "meta", 0).empty());

  std::string one;
  BlockMeta::encode({metas[1]}, one);
  CHECK(BlockMeta::decode(one, "meta", 0) == std::vector<BlockMeta>{metas[1]});
  CHECK(one.size() < out.size() - 6);
}

TEST_CASE("sst build to a path that already exists throws IoError and keeps the file",
          "[w1d4][sst]") {
  TempDir dir;
  const auto path = dir.path() / "1.sst";
  std::ofstream(path, std::ios::binary) << "precious bytes";

  SsTableBuilder builder(4096);
  builder.add("k", "v");
  try {
    builder.build(1, nullptr, path);
    FAIL("build over an existing file did not throw");
  } catch (const IoError& error) {
    CHECK(error.path() == path.string());
  }
  CHECK(read_file(path) == "precious bytes");
}

TEST_CASE("sst builder refuses a key that is not above the last one, within and across blocks",
          "[w1d4][sst]") {
  TempDir dir;
  SsTableBuilder builder(64);
  const Entries entries = numbered_entries(10, 20);
  for (const auto& [key, value] : entries) {
    builder.add(key, value);
  }
  // Each of these would start a new block (the current one is full), where the block builder
  // alone cannot see the key before it.
  CHECK_THROWS_AS(builder.add(entries.back().first, "repeated"), mini_lsm::InvalidArgument);
  CHECK_THROWS_AS(builder.add(entries[3].first, "older"), mini_lsm::InvalidArgument);
  CHECK_THROWS_AS(builder.add("", "smallest"), mini_lsm::InvalidArgument);
  CHECK_THROWS_AS(builder.add(numbered_key(5) + "x", "between"), mini_lsm::InvalidArgument);

  auto table = builder.build(1, nullptr, dir.path() / "1.sst");
  REQUIRE(table->num_blocks() > 1);
  CHECK(table_entries(table) == entries);  // nothing of a refused key went in
  CHECK(table->last_key() == entries.back().first);
}

TEST_CASE("sst build of a builder without entries throws InvalidArgument and writes nothing",
          "[w1d4][sst]") {
  TempDir dir;
  SsTableBuilder builder(4096);
  const auto path = dir.path() / "1.sst";
  CHECK_THROWS_AS(builder.build(1, nullptr, path), mini_lsm::InvalidArgument);
  CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("block meta decode rejects bytes left over after the last block's metadata",
          "[w1d4][sst][meta]") {
  const std::vector<BlockMeta> metas = {{0, "apple", "apricot"}, {300, "banana", "cherry"}};
  std::string encoded;
  BlockMeta::encode(metas, encoded);
  REQUIRE(BlockMeta::decode(encoded, "some.sst", 1000) == metas);
  for (const std::string& stray :
       {std::string(1, '\0'), std::string("xyz"), std::string(8, '\0')}) {
    INFO(stray.size() << " stray bytes");
    try {
      BlockMeta::decode(encoded + stray, "some.sst", 1000);
      FAIL("decode accepted metadata followed by stray bytes");
    } catch (const Corruption& error) {
      CHECK(error.file() == "some.sst");
      CHECK(error.offset() == 1000 + encoded.size());  // where the stray bytes start
    }
  }
}

TEST_CASE("sst model test: random entries and block sizes, random seeks, against a std::map",
          "[w1d4][sst][model]") {
  TempDir dir;
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    INFO("seed " << seed);
    mini_lsm::testing::RandomData data(seed);
    const mini_lsm::testing::Model model = data.model(1 + data.below(400));
    const Entries entries(model.begin(), model.end());
    const std::size_t block_size = std::vector<std::size_t>{1, 32, 100, 256, 4096}[data.below(5)];
    INFO(entries.size() << " entries, block size " << block_size);
    const auto path = dir.path() / (std::to_string(seed) + ".sst");
    build_table(path, entries, block_size, seed);
    const auto table = SsTable::open(seed, nullptr, FileObject::open(path));
    CHECK(table->first_key() == entries.front().first);
    CHECK(table->last_key() == entries.back().first);
    REQUIRE(table_entries(table) == entries);
    for (int seek = 0; seek < 60; ++seek) {
      // Half the targets are keys of the table, half are random.
      const std::string target =
          seek % 2 == 0 ? entries[data.below(entries.size())].first : data.key();
      INFO("seek to " << mini_lsm::testing::escape_bytes(target));
      auto iterator = SsTableIterator::create_and_seek_to_key(table, target);
      CHECK(mini_lsm::testing::take(iterator, 5) ==
            mini_lsm::testing::model_from(model, target, 5));
    }
  }
}
