// Week 1 day 7: Bloom filters, in SSTs and in the engine's point lookups.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "harness/catch.hpp"
#include "harness/collect.hpp"
#include "harness/format_bytes.hpp"
#include "harness/temp_dir.hpp"
#include "mini_lsm/bloom.hpp"
#include "mini_lsm/error.hpp"
#include "mini_lsm/file.hpp"
#include "mini_lsm/lsm_storage.hpp"
#include "mini_lsm/table.hpp"

using mini_lsm::Bloom;
using mini_lsm::Corruption;
using mini_lsm::FileObject;
using mini_lsm::LsmOptions;
using mini_lsm::LsmStorage;
using mini_lsm::SsTable;
using mini_lsm::SsTableBuilder;
using mini_lsm::testing::numbered_key;
using mini_lsm::testing::TempDir;

namespace {

std::vector<std::uint32_t> hashes_of_keys(int count, const std::string& prefix = "present") {
  std::vector<std::uint32_t> hashes;
  hashes.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    hashes.push_back(Bloom::hash(prefix + numbered_key(i)));
  }
  return hashes;
}

// How many of `count` keys that were never added the filter lets through.
int false_positives(const Bloom& filter, int count) {
  int passed = 0;
  for (int i = 0; i < count; ++i) {
    passed += filter.may_contain(Bloom::hash("absent" + numbered_key(i))) ? 1 : 0;
  }
  return passed;
}

// An SST of the even numbered keys 0, 2, ..., 2 * (count - 1).
std::shared_ptr<SsTable> build_even_keys(const TempDir& dir, std::size_t id, int count,
                                         std::size_t bloom_bits_per_key) {
  SsTableBuilder builder(4096, bloom_bits_per_key);
  for (int i = 0; i < count; ++i) {
    builder.add(numbered_key(2 * i), "value" + std::to_string(i));
  }
  return builder.build(id, nullptr, dir.path() / (std::to_string(id) + ".sst"));
}

}  // namespace

TEST_CASE("bloom filter has no false negatives over 10000 keys", "[w1d7][bloom]") {
  const std::vector<std::uint32_t> hashes = hashes_of_keys(10000);
  for (const std::size_t bits_per_key : std::initializer_list<std::size_t>{1, 5, 10, 20}) {
    const Bloom filter = Bloom::build(hashes, bits_per_key);
    int missed = 0;
    for (const std::uint32_t hash : hashes) {
      missed += filter.may_contain(hash) ? 0 : 1;
    }
    INFO("bits per key: " << bits_per_key);
    CHECK(missed == 0);
  }
}

TEST_CASE("bloom hash depends on every byte of the key, its length and NUL bytes",
          "[w1d7][bloom]") {
  CHECK(Bloom::hash("key000001") == Bloom::hash(std::string("key000001")));
  CHECK(Bloom::hash("key000001") != Bloom::hash("key000002"));  // last byte
  CHECK(Bloom::hash("akey00000") != Bloom::hash("bkey00000"));  // first byte
  CHECK(Bloom::hash(std::string("a\0b", 3)) != Bloom::hash(std::string("a\0c", 3)));
  CHECK(Bloom::hash("") != Bloom::hash(std::string(1, '\0')));
  CHECK(Bloom::hash("ab") != Bloom::hash("ba"));
}

TEST_CASE("bloom filter false-positive rate stays under 2% at 10 bits per key", "[w1d7][bloom]") {
  const Bloom filter = Bloom::build(hashes_of_keys(10000), 10);
  const int passed = false_positives(filter, 10000);
  INFO(passed << " of 10000 absent keys passed the filter");
  CHECK(passed < 200);
}

TEST_CASE("bloom filter uses about bits_per_key bits per key and bits_per_key * ln 2 probes",
          "[w1d7][bloom]") {
  const Bloom ten = Bloom::build(hashes_of_keys(10000), 10);
  CHECK(ten.num_bits() >= 100000);
  CHECK(ten.num_bits() < 100000 + 64);
  CHECK(ten.num_probes() >= 6);
  CHECK(ten.num_probes() <= 7);

  const Bloom small = Bloom::build(hashes_of_keys(3), 10);  // 30 bits: raised to 64
  CHECK(small.num_bits() >= 64);
  CHECK(small.num_bits() < 128);
}

TEST_CASE("bloom filter takes lround(bits_per_key * 0.69) probes, at least 1 and at most 30",
          "[w1d7][bloom]") {
  const std::vector<std::uint32_t> hashes = hashes_of_keys(100);
  // bits_per_key and the probes it gives: 0.69 (rounds up to 1), 2.07, 3.45, 6.9, 13.8,
  // 34.5 (capped at 30).
  for (const auto& [bits_per_key, probes] : std::vector<std::pair<std::size_t, std::size_t>>{
           {1, 1}, {3, 2}, {5, 3}, {10, 7}, {20, 14}, {50, 30}}) {
    INFO("bits per key: " << bits_per_key);
    CHECK(Bloom::build(hashes, bits_per_key).num_probes() == probes);
  }
}

TEST_CASE("bloom filter has no false negatives when its bit count is not a multiple of 8",
          "[w1d7][bloom]") {
  // 1001 keys at 10 bits per key ask for 10010 bits, which round up to 1252 bytes (10016 bits):
  // build() and may_contain() must both take the probes modulo the same number of bits.
  const std::vector<std::uint32_t> hashes = hashes_of_keys(1001);
  for (const std::size_t bits_per_key : std::initializer_list<std::size_t>{3, 10, 13}) {
    const Bloom filter = Bloom::build(hashes, bits_per_key);
    int missed = 0;
    for (const std::uint32_t hash : hashes) {
      missed += filter.may_contain(hash) ? 0 : 1;
    }
    INFO("bits per key: " << bits_per_key << ", " << filter.num_bits() << " bits");
    CHECK(missed == 0);
  }
}

TEST_CASE("bloom filter with more bits per key lets fewer absent keys through (20 vs 5)",
          "[w1d7][bloom]") {
  const std::vector<std::uint32_t> hashes = hashes_of_keys(5000);
  const int with_5 = false_positives(Bloom::build(hashes, 5), 10000);
  const int with_20 = false_positives(Bloom::build(hashes, 20), 10000);
  INFO("false positives: " << with_5 << " with 5 bits per key, " << with_20 << " with 20");
  CHECK(with_5 > 0);  // about 9%: a filter that lets nothing through would be wrong
  CHECK(with_20 * 10 < with_5);
}

TEST_CASE("an empty bloom filter rules out every key", "[w1d7][bloom]") {
  const Bloom filter = Bloom::build({}, 10);
  CHECK(filter.num_bits() >= 64);
  CHECK(false_positives(filter, 1000) == 0);
}

TEST_CASE("bloom filter encode then decode gives the same answers", "[w1d7][bloom]") {
  const std::vector<std::uint32_t> hashes = hashes_of_keys(1000);
  const Bloom original = Bloom::build(hashes, 10);
  const std::string bytes = original.encode();
  CHECK(bytes.size() == original.num_bits() / 8 + 1);  // the bit array, then the probe count
  CHECK(static_cast<unsigned char>(bytes.back()) == original.num_probes());

  const Bloom decoded = Bloom::decode(bytes);
  CHECK(decoded.num_bits() == original.num_bits());
  CHECK(decoded.num_probes() == original.num_probes());
  CHECK(decoded.encode() == bytes);
  int present = 0;
  for (const std::uint32_t hash : hashes) {
    present += decoded.may_contain(hash) ? 1 : 0;
  }
  CHECK(present == 1000);
  int differ = 0;
  for (int i = 0; i < 5000; ++i) {
    const std::uint32_t hash = Bloom::hash("absent" + numbered_key(i));
    differ += decoded.may_contain(hash) != original.may_contain(hash) ? 1 : 0;
  }
  CHECK(differ == 0);
}

TEST_CASE("bloom filter decode of empty or garbled bytes throws Corruption", "[w1d7][bloom]") {
  const std::string good = Bloom::build(hashes_of_keys(100), 10).encode();
  CHECK_THROWS_AS(Bloom::decode("", "f.sst", 7), Corruption);
  CHECK_THROWS_AS(Bloom::decode(std::string(1, '\x07')), Corruption);  // probes but no bits

  std::string zero_probes = good;
  zero_probes.back() = '\0';
  CHECK_THROWS_AS(Bloom::decode(zero_probes), Corruption);
  std::string too_many_probes = good;
  too_many_probes.back() = '\xff';
  CHECK_THROWS_AS(Bloom::decode(too_many_probes), Corruption);

  try {
    Bloom::decode("", "12.sst", 300);
    FAIL("decode of no bytes must throw");
  } catch (const Corruption& error) {
    CHECK(error.file() == "12.sst");
    CHECK(error.offset() >= 300);
  }
}

TEST_CASE("an SST built with bloom bits has a filter that rules out absent keys in its range",
          "[w1d7][bloom][sst]") {
  TempDir dir;
  const auto with_filter = build_even_keys(dir, 1, 1000, 10);
  const auto without_filter = build_even_keys(dir, 2, 1000, 0);
  INFO("week 1 day 7: SsTableBuilder::build must write a Bloom filter when bloom_bits_per_key > 0");
  REQUIRE(with_filter->bloom() != nullptr);
  CHECK(without_filter->bloom() == nullptr);
  CHECK(with_filter->file_size() > without_filter->file_size());

  int present = 0;
  int absent_passed = 0;
  int absent_passed_without = 0;
  for (int i = 0; i < 1000; ++i) {
    present += with_filter->may_contain(numbered_key(2 * i)) ? 1 : 0;
    absent_passed += with_filter->may_contain(numbered_key(2 * i + 1)) ? 1 : 0;
    absent_passed_without += without_filter->may_contain(numbered_key(2 * i + 1)) ? 1 : 0;
  }
  CHECK(present == 1000);
  // Key 1999 is above the last key (1998), so the range check alone rules out exactly one.
  CHECK(absent_passed_without == 999);
  INFO("week 1 day 7: SsTable::may_contain must ask the Bloom filter after the key-range check");
  CHECK(absent_passed < 20);
}

TEST_CASE("an SST's Bloom filter is read back when the file is opened again",
          "[w1d7][bloom][sst]") {
  TempDir dir;
  const auto built = build_even_keys(dir, 1, 500, 10);
  INFO("week 1 day 7: SsTableBuilder::build writes the filter, SsTable::open reads it back");
  REQUIRE(built->bloom() != nullptr);
  const auto reopened = SsTable::open(1, nullptr, FileObject::open(dir.path() / "1.sst"));
  REQUIRE(reopened->bloom() != nullptr);
  CHECK(reopened->bloom()->encode() == built->bloom()->encode());
  CHECK(reopened->first_key() == numbered_key(0));
  CHECK(reopened->last_key() == numbered_key(998));
  int same = 0;
  for (int i = 0; i < 1000; ++i) {
    same += reopened->may_contain(numbered_key(i)) == built->may_contain(numbered_key(i)) ? 1 : 0;
  }
  CHECK(same == 1000);
}

TEST_CASE("engine get of absent keys inside a flushed SST's range reads almost no blocks",
          "[w1d7][bloom][engine]") {
  TempDir dir;
  const auto lookups = [&](std::size_t bloom_bits_per_key) {
    LsmOptions options;
    options.bloom_bits_per_key = bloom_bits_per_key;
    auto engine =
        LsmStorage::open(dir.path() / ("db" + std::to_string(bloom_bits_per_key)), options);
    for (int i = 0; i < 1000; ++i) {
      engine->put(numbered_key(2 * i), "value" + std::to_string(i));
    }
    engine->force_freeze_memtable();
    engine->force_flush();
    const auto state = engine->state();
    REQUIRE(state->memtable->is_empty());
    REQUIRE(state->imm_memtables.empty());
    REQUIRE(state->l0_sstables.size() == 1);

    const auto& cache = *engine->block_cache();
    const std::uint64_t before = cache.hits() + cache.misses();
    int absent = 0;
    for (int i = 0; i < 999; ++i) {  // the odd keys 1..1997, all inside the SST's key range
      absent += engine->get(numbered_key(2 * i + 1)) == std::nullopt ? 1 : 0;
    }
    CHECK(absent == 999);
    const std::uint64_t blocks_read = cache.hits() + cache.misses() - before;

    int present = 0;
    for (int i = 0; i < 1000; ++i) {
      present += engine->get(numbered_key(2 * i)) == "value" + std::to_string(i) ? 1 : 0;
    }
    CHECK(present == 1000);
    return blocks_read;
  };

  // Without a filter every absent key costs a block read: that is what the filter saves.
  CHECK(lookups(0) >= 999);
  const std::uint64_t with_filter = lookups(10);
  INFO(
      "week 1 day 7: LsmStorage::get reads a block only when SsTable::may_contain says yes; "
      "may_contain must consult the SST's Bloom filter, built by SsTableBuilder::build");
  CHECK(with_filter < 50);  // under 5% of the lookups
}

TEST_CASE("bloom hash depends on every byte of keys longer than 16 bytes", "[w1d7][bloom]") {
  // A hash that reads whole 8- or 16-byte words and drops the tail, or stops after a fixed number
  // of bytes, gives long keys that differ late the same hash.
  for (const std::size_t length : {17, 23, 24, 25, 31, 32, 33, 64, 100, 1000}) {
    const std::string base(length, 'k');
    for (const std::size_t position : {std::size_t{0}, std::size_t{8}, std::size_t{15},
                                       std::size_t{16}, length - 2, length - 1}) {
      INFO(length << "-byte key, byte " << position << " changed");
      std::string changed = base;
      changed[position] = 'j';
      CHECK(Bloom::hash(changed) != Bloom::hash(base));
    }
    INFO(length << "-byte key, one byte longer");
    CHECK(Bloom::hash(base + 'k') != Bloom::hash(base));
  }
}

TEST_CASE("a one-probe bloom filter tells apart keys that differ only in the top bits of a byte",
          "[w1d7][bloom]") {
  // 1 bit per key: one probe into a 64-bit array, so the probe is the hash modulo 64. A hash whose
  // low bits depend only on the low bits of each byte (FNV-1a without a finalizer) sends a key
  // and that key with bit 6 or 7 of any byte flipped to the same bit: all would pass.
  std::vector<std::string> present;
  std::vector<std::uint32_t> hashes;
  for (int i = 0; i < 3; ++i) {
    present.push_back(numbered_key(i));
    hashes.push_back(Bloom::hash(present.back()));
  }
  const Bloom filter = Bloom::build(hashes, 1);
  REQUIRE(filter.num_probes() == 1);
  REQUIRE(filter.num_bits() == 64);
  int passed = 0;
  int tried = 0;
  for (const std::string& key : present) {
    for (std::size_t position = 0; position < key.size(); ++position) {
      for (const int mask : {0x40, 0x80, 0xc0}) {
        std::string absent = key;
        absent[position] = static_cast<char>(absent[position] ^ mask);
        passed += filter.may_contain(Bloom::hash(absent)) ? 1 : 0;
        ++tried;
      }
    }
  }
  INFO(passed << " of " << tried << " absent keys passed; 3 bits of 64 are set, so about 4 should");
  CHECK(passed < 20);
}

TEST_CASE("bloom filter over keys with a 40-byte shared prefix keeps its false-positive rate",
          "[w1d7][bloom]") {
  const std::string prefix(40, 'p');
  std::vector<std::uint32_t> hashes;
  for (int i = 0; i < 2000; ++i) {
    hashes.push_back(Bloom::hash(prefix + numbered_key(i)));
  }
  const Bloom filter = Bloom::build(hashes, 10);
  int missed = 0;
  for (const std::uint32_t hash : hashes) {
    missed += filter.may_contain(hash) ? 0 : 1;
  }
  CHECK(missed == 0);
  int passed = 0;
  for (int i = 2000; i < 12000; ++i) {
    passed += filter.may_contain(Bloom::hash(prefix + numbered_key(i))) ? 1 : 0;
  }
  INFO(passed << " of 10000 absent long keys passed the filter");
  CHECK(passed < 200);
}

namespace {

std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::filesystem::remove(path);
  std::ofstream(path, std::ios::binary) << bytes;
}

// The bytes of the Bloom filter in an SST file: [filter offset, footer start), the filter offset
// being the footer's second u32 (table.hpp). In format version 2 (from week 2 day 7; the footer's
// third u32) the filter is followed by its CRC-32C, kSstChecksumSize bytes not included here.
std::pair<std::size_t, std::size_t> filter_section(const std::string& bytes) {
  const std::size_t footer = bytes.size() - mini_lsm::kSstFooterSize;
  const auto offset =
      static_cast<std::size_t>(mini_lsm::testing::little_endian_at(bytes, footer + 4, 4));
  const auto version =
      static_cast<std::uint32_t>(mini_lsm::testing::little_endian_at(bytes, footer + 8, 4));
  INFO("the SST declares format version " << version);
  REQUIRE((version == mini_lsm::kSstFormatVersion ||
           version == mini_lsm::kSstChecksummedFormatVersion));
  const std::size_t end =
      version == mini_lsm::kSstFormatVersion ? footer : footer - mini_lsm::kSstChecksumSize;
  REQUIRE(offset < end);
  return {offset, end};
}

// After the filter bytes of `bytes` were changed: in format version 2 their checksum is written
// anew (by the harness's own CRC-32C), so that the changed filter reaches the filter's decoder
// rather than stopping at the checksum. Version 1 has none.
void reseal_filter(std::string& bytes) {
  const auto [begin, end] = filter_section(bytes);
  const std::size_t footer = bytes.size() - mini_lsm::kSstFooterSize;
  if (end < footer) {
    std::string checksum;
    mini_lsm::testing::append_little_endian(
        checksum,
        mini_lsm::testing::harness_crc32c(std::string_view(bytes).substr(begin, end - begin)), 4);
    bytes.replace(end, checksum.size(), checksum);
  }
}

}  // namespace

TEST_CASE("sst open of a file with a damaged Bloom filter throws Corruption naming the file",
          "[w1d7][bloom][sst][corruption]") {
  TempDir dir;
  build_even_keys(dir, 1, 500, 10);
  const auto good_path = dir.path() / "1.sst";
  const std::string good = read_bytes(good_path);
  const auto [begin, end] = filter_section(good);
  const auto path = dir.path() / "2.sst";
  for (const char probes : {'\0', '\x1f', '\xff'}) {
    INFO("probe count " << static_cast<int>(static_cast<unsigned char>(probes)));
    std::string damaged = good;
    damaged[end - 1] = probes;  // the filter's last byte: its number of probes
    reseal_filter(damaged);
    write_bytes(path, damaged);
    try {
      SsTable::open(2, nullptr, FileObject::open(path));
      FAIL("SsTable::open accepted a filter with a bad probe count");
    } catch (const Corruption& error) {
      CHECK(error.file() == path.string());
      CHECK(error.offset() >= begin);
      CHECK(error.offset() < end);
    }
  }
}

TEST_CASE("an all-zero Bloom filter rules out every key, alone and in an SST",
          "[w1d7][bloom][sst]") {
  std::string zero_bits(128, '\0');
  const Bloom alone = Bloom::decode(zero_bits + '\x07');
  CHECK(alone.num_bits() == 1024);
  CHECK(alone.num_probes() == 7);
  CHECK(false_positives(alone, 1000) == 0);
  int passed = 0;
  for (const std::uint32_t hash : hashes_of_keys(1000)) {
    passed += alone.may_contain(hash) ? 1 : 0;
  }
  CHECK(passed == 0);

  // An SST whose filter bits were all zeroed (the probe count kept) is a valid file whose filter
  // says no to every key, even its own: may_contain must go by the filter it read.
  TempDir dir;
  build_even_keys(dir, 1, 500, 10);
  std::string bytes = read_bytes(dir.path() / "1.sst");
  const auto [begin, end] = filter_section(bytes);
  bytes.replace(begin, end - 1 - begin, std::string(end - 1 - begin, '\0'));
  reseal_filter(bytes);
  const auto path = dir.path() / "2.sst";
  write_bytes(path, bytes);
  const auto table = SsTable::open(2, nullptr, FileObject::open(path));
  REQUIRE(table->bloom() != nullptr);
  CHECK(table->bloom()->num_bits() == (end - 1 - begin) * 8);
  int says_maybe = 0;
  for (int i = 0; i < 1000; ++i) {
    says_maybe += table->may_contain(numbered_key(i)) ? 1 : 0;
  }
  CHECK(says_maybe == 0);
}
