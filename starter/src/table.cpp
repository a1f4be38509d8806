#include "mini_lsm/table.hpp"

#include <algorithm>
#include <limits>
#include <utility>

#include "coding.hpp"
#include "mini_lsm/crc32c.hpp"
#include "mini_lsm/error.hpp"

namespace mini_lsm {

namespace {

// The version this engine writes: checksums change the layout (week 2 day 7).
std::uint32_t written_sst_format_version() {
  // TODO(w1d4): kSstFormatVersion
  throw ::mini_lsm::NotImplemented("w1d4", "written_sst_format_version");
}

// Appends the CRC-32C of out[section_start, end) to `out`.
void append_checksum(std::string& out, std::size_t section_start) {
  // TODO(w2d7): put_u32() the crc32c() of the bytes from section_start on
  throw ::mini_lsm::NotImplemented("w2d7", "append_checksum");
}

// `section` without its checksum, once the checksum matched; Corruption naming the file, the
// section's offset and `what` otherwise.
std::string_view verify_checksum(std::string_view section, const std::string& file,
                                 std::uint64_t offset, std::string_view what) {
  // TODO(w2d7): a section shorter than kSstChecksumSize, or whose last kSstChecksumSize bytes (u32)
  //   differ from the crc32c() of the bytes before them, is Corruption at `offset` naming `what`;
  //   else return the bytes before the checksum
  throw ::mini_lsm::NotImplemented("w2d7", "verify_checksum");
}

bool has_checksums(std::uint32_t version) {
  return version >= kSstChecksummedFormatVersion;
}

// Ends the section that starts at `section_start` in `out`: with its checksum when `version` has
// them (provided, so that the week-1 code calls it without knowing about checksums).
void seal_section(std::string& out, std::size_t section_start, std::uint32_t version) {
  if (has_checksums(version)) {
    append_checksum(out, section_start);
  }
}

// The bytes of a section read from a file of `version`, checked and without their checksum when
// the version has them (provided).
std::string unseal_section(std::string section, std::uint32_t version, const std::string& file,
                           std::uint64_t offset, std::string_view what) {
  if (has_checksums(version)) {
    // Cut in place: a block read is on the path of every get, and a copy would cost one more.
    section.resize(verify_checksum(section, file, offset, what).size());
  }
  return section;
}

}  // namespace

void BlockMeta::encode(const std::vector<BlockMeta>& metas, std::string& out) {
  // TODO(w1d4): the number of blocks (u32), then per block: offset (u32), first key length (u16)
  //   and bytes, last key length (u16) and bytes
  throw ::mini_lsm::NotImplemented("w1d4", "BlockMeta::encode");
}

std::vector<BlockMeta> BlockMeta::decode(std::string_view bytes, std::string_view file,
                                         std::uint64_t file_offset) {
  // TODO(w1d4): read back what encode() wrote with a ByteReader (it throws Corruption on a short
  //   read); the whole input must be used
  throw ::mini_lsm::NotImplemented("w1d4", "BlockMeta::decode");
}

SsTable::SsTable(OpenKey /*key*/, std::size_t id, std::shared_ptr<BlockCache> cache,
                 FileObject file)
    : id_(id), cache_(std::move(cache)), file_(std::move(file)) {}

std::shared_ptr<SsTable> SsTable::create_meta_only(std::size_t id, std::uint64_t file_size,
                                                   std::string first_key, std::string last_key) {
  auto table = std::make_shared<SsTable>(
      OpenKey{}, id, nullptr,
      FileObject::without_data(std::to_string(id) + ".sst (metadata only)", file_size));
  // One block spanning the whole range, so that a reader finds a block to read and fails there.
  table->block_meta_.push_back(BlockMeta{0, first_key, last_key});
  table->first_key_ = std::move(first_key);
  table->last_key_ = std::move(last_key);
  return table;
}

std::shared_ptr<SsTable> SsTable::open(std::size_t id, std::shared_ptr<BlockCache> cache,
                                       FileObject file) {
  // TODO(w1d4): read the footer (the last kSstFooterSize bytes), check its magic and format version
  //   (kSstFormatVersion, or kSstChecksummedFormatVersion from week 2 day 7), check that meta
  //   offset <= filter offset <= footer start, decode the block metadata (through unseal_section(),
  //   which checks a checksum when the version has them), check it (at least one block, offsets
  //   from 0 ascending below the meta offset, each block's first key <= its last key < the next
  //   block's first key), and fill in first and last key
  throw ::mini_lsm::NotImplemented("w1d4", "SsTable::open");
}

std::shared_ptr<const Block> SsTable::read_block(std::size_t index) const {
  // TODO(w1d4): block `index` spans from its offset to the next block's offset (the meta offset for
  //   the last block); read it, unseal_section() it with this SST's format version, and
  //   Block::decode() it, naming this file
  throw ::mini_lsm::NotImplemented("w1d4", "SsTable::read_block");
}

std::shared_ptr<const Block> SsTable::read_block_cached(std::size_t index) const {
  // TODO(w1d4): without a cache, read_block(); with one, get_or_load() at {id_, index}
  throw ::mini_lsm::NotImplemented("w1d4", "SsTable::read_block_cached");
}

std::size_t SsTable::find_block_index(std::string_view key) const {
  // TODO(w1d4): binary search (std::partition_point) for the first block whose last key is >= `key`
  throw ::mini_lsm::NotImplemented("w1d4", "SsTable::find_block_index");
}

bool SsTable::may_contain(std::string_view key) const {
  // Hashes only when there is a filter to ask (there never is before week 1 day 7).
  return may_contain(key, bloom_ ? Bloom::hash(key) : 0);
}

bool SsTable::may_contain(std::string_view key, std::uint32_t key_hash) const {
  // TODO(w1d5): false when `key` is below first_key_ or above last_key_ (ignore `key_hash` for now)
  throw ::mini_lsm::NotImplemented("w1d5", "SsTable::may_contain");
}

bool SsTable::overlaps(const Bound& lower, const Bound& upper) const {
  // TODO(w1d5): no overlap for an empty range (range_is_empty), or when last_key_ is below `lower`
  //   or first_key_ is above `upper` (satisfies_lower / satisfies_upper)
  throw ::mini_lsm::NotImplemented("w1d5", "SsTable::overlaps");
}

SsTableBuilder::SsTableBuilder(std::size_t block_size, std::size_t bloom_bits_per_key)
    : block_size_(block_size), bloom_bits_per_key_(bloom_bits_per_key), current_(block_size) {}

void SsTableBuilder::add(std::string_view key, std::string_view value) {
  // Checked here, not only by the block builder: a fresh block does not know the key before it.
  if (!is_empty() && key <= current_last_key_) {
    throw InvalidArgument("SST keys must ascend: a key is not above the key added before it");
  }
  // TODO(w1d4): add to the current block; when it refuses, finish_block() and add to the fresh one
  //   (a first entry always fits); track the block's first and last key
  throw ::mini_lsm::NotImplemented("w1d4", "SsTableBuilder::add");
}

void SsTableBuilder::finish_block() {
  // TODO(w1d4): unless the current block is empty, record its BlockMeta (offset = bytes so far),
  //   append its encoding to data_, seal_section() it with written_sst_format_version(), and start
  //   a new BlockBuilder
  throw ::mini_lsm::NotImplemented("w1d4", "SsTableBuilder::finish_block");
}

std::size_t SsTableBuilder::estimated_size() const {
  // TODO(w1d4): the finished blocks plus the current one
  throw ::mini_lsm::NotImplemented("w1d4", "SsTableBuilder::estimated_size");
}

std::shared_ptr<SsTable> SsTableBuilder::build(std::size_t id, std::shared_ptr<BlockCache> cache,
                                               const std::filesystem::path& path, FileSystem& fs) {
  // TODO(w1d4): finish_block() and refuse an empty SST (InvalidArgument), then lay out blocks |
  //   metadata | filter (empty for now) | footer (meta offset, filter offset,
  //   written_sst_format_version(), kSstMagic: u32 each), calling seal_section() after the metadata
  //   (and after a non-empty filter), write it with FileObject::create on `fs` and SsTable::open it
  throw ::mini_lsm::NotImplemented("w1d4", "SsTableBuilder::build");
}

SsTableIterator SsTableIterator::create_and_seek_to_first(std::shared_ptr<const SsTable> table) {
  SsTableIterator iterator(std::move(table));
  iterator.seek_to_first();
  return iterator;
}

SsTableIterator SsTableIterator::create_and_seek_to_key(std::shared_ptr<const SsTable> table,
                                                        std::string_view key) {
  SsTableIterator iterator(std::move(table));
  iterator.seek_to_key(key);
  return iterator;
}

void SsTableIterator::seek_to_first() {
  // TODO(w1d4): seek_to_block(0)
  throw ::mini_lsm::NotImplemented("w1d4", "SsTableIterator::seek_to_first");
}

void SsTableIterator::seek_to_key(std::string_view key) {
  // TODO(w1d4): find_block_index(), seek inside that block, and go on to the next block if nothing
  //   there is >= `key`
  throw ::mini_lsm::NotImplemented("w1d4", "SsTableIterator::seek_to_key");
}

void SsTableIterator::seek_to_block(std::size_t index) {
  // TODO(w1d4): open block `index` at its first entry through read_block_cached(); past the last
  //   block the iterator becomes invalid
  throw ::mini_lsm::NotImplemented("w1d4", "SsTableIterator::seek_to_block");
}

std::string_view SsTableIterator::key() const {
  // TODO(w1d4): the key of the block iterator
  throw ::mini_lsm::NotImplemented("w1d4", "SsTableIterator::key");
}

std::string_view SsTableIterator::value() const {
  // TODO(w1d4): the value of the block iterator
  throw ::mini_lsm::NotImplemented("w1d4", "SsTableIterator::value");
}

bool SsTableIterator::is_valid() const {
  // TODO(w1d4): valid while the block iterator is
  throw ::mini_lsm::NotImplemented("w1d4", "SsTableIterator::is_valid");
}

void SsTableIterator::next() {
  // TODO(w1d4): advance the block iterator; when its block is exhausted, seek_to_block() the next
  //   one
  throw ::mini_lsm::NotImplemented("w1d4", "SsTableIterator::next");
}

}  // namespace mini_lsm
