// Week 1 day 3: building, encoding, decoding and iterating blocks.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "harness/catch.hpp"
#include "harness/collect.hpp"
#include "harness/model.hpp"
#include "mini_lsm/block.hpp"
#include "mini_lsm/error.hpp"

using mini_lsm::Block;
using mini_lsm::BlockBuilder;
using mini_lsm::BlockIterator;
using mini_lsm::Corruption;
using mini_lsm::testing::collect;
using mini_lsm::testing::Entries;
using mini_lsm::testing::numbered_key;
using namespace std::string_literals;

namespace {

constexpr std::size_t kUnlimited = std::numeric_limits<std::size_t>::max();

// A block of `entries`, every one of which must be accepted.
Block build_block(const Entries& entries, std::size_t block_size = kUnlimited) {
  BlockBuilder builder(block_size);
  for (const auto& [key, value] : entries) {
    REQUIRE(builder.add(key, value));
  }
  return builder.build();
}

std::shared_ptr<const Block> shared_block(const Entries& entries) {
  return std::make_shared<const Block>(build_block(entries));
}

// The entries of `block`, read through Block::entry.
Entries entries_of(const Block& block) {
  Entries entries;
  for (std::size_t i = 0; i < block.num_entries(); ++i) {
    const auto entry = block.entry(i);
    entries.emplace_back(entry.key, std::string(entry.value));
  }
  return entries;
}

Entries iterate(std::shared_ptr<const Block> block) {
  auto iterator = BlockIterator::create_and_seek_to_first(std::move(block));
  return collect(iterator);
}

void put_u32(std::string& bytes, std::size_t position, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) {
    bytes.at(position + i) = static_cast<char>((value >> (8 * i)) & 0xff);
  }
}

// Decodes `bytes`, which must be rejected with a Corruption that points inside them.
void require_corruption(const std::string& bytes) {
  INFO("decoding " << bytes.size() << " bytes");
  constexpr std::uint64_t kBlockStart = 1000;
  try {
    Block::decode(bytes, "test.sst", kBlockStart);
    FAIL("Block::decode accepted bytes that are not a valid block");
  } catch (const Corruption& error) {
    CHECK(error.file() == "test.sst");
    CHECK(error.offset() >= kBlockStart);
    CHECK(error.offset() <= kBlockStart + bytes.size());
  }
}

// A few entries with printable keys and values; the last value ends in "vvvv", bytes that read
// as a huge offset or count.
Entries sample_entries() {
  return {{"apple", "red"}, {"banana", "yellow"}, {"cherry", "dark red"}, {"date", "vvvv"}};
}

}  // namespace

TEST_CASE("block round trips its entries through encode and decode", "[w1d3][block]") {
  const Entries entries{{"a", "1"},
                        {"ab", "two"},
                        {"abc", std::string(300, 'x')},
                        {"b", "4"},
                        {"key-with-a-longer-name", "v"}};
  const Block built = build_block(entries);
  CHECK(built.num_entries() == entries.size());
  CHECK(entries_of(built) == entries);

  const std::string bytes = built.encode();
  const Block decoded = Block::decode(bytes);
  CHECK(decoded.num_entries() == entries.size());
  CHECK(entries_of(decoded) == entries);
  CHECK(decoded.data() == built.data());
  CHECK(decoded.offsets() == built.offsets());
  CHECK(decoded.encode() == bytes);
  CHECK(iterate(std::make_shared<const Block>(decoded)) == entries);
}

TEST_CASE("block builder's block keeps the first key added as its first key", "[w1d3][block]") {
  const Block built = build_block(sample_entries());
  CHECK(built.first_key() == "apple");
  CHECK(Block::decode(built.encode()).first_key() == "apple");

  const Block single = build_block({{"only", "1"}});
  CHECK(single.first_key() == "only");
}

TEST_CASE("block builder encoded size is the size of the encoded block after every add",
          "[w1d3][block]") {
  BlockBuilder builder(kUnlimited);
  CHECK(builder.is_empty());
  std::size_t previous = 0;
  for (int i = 0; i < 50; ++i) {
    REQUIRE(builder.add(numbered_key(i * 3), std::string(i % 7 + 1, 'v')));
    CHECK_FALSE(builder.is_empty());
    const std::size_t size = builder.encoded_size();
    CHECK(size == builder.build().encode().size());
    CHECK(size > previous);
    previous = size;
  }
}

TEST_CASE("block builder accepts an entry exactly when the block stays within its size",
          "[w1d3][block]") {
  // Record the encoded size after each entry with a builder that never refuses...
  Entries entries;
  for (int i = 0; i < 20; ++i) {
    entries.emplace_back(numbered_key(i), "value" + std::string(i, 'x'));
  }
  std::vector<std::size_t> size_after;
  BlockBuilder unlimited(kUnlimited);
  for (const auto& [key, value] : entries) {
    REQUIRE(unlimited.add(key, value));
    size_after.push_back(unlimited.encoded_size());
  }

  // ...then a block size of exactly the size after entry 9 takes entries 0..9, not entry 10.
  for (const std::size_t block_size : {size_after[9], size_after[10] - 1}) {
    INFO("block size " << block_size);
    BlockBuilder builder(block_size);
    for (std::size_t i = 0; i < 10; ++i) {
      REQUIRE(builder.add(entries[i].first, entries[i].second));
    }
    CHECK(builder.encoded_size() == size_after[9]);
    CHECK_FALSE(builder.add(entries[10].first, entries[10].second));
    CHECK(builder.encoded_size() == size_after[9]);
  }
  BlockBuilder one_less(size_after[9] - 1);
  for (std::size_t i = 0; i < 9; ++i) {
    REQUIRE(one_less.add(entries[i].first, entries[i].second));
  }
  CHECK_FALSE(one_less.add(entries[9].first, entries[9].second));
  CHECK(one_less.build().num_entries() == 9);
}

TEST_CASE("full block builder refuses an entry and adds nothing", "[w1d3][block]") {
  BlockBuilder builder(128);
  Entries accepted;
  for (int i = 0;; ++i) {
    const std::string key = numbered_key(i);
    if (!builder.add(key, "0123456789")) {
      break;
    }
    accepted.emplace_back(key, "0123456789");
    REQUIRE(i < 100);
  }
  REQUIRE(accepted.size() >= 2);
  const std::string before = builder.build().encode();
  CHECK(builder.encoded_size() == before.size());
  CHECK(before.size() <= 128);

  // Refused again, and a much bigger entry too: the block does not change.
  CHECK_FALSE(builder.add(numbered_key(200), "0123456789"));
  CHECK_FALSE(builder.add(numbered_key(201), std::string(1000, 'v')));
  CHECK(builder.encoded_size() == before.size());
  CHECK(builder.build().encode() == before);
  CHECK(entries_of(Block::decode(before)) == accepted);
}

TEST_CASE("block builder always accepts the first entry, even one bigger than the block",
          "[w1d3][block]") {
  const std::string big_value(10 * 1024, 'b');
  BlockBuilder builder(4096);
  REQUIRE(builder.add("big", big_value));
  CHECK(builder.encoded_size() > 4096);
  CHECK(builder.encoded_size() == builder.build().encode().size());
  CHECK_FALSE(builder.add("c", "small"));  // the block is already over its size

  const Block decoded = Block::decode(builder.build().encode());
  CHECK(entries_of(decoded) == Entries{{"big", big_value}});
}

TEST_CASE("block builder with a tiny block size builds one entry per block", "[w1d3][block]") {
  const Entries entries{{"a", "1"}, {"b", "22"}, {"c", "333"}, {"d", std::string(5000, 'd')}};
  std::vector<Block> blocks;
  BlockBuilder builder(1);
  for (const auto& [key, value] : entries) {
    if (!builder.add(key, value)) {
      blocks.push_back(builder.build());
      builder = BlockBuilder(1);
      REQUIRE(builder.add(key, value));
    }
  }
  blocks.push_back(builder.build());

  REQUIRE(blocks.size() == entries.size());
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const Block decoded = Block::decode(blocks[i].encode());
    CHECK(entries_of(decoded) == Entries{entries[i]});
  }
}

TEST_CASE("block holds thousands of entries in order", "[w1d3][block]") {
  Entries entries;
  for (int i = 0; i < 4000; ++i) {
    entries.emplace_back(numbered_key(i), "value" + std::to_string(i * 7));
  }
  const Block built = build_block(entries);
  const auto decoded = std::make_shared<const Block>(Block::decode(built.encode()));

  CHECK(decoded->num_entries() == 4000);
  CHECK(iterate(decoded) == entries);
  for (int i = 0; i < 4000; i += 37) {
    const auto entry = decoded->entry(i);
    CHECK(entry.key == numbered_key(i));
    CHECK(entry.value == "value" + std::to_string(i * 7));
    auto iterator = BlockIterator::create_and_seek_to_key(decoded, numbered_key(i));
    REQUIRE(iterator.is_valid());
    CHECK(iterator.key() == numbered_key(i));
    CHECK(iterator.value() == "value" + std::to_string(i * 7));
  }
}

TEST_CASE("block iterator seek_to_key lands on the first key not below the target",
          "[w1d3][block-iterator]") {
  const auto block = shared_block({{"b", "1"}, {"d", "2"}, {"f", "3"}});

  auto iterator = BlockIterator::create_and_seek_to_key(block, "a");  // before the first key
  REQUIRE(iterator.is_valid());
  CHECK(iterator.key() == "b");
  CHECK(iterator.value() == "1");

  iterator.seek_to_key("");
  CHECK(iterator.key() == "b");
  iterator.seek_to_key("b");  // exactly on a key
  CHECK(iterator.key() == "b");
  iterator.seek_to_key(std::string("b\0", 2));  // just above "b"
  CHECK(iterator.key() == "d");
  iterator.seek_to_key("c");  // between two keys
  CHECK(iterator.key() == "d");
  CHECK(iterator.value() == "2");
  iterator.next();
  CHECK(iterator.key() == "f");
  iterator.next();
  CHECK_FALSE(iterator.is_valid());

  iterator.seek_to_key("f");  // the last key
  REQUIRE(iterator.is_valid());
  CHECK(iterator.key() == "f");
  iterator.seek_to_key("ff");  // after the last key
  CHECK_FALSE(iterator.is_valid());
  iterator.seek_to_key("d");  // a seek works again after the end
  REQUIRE(iterator.is_valid());
  CHECK(iterator.key() == "d");

  CHECK_FALSE(BlockIterator::create_and_seek_to_key(block, "g").is_valid());
}

TEST_CASE("block iterator seek_to_key finds every key and every gap of a larger block",
          "[w1d3][block-iterator]") {
  // Even numbers 0, 2, ..., 398 as keys; every odd number falls between two of them.
  Entries entries;
  for (int i = 0; i < 400; i += 2) {
    entries.emplace_back(numbered_key(i), std::to_string(i));
  }
  const auto block = shared_block(entries);
  BlockIterator iterator = BlockIterator::create_and_seek_to_first(block);
  for (int target = 0; target < 400; ++target) {
    INFO("seek to " << numbered_key(target));
    iterator.seek_to_key(numbered_key(target));
    const int expected = target % 2 == 0 ? target : target + 1;
    if (expected >= 400) {
      CHECK_FALSE(iterator.is_valid());
    } else {
      REQUIRE(iterator.is_valid());
      CHECK(iterator.key() == numbered_key(expected));
      CHECK(iterator.value() == std::to_string(expected));
    }
  }
}

TEST_CASE("block iterator seek_to_first returns to the start after a seek or the end",
          "[w1d3][block-iterator]") {
  const auto block = shared_block({{"b", "1"}, {"d", "2"}, {"f", "3"}});
  auto iterator = BlockIterator::create_and_seek_to_key(block, "e");
  REQUIRE(iterator.key() == "f");

  iterator.seek_to_first();
  REQUIRE(iterator.is_valid());
  CHECK(iterator.key() == "b");
  CHECK(iterator.value() == "1");

  iterator.seek_to_key("z");
  REQUIRE_FALSE(iterator.is_valid());
  iterator.seek_to_first();
  CHECK(collect(iterator) == Entries{{"b", "1"}, {"d", "2"}, {"f", "3"}});
}

TEST_CASE("block iterator without a block is invalid", "[w1d3][block-iterator]") {
  BlockIterator iterator;
  CHECK_FALSE(iterator.is_valid());
}

TEST_CASE("block stores an empty key and empty values", "[w1d3][block]") {
  const Entries entries{{"", "the empty key"}, {"a", ""}, {"b", "x"}, {"c", ""}};
  const Block built = build_block(entries);
  const auto decoded = std::make_shared<const Block>(Block::decode(built.encode()));

  CHECK(entries_of(*decoded) == entries);
  CHECK(iterate(decoded) == entries);
  auto iterator = BlockIterator::create_and_seek_to_key(decoded, "");
  REQUIRE(iterator.is_valid());
  CHECK(iterator.key() == "");
  CHECK(iterator.value() == "the empty key");
  iterator.seek_to_key("a");
  REQUIRE(iterator.is_valid());
  CHECK(iterator.key() == "a");
  CHECK(iterator.value() == "");

  // A block of one entry with an empty key and an empty value.
  const Block smallest = Block::decode(build_block({{"", ""}}).encode());
  CHECK(entries_of(smallest) == Entries{{"", ""}});
}

TEST_CASE("block stores keys and values with NUL and 0xff bytes exactly", "[w1d3][block]") {
  const std::string a_nul("a\0", 2);
  const std::string a_nul_b("a\0b", 3);
  const std::string a_high("a\xff", 2);
  const std::string high("\xff", 1);
  const std::string high3("\xff\xff\xff", 3);
  const Entries entries{{std::string("\0", 1), std::string("\0\0\0", 3)},
                        {std::string("\0\0", 2), std::string("\xff", 1)},
                        {"a", std::string("\xff\0", 2)},
                        {a_nul, "1"},
                        {a_nul_b, std::string("\0", 1)},
                        {a_high, "3"},
                        {high, "4"},
                        {high3, std::string("\0\xff\0\xff", 4)}};
  const auto decoded = std::make_shared<const Block>(Block::decode(build_block(entries).encode()));
  CHECK(entries_of(*decoded) == entries);
  CHECK(iterate(decoded) == entries);

  auto iterator = BlockIterator::create_and_seek_to_key(decoded, "a\x01");
  REQUIRE(iterator.is_valid());
  CHECK(iterator.key() == a_high);  // "a\0b" < "a\x01" < "a\xff": bytes compare unsigned
  iterator.seek_to_key(a_nul);
  CHECK(iterator.key() == a_nul);
  iterator.seek_to_key("\xff\x01");
  REQUIRE(iterator.is_valid());
  CHECK(iterator.key() == high3);
  CHECK(iterator.value() == std::string("\0\xff\0\xff", 4));
  iterator.seek_to_key("b");
  REQUIRE(iterator.is_valid());
  CHECK(iterator.key() == high);
}

TEST_CASE("block decode of every truncation of a valid block throws Corruption",
          "[w1d3][block][corruption]") {
  const std::string bytes = build_block(sample_entries()).encode();
  REQUIRE(entries_of(Block::decode(bytes)) == sample_entries());
  for (std::size_t length = 0; length < bytes.size(); ++length) {
    require_corruption(bytes.substr(0, length));
  }
}

TEST_CASE("block decode rejects an entry count the bytes cannot hold",
          "[w1d3][block][corruption]") {
  const std::string valid = build_block(sample_entries()).encode();
  const std::size_t count_at = valid.size() - 4;
  for (const std::uint32_t count : {std::uint32_t{0}, std::uint32_t{5}, std::uint32_t{1000},
                                    std::uint32_t{0x40000000},  // 4 * count wraps to 0 in 32 bits
                                    std::uint32_t{0x40000001},  // 4 * count wraps to 4 in 32 bits
                                    std::uint32_t{0xffffffff}}) {
    INFO("entry count " << count);
    std::string bytes = valid;
    put_u32(bytes, count_at, count);
    require_corruption(bytes);
  }
  // The entry bytes of a one-entry block, but a count of 0 and no offset: a block without entries.
  const Block one = build_block({{"k", "v"}});
  require_corruption(one.data() + std::string(4, '\0'));
  require_corruption(std::string(4, '\0'));     // no entries at all
  require_corruption(std::string(4, '\xff'));   // a huge count and nothing else
  require_corruption(std::string(64, '\xff'));  // likewise, with bytes to spare
}

TEST_CASE("block decode rejects offsets and entries outside the entry bytes",
          "[w1d3][block][corruption]") {
  const Block built = build_block(sample_entries());
  const std::string valid = built.encode();
  const std::size_t data_size = built.data().size();
  const std::size_t last_offset_at = data_size + 4 * (built.num_entries() - 1);
  REQUIRE(valid.size() >= data_size + 4 * built.num_entries() + 4);

  for (const std::uint32_t offset :
       {static_cast<std::uint32_t>(data_size), static_cast<std::uint32_t>(data_size - 1),
        static_cast<std::uint32_t>(data_size + 4), std::uint32_t{0xfffffff0},
        std::uint32_t{0xffffffff}}) {
    INFO("last offset " << offset);
    std::string bytes = valid;
    put_u32(bytes, last_offset_at, offset);
    require_corruption(bytes);
  }

  // The entry bytes lose their last byte while the offsets stay: the last entry overruns.
  std::string short_data = valid;
  short_data.erase(data_size - 1, 1);
  require_corruption(short_data);
}

TEST_CASE("block decode of garbled bytes throws Corruption or yields a readable block",
          "[w1d3][block][corruption]") {
  std::mt19937 random(3);
  const std::string valid = build_block(sample_entries()).encode();
  int rejected = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::string bytes;
    if (trial % 2 == 0) {  // random bytes
      bytes.resize(random() % 64);
      for (char& byte : bytes) {
        byte = static_cast<char>(random() % 256);
      }
    } else {  // a valid block with a few bytes overwritten
      bytes = valid;
      for (int flips = 1 + random() % 3; flips > 0; --flips) {
        bytes[random() % bytes.size()] = static_cast<char>(random() % 256);
      }
    }
    INFO("trial " << trial);
    try {
      const auto block = std::make_shared<const Block>(Block::decode(bytes, "garbled", 0));
      // A block that decodes must be readable to the end without going out of bounds.
      REQUIRE(block->num_entries() >= 1);
      CHECK(entries_of(*block).size() == block->num_entries());  // copies every key and value
      CHECK(iterate(block).size() == block->num_entries());
    } catch (const Corruption& error) {
      ++rejected;
      CHECK(error.file() == "garbled");
      CHECK(error.offset() <= bytes.size());
    }
  }
  CHECK(rejected > 1500);  // nearly all random bytes are no block
}

namespace {

// The encoding of a block whose entry bytes are `data` and whose offsets are `offsets`, laid out
// as the block format documents it: entries, offsets (u32 each), their number (u32).
std::string encode_parts(const std::string& data, const std::vector<std::uint32_t>& offsets) {
  std::string bytes = data + std::string(4 * (offsets.size() + 1), '\0');
  for (std::size_t i = 0; i < offsets.size(); ++i) {
    put_u32(bytes, data.size() + 4 * i, offsets[i]);
  }
  put_u32(bytes, data.size() + 4 * offsets.size(), static_cast<std::uint32_t>(offsets.size()));
  return bytes;
}

// The bytes of entry `index` of `block`, as the builder wrote them.
std::string entry_bytes(const Block& block, std::size_t index) {
  const std::size_t begin = block.offsets().at(index);
  const std::size_t end =
      index + 1 < block.num_entries() ? block.offsets()[index + 1] : block.data().size();
  return block.data().substr(begin, end - begin);
}

}  // namespace

TEST_CASE("block builder refuses a key that is not above the last one", "[w1d3][block]") {
  BlockBuilder builder(kUnlimited);
  REQUIRE(builder.add("b", "1"));
  REQUIRE(builder.add("d", "2"));
  const std::size_t size = builder.encoded_size();

  CHECK_THROWS_AS(builder.add("d", "again"), mini_lsm::InvalidArgument);  // repeated
  CHECK_THROWS_AS(builder.add("c", "3"), mini_lsm::InvalidArgument);      // below the last key
  CHECK_THROWS_AS(builder.add("a", "4"), mini_lsm::InvalidArgument);      // below the first key
  CHECK_THROWS_AS(builder.add("", "5"), mini_lsm::InvalidArgument);       // the smallest key
  CHECK(builder.encoded_size() == size);  // nothing of a refused key was added

  REQUIRE(builder.add("d\0"s, "6"));  // the next key up is fine
  CHECK(entries_of(builder.build()) == Entries{{"b", "1"}, {"d", "2"}, {"d\0"s, "6"}});
}

TEST_CASE("block builder refuses a key out of order even when the block is full", "[w1d3][block]") {
  BlockBuilder builder(1);  // only the first entry fits
  REQUIRE(builder.add("m", "1"));
  CHECK_FALSE(builder.add("n", "2"));                                 // full: refused, no error
  CHECK_THROWS_AS(builder.add("a", "3"), mini_lsm::InvalidArgument);  // misuse: an error
  CHECK(entries_of(builder.build()) == Entries{{"m", "1"}});
}

TEST_CASE("block decode rejects entries whose keys do not ascend", "[w1d3][block][corruption]") {
  // Keys of one length, values of one length and no shared prefix: every entry takes the same
  // number of bytes, so entries can change places without changing any offset.
  const Block built = build_block({{"a", "1"}, {"b", "2"}, {"c", "3"}});
  const std::string first = entry_bytes(built, 0);
  const std::string second = entry_bytes(built, 1);
  const std::string third = entry_bytes(built, 2);
  REQUIRE(second.size() == third.size());
  // While blocks have the layout week 1 documents, the reordered bytes differ from a valid block
  // only in the order of its keys. (A later format, such as week 2 day 7's checksums, refuses
  // every hand-made block: still Corruption, as this test expects.)

  SECTION("two entries swapped") {
    require_corruption(encode_parts(first + third + second, built.offsets()));
  }
  SECTION("a key repeated") {
    require_corruption(encode_parts(first + second + second, built.offsets()));
  }
  SECTION("the first key repeated") {
    require_corruption(encode_parts(first + first + third, built.offsets()));
  }
}

TEST_CASE("block decode rejects a first offset that is not 0", "[w1d3][block][corruption]") {
  const Block built = build_block(sample_entries());
  // Junk before the first entry, and every offset moved past it: each entry is intact, but the
  // bytes before the first one belong to no entry.
  std::vector<std::uint32_t> shifted = built.offsets();
  for (std::uint32_t& offset : shifted) {
    offset += 4;
  }
  require_corruption(encode_parts("junk" + built.data(), shifted));
  // Likewise with the first offset alone moved: entry 0 starts inside itself.
  std::vector<std::uint32_t> first_moved = built.offsets();
  first_moved[0] = 1;
  require_corruption(encode_parts(built.data(), first_moved));
}

TEST_CASE("block decode rejects an offset past the entry bytes after an entry that ends there",
          "[w1d3][block][corruption]") {
  // One real entry, then a second offset beyond the entry bytes. The first entry runs exactly to
  // the end of the entries, so only the position of the second offset is wrong.
  const std::string data = build_block({{"k", "v"}}).data();
  for (const std::uint32_t offset :
       {static_cast<std::uint32_t>(data.size() + 1), static_cast<std::uint32_t>(data.size() + 4),
        std::uint32_t{0xfffffff0}}) {
    INFO("second offset " << offset << " with " << data.size() << " entry bytes");
    require_corruption(encode_parts(data, {0, offset}));
  }
}

TEST_CASE("block decode rejects bytes left over after an entry", "[w1d3][block][corruption]") {
  const Block built = build_block(sample_entries());
  const std::size_t count = built.num_entries();
  for (std::size_t index = 0; index < count; ++index) {
    INFO("two stray bytes after entry " << index);
    std::string data;
    std::vector<std::uint32_t> offsets;
    for (std::size_t i = 0; i < count; ++i) {
      offsets.push_back(static_cast<std::uint32_t>(data.size()));
      data += entry_bytes(built, i);
      if (i == index) {
        data += "xx";
      }
    }
    require_corruption(encode_parts(data, offsets));
  }
}

TEST_CASE("block model test: random entries, random seeks, against a std::map",
          "[w1d3][block][model]") {
  for (std::uint32_t seed = 1; seed <= 30; ++seed) {
    INFO("seed " << seed);
    mini_lsm::testing::RandomData data(seed);
    const mini_lsm::testing::Model model = data.model(1 + data.below(200));
    const Entries entries(model.begin(), model.end());
    const auto block = std::make_shared<const Block>(Block::decode(build_block(entries).encode()));
    REQUIRE(iterate(block) == entries);
    for (int seek = 0; seek < 50; ++seek) {
      const std::string target = data.key();
      INFO("seek to " << mini_lsm::testing::escape_bytes(target));
      auto iterator = BlockIterator::create_and_seek_to_key(block, target);
      CHECK(mini_lsm::testing::take(iterator, 3) ==
            mini_lsm::testing::model_from(model, target, 3));
    }
  }
}
