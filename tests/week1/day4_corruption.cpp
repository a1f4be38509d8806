// Week 1 day 4: hostile SST files (truncated, bad footer, garbled metadata or blocks, flipped
// bytes): opening or reading them throws Corruption naming the file, never reads out of bounds.
//
// From week 2 day 7 on the engine writes SST format version 2, where the metadata ends with its
// CRC-32C. A test that garbles the metadata to reach open()'s own checks writes that checksum
// anew (reseal_meta()), so that it still tests them and not only the checksum.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "harness/catch.hpp"
#include "harness/collect.hpp"
#include "harness/format_bytes.hpp"
#include "harness/temp_dir.hpp"
#include "mini_lsm/error.hpp"
#include "mini_lsm/file.hpp"
#include "mini_lsm/table.hpp"

using mini_lsm::BlockMeta;
using mini_lsm::Corruption;
using mini_lsm::FileObject;
using mini_lsm::SsTable;
using mini_lsm::SsTableBuilder;
using mini_lsm::SsTableIterator;
using mini_lsm::testing::collect;
using mini_lsm::testing::Entries;
using mini_lsm::testing::numbered_key;
using mini_lsm::testing::TempDir;

namespace {

// A small SST of three or more blocks; returns its bytes.
std::string small_sst_bytes(const TempDir& dir, std::shared_ptr<SsTable>* table_out = nullptr) {
  SsTableBuilder builder(64);
  for (int i = 0; i < 12; ++i) {
    builder.add(numbered_key(i), i % 4 == 3 ? "" : "value" + std::to_string(i));
  }
  const auto path = dir.path() / "good.sst";
  auto table = builder.build(1, nullptr, path);
  REQUIRE(table->num_blocks() >= 3);
  if (table_out != nullptr) {
    *table_out = table;
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

void write_file(const std::filesystem::path& path, std::string_view bytes) {
  std::filesystem::remove(path);
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string le32(std::uint32_t value) {
  std::string bytes;
  for (int i = 0; i < 4; ++i) {
    bytes.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
  }
  return bytes;
}

// Asserts that opening `path` throws Corruption whose file() is the path and whose message
// names it.
void require_open_corruption(const std::filesystem::path& path) {
  try {
    SsTable::open(1, nullptr, FileObject::open(path));
    FAIL("SsTable::open accepted a damaged file of " << std::filesystem::file_size(path)
                                                     << " bytes");
  } catch (const Corruption& error) {
    CHECK(error.file() == path.string());
    CHECK(std::string(error.what()).find(path.string()) != std::string::npos);
  }
}

// The footer of the SST `bytes` (table.hpp): where the metadata and the filter start, and the
// format version, which must be 1 or (from week 2 day 7) 2.
struct Footer {
  std::size_t meta_offset = 0;
  std::size_t filter_offset = 0;
  std::uint32_t version = 0;
};

Footer footer_of(const std::string& bytes) {
  using mini_lsm::testing::little_endian_at;
  REQUIRE(bytes.size() >= mini_lsm::kSstFooterSize);
  const std::size_t at = bytes.size() - mini_lsm::kSstFooterSize;
  const Footer footer{static_cast<std::size_t>(little_endian_at(bytes, at, 4)),
                      static_cast<std::size_t>(little_endian_at(bytes, at + 4, 4)),
                      static_cast<std::uint32_t>(little_endian_at(bytes, at + 8, 4))};
  INFO("the SST declares format version " << footer.version);
  REQUIRE((footer.version == mini_lsm::kSstFormatVersion ||
           footer.version == mini_lsm::kSstChecksummedFormatVersion));
  return footer;
}

// `data` as a section of an SST of `version`: followed by its CRC-32C (the harness's own) in
// version 2, as it is in version 1.
std::string sealed(std::string_view data, std::uint32_t version) {
  std::string section(data);
  if (version != mini_lsm::kSstFormatVersion) {
    mini_lsm::testing::append_little_endian(section, mini_lsm::testing::harness_crc32c(data), 4);
  }
  return section;
}

// Where the metadata's checksum starts (version 2), or the metadata ends (version 1).
std::size_t meta_data_end(const std::string& bytes) {
  const Footer footer = footer_of(bytes);
  return footer.version == mini_lsm::kSstFormatVersion
             ? footer.filter_offset
             : footer.filter_offset - mini_lsm::kSstChecksumSize;
}

// After metadata bytes of `bytes` were changed in place: in version 2 their checksum is written
// anew, so that the change reaches the metadata's decoder and open()'s checks.
void reseal_meta(std::string& bytes) {
  const Footer footer = footer_of(bytes);
  if (footer.version != mini_lsm::kSstFormatVersion) {
    const std::size_t end = meta_data_end(bytes);
    const std::string section =
        sealed(std::string_view(bytes).substr(footer.meta_offset, end - footer.meta_offset),
               footer.version);
    bytes.replace(footer.meta_offset, section.size(), section);
  }
}

// Where the encoded block metadata of `table` starts in `bytes`.
std::size_t meta_position(const std::string& bytes, const SsTable& table) {
  std::string meta;
  BlockMeta::encode(table.block_meta(), meta);
  const std::size_t position = bytes.find(meta);
  REQUIRE(position != std::string::npos);
  return position;
}

}  // namespace

TEST_CASE("sst open of every truncation of a valid file throws Corruption naming the file",
          "[w1d4][corruption]") {
  TempDir dir;
  const std::string bytes = small_sst_bytes(dir);
  const auto path = dir.path() / "cut.sst";
  for (std::size_t length = 0; length < bytes.size(); ++length) {
    INFO("truncated to " << length << " of " << bytes.size() << " bytes");
    write_file(path, std::string_view(bytes).substr(0, length));
    require_open_corruption(path);
  }
}

TEST_CASE("sst open with a footer offset past the end of the file throws Corruption",
          "[w1d4][corruption]") {
  TempDir dir;
  std::shared_ptr<SsTable> table;
  std::string bytes = small_sst_bytes(dir, &table);
  const std::size_t meta_start = meta_position(bytes, *table);
  // The footer's first field is where the metadata starts.
  const std::size_t footer = bytes.size() - mini_lsm::kSstFooterSize;
  REQUIRE(bytes.substr(footer, 4) == le32(static_cast<std::uint32_t>(meta_start)));
  const auto path = dir.path() / "bad.sst";

  SECTION("just past the end") {
    bytes.replace(footer, 4, le32(static_cast<std::uint32_t>(bytes.size() + 1)));
    write_file(path, bytes);
    require_open_corruption(path);
  }
  SECTION("far past the end") {
    bytes.replace(footer, 4, le32(0xfffffff0u));
    write_file(path, bytes);
    require_open_corruption(path);
  }
  SECTION("every offset from the footer itself to the end") {
    for (std::size_t offset = footer; offset <= bytes.size(); ++offset) {
      INFO("meta offset " << offset);
      std::string damaged = bytes;
      damaged.replace(footer, 4, le32(static_cast<std::uint32_t>(offset)));
      write_file(path, damaged);
      require_open_corruption(path);
    }
  }
}

TEST_CASE("sst open with garbled block metadata throws Corruption naming the file",
          "[w1d4][corruption]") {
  TempDir dir;
  std::shared_ptr<SsTable> table;
  std::string bytes = small_sst_bytes(dir, &table);
  const std::size_t meta_start = meta_position(bytes, *table);
  std::string meta;
  BlockMeta::encode(table->block_meta(), meta);
  const auto path = dir.path() / "bad.sst";

  SECTION("a block count far larger than the metadata holds") {
    bytes.replace(meta_start, 4, le32(0xffffffffu));
  }
  SECTION("a block count one larger than written") {
    bytes.replace(meta_start, 4, le32(static_cast<std::uint32_t>(table->num_blocks() + 1)));
  }
  SECTION("a first key length running past the metadata") {
    bytes[meta_start + 8] = '\xff';
    bytes[meta_start + 9] = '\xff';
  }
  SECTION("all metadata bytes 0xff") {
    bytes.replace(meta_start, meta.size(), std::string(meta.size(), '\xff'));
  }
  SECTION("metadata that lists no blocks, with a consistent footer") {
    std::string no_blocks;
    BlockMeta::encode({}, no_blocks);
    no_blocks = sealed(no_blocks, footer_of(bytes).version);
    const auto start = static_cast<std::uint32_t>(meta_start);
    // The footer as written, with the metadata and filter offsets (its first two fields, as
    // table.hpp documents) moved to the new metadata; version and magic stay.
    std::string footer = bytes.substr(bytes.size() - mini_lsm::kSstFooterSize);
    footer.replace(0, 4, le32(start));
    footer.replace(4, 4, le32(start + static_cast<std::uint32_t>(no_blocks.size())));
    bytes = bytes.substr(0, meta_start) + no_blocks + footer;
  }
  reseal_meta(bytes);
  write_file(path, bytes);
  require_open_corruption(path);
}

TEST_CASE("sst block garbled after open throws Corruption naming the file when read",
          "[w1d4][corruption]") {
  TempDir dir;
  std::shared_ptr<SsTable> good;
  std::string bytes = small_sst_bytes(dir, &good);
  const auto& metas = good->block_meta();
  const std::size_t block_start = metas[1].offset;
  const std::size_t block_end = metas[2].offset;
  bytes.replace(block_start, block_end - block_start, std::string(block_end - block_start, '\xff'));
  const auto path = dir.path() / "bad.sst";
  write_file(path, bytes);

  auto table = SsTable::open(1, nullptr, FileObject::open(path));  // the metadata is intact
  CHECK(table->read_block(0)->num_entries() > 0);                  // block 0 too
  try {
    table->read_block(1);
    FAIL("read_block returned a garbled block");
  } catch (const Corruption& error) {
    CHECK(error.file() == path.string());
  }
  auto iterator = SsTableIterator::create_and_seek_to_first(table);
  CHECK_THROWS_AS(collect(iterator), Corruption);
}

TEST_CASE("sst with any single byte flipped opens and reads, or throws Corruption",
          "[w1d4][corruption]") {
  TempDir dir;
  const std::string bytes = small_sst_bytes(dir);
  const auto path = dir.path() / "flipped.sst";
  std::size_t rejected = 0;
  for (const unsigned char mask : {0x01, 0x80, 0xff}) {
    for (std::size_t position = 0; position < bytes.size(); ++position) {
      INFO("byte " << position << " xor " << static_cast<int>(mask));
      std::string damaged = bytes;
      damaged[position] = static_cast<char>(static_cast<unsigned char>(damaged[position]) ^ mask);
      write_file(path, damaged);
      try {
        auto table = SsTable::open(1, nullptr, FileObject::open(path));
        for (std::size_t i = 0; i < table->num_blocks(); ++i) {
          table->read_block(i);
        }
        auto iterator = SsTableIterator::create_and_seek_to_first(table);
        const Entries entries = collect(iterator);
        auto seek = SsTableIterator::create_and_seek_to_key(table, numbered_key(5));
        collect(seek);
      } catch (const Corruption& error) {
        CHECK(error.file() == path.string());
        ++rejected;
      }
    }
  }
  // Flipping length and offset fields must be noticed at least some of the time.
  CHECK(rejected > 0);
}

TEST_CASE("block meta decode of every truncation throws Corruption naming the file",
          "[w1d4][corruption][meta]") {
  const std::vector<BlockMeta> metas = {{0, "apple", "apricot"}, {300, "banana", "cherry"}};
  std::string encoded;
  BlockMeta::encode(metas, encoded);
  for (std::size_t length = 0; length < encoded.size(); ++length) {
    INFO("truncated to " << length << " of " << encoded.size() << " bytes");
    try {
      BlockMeta::decode(std::string_view(encoded).substr(0, length), "some.sst", 1000);
      FAIL("decode accepted truncated metadata");
    } catch (const Corruption& error) {
      CHECK(error.file() == "some.sst");
      CHECK(error.offset() >= 1000);
      CHECK(error.offset() <= 1000 + length);
    }
  }
}

namespace {

// The footer fields, in the order table.hpp documents them (a u32 each).
enum class FooterField : std::size_t {
  kMetaOffset = 0,
  kFilterOffset = 1,
  kVersion = 2,
  kMagic = 3
};

std::size_t footer_field_at(const std::string& bytes, FooterField field) {
  REQUIRE(bytes.size() >= mini_lsm::kSstFooterSize);
  return bytes.size() - mini_lsm::kSstFooterSize + 4 * static_cast<std::size_t>(field);
}

std::uint32_t read_le32(const std::string& bytes, std::size_t at) {
  std::uint32_t value = 0;
  for (int i = 3; i >= 0; --i) {
    value = (value << 8) | static_cast<unsigned char>(bytes.at(at + i));
  }
  return value;
}

// `bytes` of a valid SST with its block metadata replaced by `metas`, which must encode to as
// many bytes as the metadata it replaces, so that nothing else moves.
std::string with_metas(std::string bytes, const SsTable& table,
                       const std::vector<BlockMeta>& metas) {
  std::string old_meta;
  BlockMeta::encode(table.block_meta(), old_meta);
  std::string new_meta;
  BlockMeta::encode(metas, new_meta);
  REQUIRE(new_meta.size() == old_meta.size());
  bytes.replace(meta_position(bytes, table), old_meta.size(), new_meta);
  reseal_meta(bytes);
  return bytes;
}

// Asserts that SsTable::open itself, before any block is read, throws Corruption naming the file.
void require_open_rejects(const TempDir& dir, const std::string& bytes) {
  const auto path = dir.path() / "bad.sst";
  write_file(path, bytes);
  require_open_corruption(path);
}

}  // namespace

TEST_CASE(
    "sst open rejects block offsets that do not start at 0, ascend, and stay below the "
    "metadata",
    "[w1d4][corruption]") {
  TempDir dir;
  std::shared_ptr<SsTable> table;
  const std::string bytes = small_sst_bytes(dir, &table);
  const std::vector<BlockMeta> good = table->block_meta();
  REQUIRE(good.size() >= 3);
  const auto meta_offset = static_cast<std::uint32_t>(meta_position(bytes, *table));
  REQUIRE(read_le32(bytes, footer_field_at(bytes, FooterField::kMetaOffset)) == meta_offset);
  std::vector<BlockMeta> metas = good;

  SECTION("the first block does not start at 0") {
    metas[0].offset = 1;
  }
  SECTION("two blocks start at the same offset") {
    metas[2].offset = metas[1].offset;
  }
  SECTION("a block starts before the block before it") {
    metas[2].offset = metas[1].offset - 1;
  }
  SECTION("the last block starts at the metadata") {
    metas.back().offset = meta_offset;
  }
  SECTION("the last block starts past the metadata") {
    metas.back().offset = meta_offset + 100;
  }
  require_open_rejects(dir, with_metas(bytes, *table, metas));
}

TEST_CASE("sst open rejects block key ranges that are reversed or out of order",
          "[w1d4][corruption]") {
  TempDir dir;
  std::shared_ptr<SsTable> table;
  const std::string bytes = small_sst_bytes(dir, &table);
  std::vector<BlockMeta> metas = table->block_meta();
  REQUIRE(metas.size() >= 3);
  REQUIRE(metas[1].first_key < metas[1].last_key);  // every key has the same length

  SECTION("a block whose first key is above its last key") {
    std::swap(metas[1].first_key, metas[1].last_key);
  }
  SECTION("the whole SST's first key above its last key") {
    std::swap(metas.front().first_key, metas.back().last_key);
  }
  SECTION("two blocks whose key ranges are in the wrong order") {
    std::swap(metas[1].first_key, metas[2].first_key);
    std::swap(metas[1].last_key, metas[2].last_key);
  }
  SECTION("a block that starts at the last key of the block before it") {
    metas[2].first_key = metas[1].last_key;
  }
  require_open_rejects(dir, with_metas(bytes, *table, metas));
}

TEST_CASE("sst open rejects bytes left over between the block metadata and the filter",
          "[w1d4][corruption]") {
  TempDir dir;
  const std::string bytes = small_sst_bytes(dir);
  const std::size_t filter_offset_at = footer_field_at(bytes, FooterField::kFilterOffset);
  const std::uint32_t filter_offset = read_le32(bytes, filter_offset_at);
  // One byte more between the metadata and the filter (in version 2, before the metadata's
  // checksum, which then covers it), and the footer says so.
  const std::size_t after_meta = meta_data_end(bytes);
  std::string damaged =
      bytes.substr(0, after_meta) + std::string(1, '\0') + bytes.substr(after_meta);
  damaged.replace(filter_offset_at + 1, 4, le32(filter_offset + 1));
  reseal_meta(damaged);
  require_open_rejects(dir, damaged);
}

TEST_CASE("sst open of a foreign file or another format version throws Corruption naming it",
          "[w1d4][corruption]") {
  TempDir dir;
  std::string bytes = small_sst_bytes(dir);
  const std::size_t magic_at = footer_field_at(bytes, FooterField::kMagic);
  const std::size_t version_at = footer_field_at(bytes, FooterField::kVersion);
  REQUIRE(read_le32(bytes, magic_at) == mini_lsm::kSstMagic);
  // The version the engine writes: 1 until week 2 day 7 adds checksums (version 2); it reads both.
  const std::uint32_t version = read_le32(bytes, version_at);
  INFO("the SST declares format version " << version);
  REQUIRE((version == mini_lsm::kSstFormatVersion ||
           version == mini_lsm::kSstChecksummedFormatVersion));
  const auto path = dir.path() / "other.sst";

  const auto require_rejected = [&](const std::string& file, const std::string& says) {
    write_file(path, file);
    try {
      SsTable::open(1, nullptr, FileObject::open(path));
      FAIL("SsTable::open accepted the file");
    } catch (const Corruption& error) {
      CHECK(error.file() == path.string());
      INFO(error.what());
      CHECK(std::string(error.what()).find(says) != std::string::npos);
    }
  };
  SECTION("a file of another program: no magic number") {
    std::string foreign = bytes;
    foreign.replace(magic_at, 4, "JPEG");
    require_rejected(foreign, "magic");
  }
  SECTION("a magic number with one bit flipped") {
    std::string foreign = bytes;
    foreign.replace(magic_at, 4, le32(mini_lsm::kSstMagic ^ 0x100));
    require_rejected(foreign, "magic");
  }
  SECTION("a newer format version") {
    std::string newer = bytes;
    newer.replace(version_at, 4, le32(mini_lsm::kSstChecksummedFormatVersion + 1));
    require_rejected(newer, "version");
  }
  SECTION("format version 0") {
    std::string zero = bytes;
    zero.replace(version_at, 4, le32(0));
    require_rejected(zero, "version");
  }
  SECTION("a file of zeros as long as an SST") {
    require_rejected(std::string(bytes.size(), '\0'), "magic");
  }
}
