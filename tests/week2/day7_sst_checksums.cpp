// Week 2 day 7: SST format version 2. Every block, the block metadata and a non-empty Bloom filter
// are followed by the CRC-32C of their bytes, and a reader checks it before it decodes them. So a
// damaged SST is Corruption naming the file and the damaged section (at open for the metadata and
// the filter, when the block is read for a block), never a wrong value and never a crash; and an
// SST of version 1, written before this chapter, still opens and reads.
//
// The expected bytes are built here from the documented layout, with BlockBuilder,
// BlockMeta::encode and Bloom::build (week 1's code) and the harness's own CRC-32C. Files live on
// the in-memory FaultInjectionFs, so that the thousands of damaged copies cost no disk I/O.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "harness/catch.hpp"
#include "harness/collect.hpp"
#include "harness/day7_sst_bytes.hpp"
#include "harness/fault_injection_fs.hpp"
#include "harness/hex.hpp"
#include "mini_lsm/block.hpp"
#include "mini_lsm/bloom.hpp"
#include "mini_lsm/error.hpp"
#include "mini_lsm/file.hpp"
#include "mini_lsm/lsm_storage.hpp"
#include "mini_lsm/table.hpp"

using mini_lsm::Block;
using mini_lsm::BlockBuilder;
using mini_lsm::BlockMeta;
using mini_lsm::Bloom;
using mini_lsm::Corruption;
using mini_lsm::FileObject;
using mini_lsm::kSstChecksummedFormatVersion;
using mini_lsm::kSstFooterSize;
using mini_lsm::kSstFormatVersion;
using mini_lsm::LsmOptions;
using mini_lsm::LsmStorage;
using mini_lsm::SsTable;
using mini_lsm::SsTableBuilder;
using mini_lsm::SsTableIterator;
using mini_lsm::testing::collect;
using mini_lsm::testing::Entries;
using mini_lsm::testing::FaultInjectionFs;
using mini_lsm::testing::from_hex;
using mini_lsm::testing::harness_crc32c;
using mini_lsm::testing::le32;
using mini_lsm::testing::numbered_key;
using mini_lsm::testing::to_hex;
using mini_lsm::testing::day7::flipped;
using mini_lsm::testing::day7::sealed;
using mini_lsm::testing::day7::sst_footer;
using mini_lsm::testing::day7::u32_at;

namespace {

const char* const kDir = "/db";
const char* const kPath = "/db/1.sst";

// ---- Data and the layout it must have --------------------------------------------------------

// Keys key000000.. with values of varied lengths (a few empty: tombstones are entries too).
Entries sample_entries(int count) {
  Entries entries;
  for (int i = 0; i < count; ++i) {
    std::string value;
    if (i % 9 != 4) {
      value = "value-" + std::to_string(i);
      value.append(static_cast<std::size_t>(i % 5) * 7, static_cast<char>('a' + i % 26));
    }
    entries.emplace_back(numbered_key(i), std::move(value));
  }
  return entries;
}

// Where each section of an SST starts, and all its bytes.
struct SstLayout {
  std::vector<std::uint64_t> block_offsets;
  std::vector<BlockMeta> metas;
  std::uint64_t meta_offset = 0;
  std::uint64_t filter_offset = 0;
  std::uint64_t footer_at = 0;
  std::string bytes;
};

// The SST of `entries` as the format lays it out: blocks cut as BlockBuilder refuses entries, then
// the metadata, the filter (none for 0 bits per key) and the footer. In version 2 each of those
// sections but the footer is followed by its CRC-32C; in version 1 nothing is.
SstLayout expected_layout(const Entries& entries, std::size_t block_size, std::size_t bloom_bits,
                          std::uint32_t version) {
  const auto seal = [version](const std::string& section) {
    return version == kSstChecksummedFormatVersion ? sealed(section) : section;
  };
  SstLayout layout;
  BlockBuilder block(block_size);
  std::string first_key;
  std::string last_key;
  const auto finish_block = [&] {
    layout.block_offsets.push_back(layout.bytes.size());
    layout.metas.push_back(
        BlockMeta{static_cast<std::uint32_t>(layout.bytes.size()), first_key, last_key});
    layout.bytes += seal(block.build().encode());
    block = BlockBuilder(block_size);
  };
  std::vector<std::uint32_t> hashes;
  for (const auto& [key, value] : entries) {
    if (!block.is_empty() && !block.add(key, value)) {
      finish_block();
    }
    if (block.is_empty()) {
      REQUIRE(block.add(key, value));
      first_key = key;
    }
    last_key = key;
    hashes.push_back(Bloom::hash(key));
  }
  finish_block();
  layout.meta_offset = layout.bytes.size();
  std::string meta;
  BlockMeta::encode(layout.metas, meta);
  layout.bytes += seal(meta);
  layout.filter_offset = layout.bytes.size();
  if (bloom_bits > 0) {
    layout.bytes += seal(Bloom::build(hashes, bloom_bits).encode());
  }
  layout.footer_at = layout.bytes.size();
  layout.bytes += sst_footer(static_cast<std::uint32_t>(layout.meta_offset),
                             static_cast<std::uint32_t>(layout.filter_offset), version);
  return layout;
}

std::shared_ptr<SsTable> build_sst(FaultInjectionFs& fs, const Entries& entries,
                                   std::size_t block_size, std::size_t bloom_bits) {
  fs.create_directories(kDir);
  SsTableBuilder builder(block_size, bloom_bits);
  for (const auto& [key, value] : entries) {
    builder.add(key, value);
  }
  return builder.build(1, nullptr, kPath, fs);
}

// The SST this chapter's builder writes for `entries`: REQUIREs version 2 (before week 2 day 7 the
// builder writes version 1, and every test here stops at this line) and returns its bytes.
std::string built_v2_bytes(FaultInjectionFs& fs, const Entries& entries, std::size_t block_size,
                           std::size_t bloom_bits) {
  const std::shared_ptr<SsTable> table = build_sst(fs, entries, block_size, bloom_bits);
  INFO("week 2 day 7: SsTableBuilder writes format version 2 (written_sst_format_version)");
  REQUIRE(table->format_version() == kSstChecksummedFormatVersion);
  return fs.contents(kPath);
}

// ---- Reading a damaged copy ------------------------------------------------------------------

// What reading a copy of an SST gave: the Corruption (and whether open() threw it), or nothing.
struct ReadOutcome {
  std::optional<Corruption> error;
  bool at_open = false;
};

// Writes `bytes` as kPath, opens it and reads everything a reader can: the full scan and, for every
// key, may_contain() (a damaged filter that rules out a key it holds is a wrong answer too). If no
// Corruption came, every entry must have come back exactly as written.
ReadOutcome read_copy(FaultInjectionFs& fs, const std::string& bytes, const Entries& entries) {
  fs.write_file(kPath, bytes);
  ReadOutcome outcome;
  std::shared_ptr<SsTable> table;
  try {
    table = SsTable::open(1, nullptr, FileObject::open(kPath, fs));
  } catch (const Corruption& error) {
    outcome.error = error;
    outcome.at_open = true;
    return outcome;
  }
  try {
    auto iterator = SsTableIterator::create_and_seek_to_first(table);
    const Entries read = collect(iterator);
    CHECK(read == entries);
    const auto ruled_out = std::count_if(entries.begin(), entries.end(), [&](const auto& entry) {
      return !table->may_contain(entry.first);
    });
    CHECK(ruled_out == 0);
  } catch (const Corruption& error) {
    outcome.error = error;
  }
  return outcome;
}

// The section of `layout` that holds byte `position`, as a reader names it: where it starts, the
// words its Corruption uses, and whether open() reads it (the metadata, the filter, the footer)
// or only a block read does.
struct Section {
  std::uint64_t offset = 0;
  std::string name;
  bool read_at_open = true;
  bool is_footer = false;
};

Section section_of(const SstLayout& layout, std::uint64_t position) {
  if (position >= layout.footer_at) {
    return {layout.footer_at, "the footer", true, true};
  }
  if (position >= layout.filter_offset) {
    return {layout.filter_offset, "the Bloom filter"};
  }
  if (position >= layout.meta_offset) {
    return {layout.meta_offset, "the block metadata"};
  }
  std::size_t index = layout.block_offsets.size() - 1;
  while (layout.block_offsets[index] > position) {
    --index;
  }
  return {layout.block_offsets[index], "block " + std::to_string(index), false};
}

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

bool mentions(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Asserts that damage at `position` was reported as the damaged section's checksum failing:
// Corruption naming the file at the section's offset, thrown by open() for the metadata and the
// filter and by the block read for a block. Damage to the footer, which has no checksum, must be
// refused at open (see the footer test for where).
void check_caught(const ReadOutcome& outcome, const SstLayout& layout, std::uint64_t position) {
  const Section section = section_of(layout, position);
  INFO("damage at byte " << position << ", in " << section.name);
  REQUIRE(outcome.error.has_value());
  const Corruption& error = *outcome.error;
  INFO(error.what());
  CHECK(error.file() == kPath);
  CHECK(outcome.at_open == section.read_at_open);
  if (!section.is_footer) {
    CHECK(error.offset() == section.offset);
    CHECK(starts_with(error.detail(), section.name + " "));
    CHECK(mentions(error.detail(), "checksum"));
  }
}

// ---- Seeded damage for the fuzz loops ----------------------------------------------------------

// Damage of a few kinds to `bytes`, chosen by `random`: a few bytes xored, a range zeroed or
// overwritten with random bytes, and (when `may_resize`) a cut or random bytes added at the end.
// Never a no-op: the bytes returned differ from those given.
std::string mutate(std::string bytes, std::mt19937_64& random, bool may_resize) {
  const std::string original = bytes;
  while (bytes == original) {
    const auto pick = [&](std::size_t bound) {
      return static_cast<std::size_t>(random() % std::max<std::size_t>(bound, 1));
    };
    switch (pick(may_resize ? 5 : 3)) {
      case 0:
        for (std::size_t flips = 1 + pick(3); flips > 0; --flips) {
          const std::size_t at = pick(bytes.size());
          bytes[at] = static_cast<char>(static_cast<unsigned char>(bytes[at]) ^ (1 + pick(255)));
        }
        break;
      case 1: {
        const std::size_t at = pick(bytes.size());
        std::fill_n(bytes.begin() + static_cast<std::ptrdiff_t>(at),
                    std::min(1 + pick(16), bytes.size() - at), '\0');
        break;
      }
      case 2: {
        const std::size_t at = pick(bytes.size());
        for (std::size_t i = at; i < std::min(at + 1 + pick(8), bytes.size()); ++i) {
          bytes[i] = static_cast<char>(random());
        }
        break;
      }
      case 3:
        bytes.resize(pick(bytes.size()));
        break;
      default:
        for (std::size_t added = 1 + pick(20); added > 0; --added) {
          bytes.push_back(static_cast<char>(random()));
        }
    }
  }
  return bytes;
}

// A small SST that gives the fuzz loops blocks, metadata and a filter to damage.
struct FuzzSubject {
  FaultInjectionFs fs;
  Entries entries = sample_entries(40);
  SstLayout layout = expected_layout(entries, 128, 10, kSstChecksummedFormatVersion);
  std::string bytes;
};

void prepare(FuzzSubject& subject) {
  subject.bytes = built_v2_bytes(subject.fs, subject.entries, 128, 10);
  REQUIRE(subject.bytes == subject.layout.bytes);
  REQUIRE(subject.layout.block_offsets.size() >= 4);
}

}  // namespace

// ---- Layout ----------------------------------------------------------------------------------

namespace {

// The layout test of one SST: `entries` with `bloom_bits` bits per key.
void check_layout(const Entries& entries, std::size_t bloom_bits) {
  FaultInjectionFs fs;
  const std::string bytes = built_v2_bytes(fs, entries, 200, bloom_bits);
  const SstLayout layout = expected_layout(entries, 200, bloom_bits, kSstChecksummedFormatVersion);
  REQUIRE(layout.block_offsets.size() >= 5);
  CHECK(to_hex(bytes) == to_hex(layout.bytes));

  // The same thing field by field, for a learner who wants to see which one is off.
  const auto table = SsTable::open(1, nullptr, FileObject::open(kPath, fs));
  CHECK(table->format_version() == kSstChecksummedFormatVersion);
  CHECK(table->block_meta() == layout.metas);
  const std::uint64_t footer_at = bytes.size() - kSstFooterSize;
  CHECK(u32_at(bytes, footer_at) == layout.meta_offset);
  CHECK(u32_at(bytes, footer_at + 4) == layout.filter_offset);
  CHECK(u32_at(bytes, footer_at + 8) == 2);
  CHECK(bytes.substr(footer_at + 12) == "LSMT");
  // Each block's last four bytes, just before where the next section starts, are its checksum.
  std::vector<std::uint64_t> ends(layout.block_offsets.begin() + 1, layout.block_offsets.end());
  ends.push_back(layout.meta_offset);
  for (std::size_t i = 0; i < ends.size(); ++i) {
    INFO("block " << i);
    const std::uint64_t begin = layout.block_offsets[i];
    const std::string block = bytes.substr(begin, ends[i] - begin - 4);
    CHECK(u32_at(bytes, ends[i] - 4) == harness_crc32c(block));
    CHECK(table->read_block(i)->encode() == block);
  }
  CHECK(u32_at(bytes, layout.filter_offset - 4) ==
        harness_crc32c(
            bytes.substr(layout.meta_offset, layout.filter_offset - layout.meta_offset - 4)));
  if (bloom_bits > 0) {
    REQUIRE(table->bloom() != nullptr);
    CHECK(u32_at(bytes, footer_at - 4) ==
          harness_crc32c(bytes.substr(layout.filter_offset, footer_at - layout.filter_offset - 4)));
  } else {
    CHECK(table->bloom() == nullptr);
    CHECK(layout.filter_offset == footer_at);  // no filter: no section, no checksum
  }
  auto iterator = SsTableIterator::create_and_seek_to_first(table);
  CHECK(collect(iterator) == entries);
}

}  // namespace

TEST_CASE(
    "sst of version 2 is its blocks, its block metadata and its filter, each followed by the "
    "CRC-32C of its bytes, then a footer of version 2",
    "[w2d7][sst-checksums]") {
  const Entries entries = sample_entries(60);
  for (const std::size_t bloom_bits : {10, 0}) {
    INFO((bloom_bits > 0 ? "with" : "without") << " a Bloom filter");
    check_layout(entries, bloom_bits);
  }
}

// Worked out by hand from the format (block size 40: "k1" and "k2" fill the first block, "k3"
// needs a second). Keys after a block's first are stored as the bytes they share with it and the
// rest (week 1 day 7). The checksums are CRC-32C of the bytes of their section.
const std::string kTinySstHex =
    "0000 0200 6b31 02000000 7631"          // @0 block 0: "k1" -> "v1"
    "0100 0100 32 03000000 763232"          //    @12: shares 1 byte ("k"), then "2" -> "v22"
    "00000000 0c000000 02000000"            //    offsets 0 and 12, 2 entries
    "5c396e3a"                              // @36 CRC-32C of the 36 bytes of block 0
    "0000 0200 6b33 00000000"               // @40 block 1: "k3" -> "" (a tombstone)
    "00000000 01000000"                     //    offset 0, 1 entry
    "ecbc2e1f"                              // @58 CRC-32C of block 1
    "02000000"                              // @62 block metadata: 2 blocks
    "00000000 0200 6b31 0200 6b32"          //    block 0 at 0, "k1" .. "k2"
    "28000000 0200 6b33 0200 6b33"          //    block 1 at 40, "k3" .. "k3"
    "303d6743"                              // @90 CRC-32C of the metadata
    "3e000000 5e000000 02000000 4c534d54";  // @94 footer: meta at 62, (no) filter at 94, v2, "LSMT"

const Entries kTinyEntries = {{"k1", "v1"}, {"k2", "v22"}, {"k3", ""}};

TEST_CASE("sst of three entries in two blocks has exactly the bytes of format version 2",
          "[w2d7][sst-checksums][golden]") {
  FaultInjectionFs fs;
  const std::string bytes = built_v2_bytes(fs, kTinyEntries, 40, 0);
  CHECK(bytes.size() == 110);
  CHECK(to_hex(bytes) == to_hex(from_hex(kTinySstHex)));
  CHECK(bytes == expected_layout(kTinyEntries, 40, 0, kSstChecksummedFormatVersion).bytes);
}

// ---- Damage ----------------------------------------------------------------------------------

TEST_CASE("sst of version 2 cut at every length is Corruption naming the file when it is opened",
          "[w2d7][sst-checksums]") {
  FaultInjectionFs fs;
  const Entries entries = sample_entries(30);
  const std::string bytes = built_v2_bytes(fs, entries, 128, 10);
  for (std::size_t length = 0; length < bytes.size(); ++length) {
    INFO("cut to " << length << " of " << bytes.size() << " bytes");
    const ReadOutcome outcome = read_copy(fs, bytes.substr(0, length), entries);
    REQUIRE(outcome.error.has_value());
    CHECK(outcome.at_open);
    CHECK(outcome.error->file() == kPath);
  }
}

// Which bytes of a version-2 SST can change without harm? None. Every byte of a block, of the
// metadata and of the filter is covered by its section's CRC-32C, which catches every error
// inside one byte (a CRC-32 catches every burst of up to 32 bits). The footer has no checksum,
// but each of its fields has one right value: a flipped magic or version is refused (a version
// that became 1 reads the metadata's checksum as 4 stray bytes), and a moved meta or filter
// offset makes a section start or end in the wrong place, so its checksum fails (or the offsets
// no longer fit the file). So every flip below must be Corruption; week 1's version 1 had no such
// guarantee (a flipped bit of a value read back as a wrong value).
TEST_CASE(
    "sst of version 2 with any one bit flipped is Corruption naming the file and the section "
    "whose checksum failed, since no bit is harmless",
    "[w2d7][sst-checksums]") {
  FaultInjectionFs fs;
  const std::string bytes = built_v2_bytes(fs, kTinyEntries, 40, 0);
  const SstLayout layout = expected_layout(kTinyEntries, 40, 0, kSstChecksummedFormatVersion);
  REQUIRE(bytes == layout.bytes);
  for (std::size_t position = 0; position < bytes.size(); ++position) {
    for (int bit = 0; bit < 8; ++bit) {
      INFO("bit " << bit);
      const auto mask = static_cast<unsigned char>(1U << bit);
      check_caught(read_copy(fs, flipped(bytes, position, mask), kTinyEntries), layout, position);
    }
  }
}

TEST_CASE(
    "sst of version 2 with a filter and six blocks, any byte xored with 0x01 or 0xff, is "
    "Corruption naming the file and the damaged section",
    "[w2d7][sst-checksums]") {
  FaultInjectionFs fs;
  const Entries entries = sample_entries(24);
  const std::string bytes = built_v2_bytes(fs, entries, 96, 10);
  const SstLayout layout = expected_layout(entries, 96, 10, kSstChecksummedFormatVersion);
  REQUIRE(bytes == layout.bytes);
  REQUIRE(layout.block_offsets.size() >= 6);
  for (const unsigned char mask : {0x01, 0xff}) {
    for (std::size_t position = 0; position < bytes.size(); ++position) {
      INFO("xor " << static_cast<int>(mask));
      check_caught(read_copy(fs, flipped(bytes, position, mask), entries), layout, position);
    }
  }
}

TEST_CASE(
    "sst of version 2 with a damaged footer field is Corruption at open (the magic, the version, "
    "or offsets that leave the metadata too short for its checksum)",
    "[w2d7][sst-checksums]") {
  FaultInjectionFs fs;
  const std::string bytes = built_v2_bytes(fs, kTinyEntries, 40, 0);
  const std::uint64_t footer_at = bytes.size() - kSstFooterSize;
  const std::uint32_t meta_offset = u32_at(bytes, footer_at);
  const auto with_field = [&](std::size_t field, std::uint32_t value) {
    std::string damaged = bytes;
    damaged.replace(footer_at + 4 * field, 4, le32(value));
    return read_copy(fs, damaged, kTinyEntries);
  };
  const auto require_open_error = [&](const ReadOutcome& outcome) {
    REQUIRE(outcome.error.has_value());
    INFO(outcome.error->what());
    CHECK(outcome.at_open);
    CHECK(outcome.error->file() == kPath);
    return *outcome.error;  // a copy: `outcome` is often a temporary
  };

  SECTION("a version of 0, 3 or 0xffffffff is refused at the version field") {
    for (const std::uint32_t version : {0U, 3U, 0xffffffffU}) {
      const Corruption error = require_open_error(with_field(2, version));
      CHECK(error.offset() == footer_at + 8);
      CHECK(mentions(error.detail(), "version " + std::to_string(version)));
    }
  }
  SECTION("a version-2 file whose footer says version 1 has 4 stray bytes after its metadata") {
    const Corruption error = require_open_error(with_field(2, kSstFormatVersion));
    CHECK(error.offset() == u32_at(bytes, footer_at + 4) - 4);  // where its checksum starts
  }
  SECTION("a magic with one bit flipped is refused at the magic field") {
    const Corruption error = require_open_error(with_field(3, u32_at(bytes, footer_at + 12) ^ 8));
    CHECK(error.offset() == footer_at + 12);
  }
  SECTION("a metadata section of 0 to 3 bytes cannot hold its checksum") {
    for (std::uint32_t size = 0; size < 4; ++size) {
      INFO("a metadata section of " << size << " bytes");
      const Corruption error = require_open_error(with_field(1, meta_offset + size));
      CHECK(error.offset() == meta_offset);
      CHECK(starts_with(error.detail(), "the block metadata "));
    }
  }
  SECTION("a metadata section moved to start one byte early or late fails its checksum") {
    for (const std::uint32_t moved : {meta_offset - 1, meta_offset + 1}) {
      const Corruption error = require_open_error(with_field(0, moved));
      CHECK(error.offset() == moved);
      CHECK(mentions(error.detail(), "checksum"));
    }
  }
}

// ---- The filter ------------------------------------------------------------------------------

TEST_CASE(
    "sst Bloom filter of version 2: every flipped bit of the filter or its checksum is "
    "Corruption at the filter's offset when the SST is opened",
    "[w2d7][sst-checksums][bloom]") {
  FaultInjectionFs fs;
  const Entries entries = sample_entries(30);
  const std::string bytes = built_v2_bytes(fs, entries, 4096, 10);
  const SstLayout layout = expected_layout(entries, 4096, 10, kSstChecksummedFormatVersion);
  REQUIRE(bytes == layout.bytes);
  REQUIRE(layout.footer_at - layout.filter_offset > 8);
  for (std::uint64_t position = layout.filter_offset; position < layout.footer_at; ++position) {
    for (int bit = 0; bit < 8; ++bit) {
      INFO("bit " << bit);
      const auto mask = static_cast<unsigned char>(1U << bit);
      const ReadOutcome outcome = read_copy(fs, flipped(bytes, position, mask), entries);
      check_caught(outcome, layout, position);
    }
  }
}

TEST_CASE(
    "sst Bloom filter zeroed on disk is Corruption in version 2, and only with its checksum made "
    "to "
    "match does it open, and then it rules out every key",
    "[w2d7][sst-checksums][bloom]") {
  FaultInjectionFs fs;
  const Entries entries = sample_entries(30);
  const std::string bytes = built_v2_bytes(fs, entries, 4096, 10);
  const SstLayout layout = expected_layout(entries, 4096, 10, kSstChecksummedFormatVersion);
  REQUIRE(bytes == layout.bytes);
  // The filter's bits, without the probe count (its last byte) and the checksum after it.
  const std::uint64_t bits_at = layout.filter_offset;
  const std::uint64_t bits_size = layout.footer_at - 4 - 1 - bits_at;
  std::string zeroed = bytes;
  zeroed.replace(bits_at, bits_size, std::string(bits_size, '\0'));

  const ReadOutcome outcome = read_copy(fs, zeroed, entries);
  REQUIRE(outcome.error.has_value());
  CHECK(outcome.at_open);
  CHECK(outcome.error->offset() == layout.filter_offset);
  CHECK(starts_with(outcome.error->detail(), "the Bloom filter "));

  // The same bytes with a checksum that matches them: nothing but the checksum told them apart.
  const std::string filter = zeroed.substr(bits_at, bits_size + 1);
  zeroed.replace(layout.footer_at - 4, 4, le32(harness_crc32c(filter)));
  fs.write_file(kPath, zeroed);
  const auto table = SsTable::open(1, nullptr, FileObject::open(kPath, fs));
  REQUIRE(table->bloom() != nullptr);
  CHECK(std::none_of(entries.begin(), entries.end(),
                     [&](const auto& entry) { return table->may_contain(entry.first); }));
}

// ---- Version 1 -------------------------------------------------------------------------------

TEST_CASE(
    "sst of version 1 written by hand from week 1's layout opens and reads the same entries as "
    "the version-2 SST the builder writes for them",
    "[w2d7][sst-checksums][version-1]") {
  FaultInjectionFs fs;
  const Entries entries = sample_entries(50);
  const std::string v2_bytes = built_v2_bytes(fs, entries, 160, 10);
  const auto v2 = SsTable::open(1, nullptr, FileObject::open(kPath, fs));
  const SstLayout v1 = expected_layout(entries, 160, 10, kSstFormatVersion);
  REQUIRE(v1.block_offsets.size() == v2->num_blocks());
  // Version 2 is version 1 with a 4-byte checksum after every block, the metadata and the filter.
  CHECK(v2_bytes.size() == v1.bytes.size() + 4 * (v1.block_offsets.size() + 2));

  const auto path = std::filesystem::path(kDir) / "2.sst";
  fs.write_file(path, v1.bytes);
  const auto table = SsTable::open(2, nullptr, FileObject::open(path, fs));
  CHECK(table->format_version() == kSstFormatVersion);
  CHECK(table->block_meta() == v1.metas);
  for (std::size_t i = 0; i < table->num_blocks(); ++i) {
    INFO("block " << i);
    CHECK(table->block_meta()[i].offset == v2->block_meta()[i].offset - 4 * i);
    CHECK(table->block_meta()[i].first_key == v2->block_meta()[i].first_key);
    CHECK(table->read_block(i)->encode() == v2->read_block(i)->encode());
  }
  auto iterator = SsTableIterator::create_and_seek_to_first(table);
  CHECK(collect(iterator) == entries);
  for (int i = 0; i < 100; ++i) {
    const std::string key = numbered_key(i);
    INFO(key);
    CHECK(table->may_contain(key) == v2->may_contain(key));
  }
  auto seek = SsTableIterator::create_and_seek_to_key(table, numbered_key(33));
  REQUIRE(seek.is_valid());
  CHECK(seek.key() == numbered_key(33));
  CHECK(seek.value() == entries[33].second);
}

TEST_CASE(
    "sst engine over a database whose SST is version 1 reads it, and writes version 2 from then "
    "on, flushed and compacted SSTs alike",
    "[w2d7][sst-checksums][version-1]") {
  auto fs = std::make_shared<FaultInjectionFs>();
  LsmOptions options;
  options.file_system = fs;
  options.block_size = 256;
  options.bloom_bits_per_key = 10;
  options.num_memtable_limit = 1000;
  const Entries first = sample_entries(40);
  std::string flushed_name;
  {
    auto engine = LsmStorage::open(kDir, options);
    for (const auto& [key, value] : first) {
      if (value.empty()) {
        engine->del(key);  // stored as a tombstone: an empty value
      } else {
        engine->put(key, value);
      }
    }
    engine->force_freeze_memtable();
    engine->force_flush();
    const auto state = engine->state();
    REQUIRE(state->l0_sstables.size() == 1);
    flushed_name = std::to_string(state->l0_sstables.front()) + ".sst";
    engine->close();
  }
  const auto flushed_path = std::filesystem::path(kDir) / flushed_name;
  // The engine flushed exactly the version-2 layout (tombstones and all) ...
  const std::string flushed = fs->contents(flushed_path);
  CHECK(to_hex(flushed) ==
        to_hex(expected_layout(first, 256, 10, kSstChecksummedFormatVersion).bytes));
  // ... and a database written before week 2 day 7 had the version-1 one in its place.
  fs->write_file(flushed_path, expected_layout(first, 256, 10, kSstFormatVersion).bytes);

  auto engine = LsmStorage::open(kDir, options);
  for (const auto& [key, value] : first) {
    INFO(key);
    CHECK(engine->get(key) == (value.empty() ? std::nullopt : std::optional<std::string>(value)));
  }
  engine->put(numbered_key(5), "newer");
  engine->put(numbered_key(1000), "added");
  engine->force_freeze_memtable();
  engine->force_flush();
  engine->force_full_compaction();
  CHECK(engine->get(numbered_key(5)) == "newer");
  CHECK(engine->get(numbered_key(1000)) == "added");
  CHECK(engine->get(numbered_key(6)) == first[6].second);
  REQUIRE(first[4].second.empty());
  CHECK(engine->get(numbered_key(4)) == std::nullopt);  // a tombstone of the version-1 SST
  engine->close();

  std::size_t ssts = 0;
  for (const std::string& name : fs->files(kDir)) {
    if (name.size() > 4 && name.substr(name.size() - 4) == ".sst") {
      INFO(name);
      CHECK(name != flushed_name);  // compacted away
      const std::string bytes = fs->contents(std::filesystem::path(kDir) / name);
      CHECK(u32_at(bytes, bytes.size() - 8) == kSstChecksummedFormatVersion);
      ++ssts;
    }
  }
  CHECK(ssts == 1);
}

// ---- Seeded fuzz loops -------------------------------------------------------------------------

TEST_CASE(
    "sst fuzz: SsTable::open and a full read of 600 seeded mutations of a version-2 SST are "
    "Corruption naming the file, every time",
    "[w2d7][sst-checksums][fuzz]") {
  FuzzSubject subject;
  prepare(subject);
  std::mt19937_64 random(20261202);
  for (int round = 0; round < 600; ++round) {
    const std::string damaged = mutate(subject.bytes, random, true);
    INFO("round " << round << ", " << damaged.size() << " bytes");
    const ReadOutcome outcome = read_copy(subject.fs, damaged, subject.entries);
    // Every byte is under a checksum or in a footer field with one right value (see the bit-flip
    // test), so no mutation reads back, not even as the right entries.
    REQUIRE(outcome.error.has_value());
    CHECK(outcome.error->file() == kPath);
    CHECK(outcome.error->offset() < std::max(damaged.size(), subject.bytes.size()));
  }
}

TEST_CASE(
    "sst fuzz: Block::decode of 1000 seeded mutations of the blocks of a version-2 SST is a "
    "block or Corruption, and the SST holding each mutated block is Corruption at that block",
    "[w2d7][sst-checksums][fuzz]") {
  FuzzSubject subject;
  prepare(subject);
  const SstLayout& layout = subject.layout;
  std::mt19937_64 random(7);
  std::size_t decoded = 0;
  for (int round = 0; round < 1000; ++round) {
    const std::size_t index = random() % layout.block_offsets.size();
    const std::uint64_t begin = layout.block_offsets[index];
    const std::uint64_t end = index + 1 < layout.block_offsets.size()
                                  ? layout.block_offsets[index + 1]
                                  : layout.meta_offset;
    const std::string block = subject.bytes.substr(begin, end - begin - 4);
    const bool same_size = round % 2 == 0;
    const std::string damaged = mutate(block, random, !same_size);
    INFO("round " << round << ": block " << index);
    try {
      const Block result = Block::decode(damaged, "fuzz.sst", begin);
      // A block that decodes can be read all through without going out of bounds.
      for (std::size_t entry = 0; entry < result.num_entries(); ++entry) {
        result.entry(entry);
      }
      ++decoded;
    } catch (const Corruption& error) {
      CHECK(error.file() == "fuzz.sst");
      CHECK(error.offset() >= begin);
      CHECK(error.offset() <= begin + damaged.size());
    }
    if (same_size) {
      // In its SST, the mutated block never reaches Block::decode: its checksum fails first.
      std::string sst = subject.bytes;
      sst.replace(begin, damaged.size(), damaged);
      check_caught(read_copy(subject.fs, sst, subject.entries), layout, begin);
    }
  }
  CHECK(decoded < 1000);  // the decoder's own checks refuse some
}

TEST_CASE(
    "sst fuzz: BlockMeta::decode of 1000 seeded mutations of a version-2 SST's metadata is "
    "metadata or Corruption, and in the SST always Corruption at the metadata",
    "[w2d7][sst-checksums][fuzz]") {
  FuzzSubject subject;
  prepare(subject);
  const SstLayout& layout = subject.layout;
  const std::string meta =
      subject.bytes.substr(layout.meta_offset, layout.filter_offset - layout.meta_offset - 4);
  std::mt19937_64 random(11);
  for (int round = 0; round < 1000; ++round) {
    const bool same_size = round % 2 == 0;
    const std::string damaged = mutate(meta, random, !same_size);
    INFO("round " << round);
    try {
      const std::vector<BlockMeta> metas = BlockMeta::decode(damaged, "fuzz.sst", 5000);
      CHECK(metas.size() <= damaged.size() / 8);
    } catch (const Corruption& error) {
      CHECK(error.file() == "fuzz.sst");
      CHECK(error.offset() >= 5000);
      CHECK(error.offset() <= 5000 + damaged.size());
    }
    if (same_size) {
      std::string sst = subject.bytes;
      sst.replace(layout.meta_offset, damaged.size(), damaged);
      check_caught(read_copy(subject.fs, sst, subject.entries), layout, layout.meta_offset);
    }
  }
}

TEST_CASE(
    "sst fuzz: Bloom::decode of 1000 seeded mutations of a version-2 SST's filter is a filter "
    "or Corruption, and in the SST always Corruption at the filter",
    "[w2d7][sst-checksums][fuzz][bloom]") {
  FuzzSubject subject;
  prepare(subject);
  const SstLayout& layout = subject.layout;
  const std::string filter =
      subject.bytes.substr(layout.filter_offset, layout.footer_at - layout.filter_offset - 4);
  std::mt19937_64 random(13);
  for (int round = 0; round < 1000; ++round) {
    const bool same_size = round % 2 == 0;
    const std::string damaged = mutate(filter, random, !same_size);
    INFO("round " << round);
    try {
      const Bloom bloom = Bloom::decode(damaged, "fuzz.sst", 9000);
      CHECK(bloom.num_bits() == 8 * (damaged.size() - 1));
      for (std::uint32_t hash = 0; hash < 64; ++hash) {
        static_cast<void>(bloom.may_contain(hash * 0x9E3779B9U));
      }
    } catch (const Corruption& error) {
      CHECK(error.file() == "fuzz.sst");
      CHECK(error.offset() >= 9000);
      CHECK(error.offset() <= 9000 + damaged.size());
    }
    if (same_size) {
      std::string sst = subject.bytes;
      sst.replace(layout.filter_offset, damaged.size(), damaged);
      check_caught(read_copy(subject.fs, sst, subject.entries), layout, layout.filter_offset);
    }
  }
}
