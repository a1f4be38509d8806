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
  // @lesson w1d4 written_sst_format_version: kSstFormatVersion
  //| return kSstFormatVersion;
  // @lesson w2d7 replaces: kSstChecksummedFormatVersion, once append_checksum() and
  //   verify_checksum() work
  return kSstChecksummedFormatVersion;
  // @lesson end
}

// Appends the CRC-32C of out[section_start, end) to `out`.
void append_checksum(std::string& out, std::size_t section_start) {
  // @lesson w2d7 append_checksum: put_u32() the crc32c() of the bytes from section_start on
  put_u32(out, crc32c(std::string_view(out).substr(section_start)));
  // @lesson end
}

// `section` without its checksum, once the checksum matched; Corruption naming the file, the
// section's offset and `what` otherwise.
std::string_view verify_checksum(std::string_view section, const std::string& file,
                                 std::uint64_t offset, std::string_view what) {
  // @lesson w2d7 verify_checksum: a section shorter than kSstChecksumSize, or whose last
  //   kSstChecksumSize bytes (u32) differ from the crc32c() of the bytes before them, is
  //   Corruption at `offset` naming `what`; else return the bytes before the checksum
  if (section.size() < kSstChecksumSize) {
    throw Corruption(file, offset, std::string(what) + " is too short to hold its checksum");
  }
  const std::string_view data = section.substr(0, section.size() - kSstChecksumSize);
  const std::uint32_t stored = ByteReader(section.substr(data.size()), file, offset).u32();
  if (const std::uint32_t computed = crc32c(data); stored != computed) {
    throw Corruption(file, offset,
                     std::string(what) + " fails its checksum (stored " + hex32(stored) +
                         ", computed " + hex32(computed) + ")");
  }
  return data;
  // @lesson end
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
  // @lesson w1d4 BlockMeta::encode: the number of blocks (u32), then per block: offset (u32), first
  //   key length (u16) and bytes, last key length (u16) and bytes
  put_u32(out, static_cast<std::uint32_t>(metas.size()));
  for (const BlockMeta& meta : metas) {
    put_u32(out, meta.offset);
    put_u16(out, static_cast<std::uint16_t>(meta.first_key.size()));
    out.append(meta.first_key);
    put_u16(out, static_cast<std::uint16_t>(meta.last_key.size()));
    out.append(meta.last_key);
  }
  // @lesson end
}

std::vector<BlockMeta> BlockMeta::decode(std::string_view bytes, std::string_view file,
                                         std::uint64_t file_offset) {
  // @lesson w1d4 BlockMeta::decode: read back what encode() wrote with a ByteReader (it throws
  //   Corruption on a short read); the whole input must be used
  ByteReader reader(bytes, file, file_offset);
  const std::uint32_t count = reader.u32();
  std::vector<BlockMeta> metas;
  // Not reserve(count): a garbled count must not allocate gigabytes before the reads fail.
  for (std::uint32_t index = 0; index < count; ++index) {
    BlockMeta meta;
    meta.offset = reader.u32();
    meta.first_key = reader.take(reader.u16());
    meta.last_key = reader.take(reader.u16());
    metas.push_back(std::move(meta));
  }
  if (reader.remaining() != 0) {
    reader.fail(std::to_string(reader.remaining()) + " stray bytes after the block metadata");
  }
  return metas;
  // @lesson end
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
  // @lesson w1d4 SsTable::open: read the footer (the last kSstFooterSize bytes), check its magic
  //   and format version (kSstFormatVersion, or kSstChecksummedFormatVersion from week 2 day 7),
  //   check that meta offset <= filter offset <= footer start, decode the block metadata (through
  //   unseal_section(), which checks a checksum when the version has them), check it (at least one
  //   block, offsets from 0 ascending below the meta offset, each block's first key <= its last key
  //   < the next block's first key), and fill in first and last key
  const std::string path = file.path().string();
  if (file.size() < kSstFooterSize) {
    throw Corruption(path, 0,
                     "an SST needs at least " + std::to_string(kSstFooterSize) + " bytes, not " +
                         std::to_string(file.size()));
  }
  const std::uint64_t footer_at = file.size() - kSstFooterSize;
  const std::string footer = file.read(footer_at, kSstFooterSize);
  ByteReader footer_reader(footer, path, footer_at);
  const std::uint32_t meta_offset = footer_reader.u32();
  const std::uint32_t filter_offset = footer_reader.u32();
  const std::uint32_t version = footer_reader.u32();
  if (footer_reader.u32() != kSstMagic) {
    throw Corruption(path, footer_at + 12, "not an SST file (its footer has no SST magic number)");
  }
  if (version != kSstFormatVersion && version != kSstChecksummedFormatVersion) {
    throw Corruption(path, footer_at + 8,
                     "an SST of format version " + std::to_string(version) +
                         ", but this engine reads versions " + std::to_string(kSstFormatVersion) +
                         " and " + std::to_string(kSstChecksummedFormatVersion));
  }
  if (meta_offset > filter_offset || filter_offset > footer_at) {
    throw Corruption(path, footer_at,
                     "footer offsets " + std::to_string(meta_offset) + " and " +
                         std::to_string(filter_offset) + " do not fit a file of " +
                         std::to_string(file.size()) + " bytes");
  }
  auto table = std::make_shared<SsTable>(OpenKey(), id, std::move(cache), std::move(file));
  table->meta_offset_ = meta_offset;
  table->format_version_ = version;
  table->block_meta_ =
      BlockMeta::decode(unseal_section(table->file_.read(meta_offset, filter_offset - meta_offset),
                                       version, path, meta_offset, "the block metadata"),
                        path, meta_offset);
  const std::vector<BlockMeta>& metas = table->block_meta_;
  for (std::size_t index = 0; index < metas.size(); ++index) {
    const bool ascending =
        index == 0 ? metas[0].offset == 0 : metas[index].offset > metas[index - 1].offset;
    if (!ascending || metas[index].offset >= meta_offset) {
      throw Corruption(path, meta_offset, "block " + std::to_string(index) + " has a bad offset");
    }
    if (metas[index].first_key > metas[index].last_key) {
      throw Corruption(path, meta_offset,
                       "block " + std::to_string(index) + " has a first key above its last key");
    }
    if (index > 0 && metas[index].first_key <= metas[index - 1].last_key) {
      throw Corruption(path, meta_offset,
                       "block " + std::to_string(index) +
                           " does not start above the last key of the block before it");
    }
  }
  if (metas.empty()) {
    throw Corruption(path, meta_offset, "an SST without blocks");
  }
  table->first_key_ = metas.front().first_key;
  table->last_key_ = metas.back().last_key;
  // @lesson w1d7 solution-only
  if (filter_offset < footer_at) {
    table->bloom_ =
        Bloom::decode(unseal_section(table->file_.read(filter_offset, footer_at - filter_offset),
                                     version, path, filter_offset, "the Bloom filter"),
                      path, filter_offset);
  }
  // @lesson end
  return table;
  // @lesson end
}

std::shared_ptr<const Block> SsTable::read_block(std::size_t index) const {
  // @lesson w1d4 SsTable::read_block: block `index` spans from its offset to the next block's
  //   offset (the meta offset for the last block); read it, unseal_section() it with this SST's
  //   format version, and Block::decode() it, naming this file
  const std::uint64_t begin = block_meta_.at(index).offset;
  const std::uint64_t end =
      index + 1 < block_meta_.size() ? block_meta_[index + 1].offset : meta_offset_;
  const std::string file = path().string();
  return std::make_shared<const Block>(
      Block::decode(unseal_section(file_.read(begin, end - begin), format_version_, file, begin,
                                   "block " + std::to_string(index)),
                    file, begin));
  // @lesson end
}

std::shared_ptr<const Block> SsTable::read_block_cached(std::size_t index) const {
  // @lesson w1d4 SsTable::read_block_cached: without a cache, read_block(); with one, get_or_load()
  //   at {id_, index}
  if (!cache_) {
    return read_block(index);
  }
  return cache_->get_or_load({id_, index}, [this, index] { return read_block(index); });
  // @lesson end
}

std::size_t SsTable::find_block_index(std::string_view key) const {
  // @lesson w1d4 SsTable::find_block_index: binary search (std::partition_point) for the first
  //   block whose last key is >= `key`
  const auto block =
      std::partition_point(block_meta_.begin(), block_meta_.end(),
                           [key](const BlockMeta& meta) { return meta.last_key < key; });
  return static_cast<std::size_t>(block - block_meta_.begin());
  // @lesson end
}

bool SsTable::may_contain(std::string_view key) const {
  // Hashes only when there is a filter to ask (there never is before week 1 day 7).
  return may_contain(key, bloom_ ? Bloom::hash(key) : 0);
}

bool SsTable::may_contain(std::string_view key, std::uint32_t key_hash) const {
  // @lesson w1d5 SsTable::may_contain: false when `key` is below first_key_ or above last_key_
  //   (ignore `key_hash` for now)
  if (key < first_key_ || key > last_key_) {
    return false;
  }
  // @lesson w1d7 solution-only
  if (bloom_ && !bloom_->may_contain(key_hash)) {
    return false;
  }
  // @lesson end
  return true;
  // @lesson end
}

bool SsTable::overlaps(const Bound& lower, const Bound& upper) const {
  // @lesson w1d5 SsTable::overlaps: no overlap for an empty range (range_is_empty), or when
  //   last_key_ is below `lower` or first_key_ is above `upper` (satisfies_lower / satisfies_upper)
  return !range_is_empty(lower, upper) && satisfies_lower(last_key_, lower) &&
         satisfies_upper(first_key_, upper);
  // @lesson end
}

SsTableBuilder::SsTableBuilder(std::size_t block_size, std::size_t bloom_bits_per_key)
    : block_size_(block_size), bloom_bits_per_key_(bloom_bits_per_key), current_(block_size) {}

void SsTableBuilder::add(std::string_view key, std::string_view value) {
  // Checked here, not only by the block builder: a fresh block does not know the key before it.
  if (!is_empty() && key <= current_last_key_) {
    throw InvalidArgument("SST keys must ascend: a key is not above the key added before it");
  }
  // @lesson w1d4 SsTableBuilder::add: add to the current block; when it refuses, finish_block() and
  //   add to the fresh one (a first entry always fits); track the block's first and last key
  if (current_.is_empty()) {
    current_first_key_ = key;
  }
  if (!current_.add(key, value)) {
    finish_block();
    current_first_key_ = key;
    [[maybe_unused]] const bool added = current_.add(key, value);
  }
  current_last_key_ = key;
  // @lesson w1d7 solution-only
  key_hashes_.push_back(Bloom::hash(key));
  // @lesson end
  // @lesson end
}

void SsTableBuilder::finish_block() {
  // @lesson w1d4 SsTableBuilder::finish_block: unless the current block is empty, record its
  //   BlockMeta (offset = bytes so far), append its encoding to data_, seal_section() it with
  //   written_sst_format_version(), and start a new BlockBuilder
  if (current_.is_empty()) {
    return;
  }
  const std::size_t block_start = data_.size();
  block_meta_.push_back(
      {static_cast<std::uint32_t>(block_start), current_first_key_, current_last_key_});
  data_.append(current_.build().encode());
  seal_section(data_, block_start, written_sst_format_version());  // a checksum from week 2 day 7
  current_ = BlockBuilder(block_size_);
  // @lesson end
}

std::size_t SsTableBuilder::estimated_size() const {
  // @lesson w1d4 SsTableBuilder::estimated_size: the finished blocks plus the current one
  return data_.size() + (current_.is_empty() ? 0 : current_.encoded_size());
  // @lesson end
}

std::shared_ptr<SsTable> SsTableBuilder::build(std::size_t id, std::shared_ptr<BlockCache> cache,
                                               const std::filesystem::path& path, FileSystem& fs) {
  // @lesson w1d4 SsTableBuilder::build: finish_block() and refuse an empty SST (InvalidArgument),
  //   then lay out blocks | metadata | filter (empty for now) | footer (meta offset, filter offset,
  //   written_sst_format_version(), kSstMagic: u32 each), calling seal_section() after the
  //   metadata (and after a non-empty filter), write it with FileObject::create on `fs` and
  //   SsTable::open it
  finish_block();
  if (block_meta_.empty()) {
    throw InvalidArgument("an SST needs at least one entry");
  }
  const std::uint32_t version = written_sst_format_version();
  std::string bytes = data_;
  const std::size_t meta_offset = bytes.size();
  BlockMeta::encode(block_meta_, bytes);
  seal_section(bytes, meta_offset, version);
  const std::size_t filter_offset = bytes.size();
  std::string filter;
  // @lesson w1d7 solution-only
  if (bloom_bits_per_key_ > 0) {
    filter = Bloom::build(key_hashes_, bloom_bits_per_key_).encode();
  }
  // @lesson end
  if (!filter.empty()) {
    bytes.append(filter);
    seal_section(bytes, filter_offset, version);
  }
  if (bytes.size() > std::numeric_limits<std::uint32_t>::max()) {
    throw InvalidArgument("an SST of over 4 GiB cannot be addressed with 32-bit offsets");
  }
  put_u32(bytes, static_cast<std::uint32_t>(meta_offset));
  put_u32(bytes, static_cast<std::uint32_t>(filter_offset));
  put_u32(bytes, version);
  put_u32(bytes, kSstMagic);
  return SsTable::open(id, std::move(cache), FileObject::create(path, bytes, fs));
  // @lesson end
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
  // @lesson w1d4 SsTableIterator::seek_to_first: seek_to_block(0)
  seek_to_block(0);
  // @lesson end
}

void SsTableIterator::seek_to_key(std::string_view key) {
  // @lesson w1d4 SsTableIterator::seek_to_key: find_block_index(), seek inside that block, and go
  //   on to the next block if nothing there is >= `key`
  block_index_ = table_->find_block_index(key);
  if (block_index_ >= table_->num_blocks()) {
    block_iterator_ = BlockIterator();
    return;
  }
  block_iterator_ =
      BlockIterator::create_and_seek_to_key(table_->read_block_cached(block_index_), key);
  if (!block_iterator_.is_valid()) {
    seek_to_block(block_index_ + 1);
  }
  // @lesson end
}

void SsTableIterator::seek_to_block(std::size_t index) {
  // @lesson w1d4 SsTableIterator::seek_to_block: open block `index` at its first entry through
  //   read_block_cached(); past the last block the iterator becomes invalid
  block_index_ = index;
  block_iterator_ = BlockIterator();
  if (block_index_ < table_->num_blocks()) {
    block_iterator_ =
        BlockIterator::create_and_seek_to_first(table_->read_block_cached(block_index_));
  }
  // @lesson end
}

std::string_view SsTableIterator::key() const {
  // @lesson w1d4 SsTableIterator::key: the key of the block iterator
  return block_iterator_.key();
  // @lesson end
}

std::string_view SsTableIterator::value() const {
  // @lesson w1d4 SsTableIterator::value: the value of the block iterator
  return block_iterator_.value();
  // @lesson end
}

bool SsTableIterator::is_valid() const {
  // @lesson w1d4 SsTableIterator::is_valid: valid while the block iterator is
  return block_iterator_.is_valid();
  // @lesson end
}

void SsTableIterator::next() {
  // @lesson w1d4 SsTableIterator::next: advance the block iterator; when its block is exhausted,
  //   seek_to_block() the next one
  block_iterator_.next();
  if (!block_iterator_.is_valid()) {
    seek_to_block(block_index_ + 1);
  }
  // @lesson end
}

}  // namespace mini_lsm
