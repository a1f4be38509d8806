// SSTs (sorted string tables): immutable files of sorted blocks, plus the metadata to find them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mini_lsm/block.hpp"
#include "mini_lsm/block_cache.hpp"
#include "mini_lsm/bloom.hpp"
#include "mini_lsm/bound.hpp"
#include "mini_lsm/file.hpp"
#include "mini_lsm/iterator.hpp"

namespace mini_lsm {

/// Where a block lives in its SST and which keys it holds.
struct BlockMeta {
  std::uint32_t offset = 0;
  std::string first_key;
  std::string last_key;

  bool operator==(const BlockMeta&) const = default;

  /// Appends `metas` to `out`: their number (u32), then for each block its offset (u32),
  /// first key (u16 length, bytes) and last key (u16 length, bytes).
  static void encode(const std::vector<BlockMeta>& metas, std::string& out);
  /// Parses what encode() wrote; bad bytes throw Corruption naming `file` and the offset in it
  /// (`file_offset` is where the metadata starts).
  static std::vector<BlockMeta> decode(std::string_view bytes, std::string_view file,
                                       std::uint64_t file_offset);
};

/// The footer that ends every SST: meta offset (u32) | filter offset (u32) | format version
/// (u32) | magic (u32). The magic tells an SST from any other file; the version tells which
/// layout the rest of the file has.
inline constexpr std::size_t kSstFooterSize = 16;
/// The bytes "LSMT" read as a little-endian u32.
inline constexpr std::uint32_t kSstMagic = 0x544D534C;
/// Format version 1 (week 1 day 4): no checksums. Still read.
inline constexpr std::uint32_t kSstFormatVersion = 1;
/// Format version 2 (week 2 day 7), what the engine writes: every block, the metadata and the
/// filter (when there is one) are followed by the CRC-32C of their bytes (u32), checked before
/// they are decoded.
inline constexpr std::uint32_t kSstChecksummedFormatVersion = 2;
/// The bytes of the checksum after each section of a version-2 SST.
inline constexpr std::size_t kSstChecksumSize = 4;

/// An open SST file. Layout, integers little-endian:
///
///     block 0 | ... | block n-1 | block metadata | Bloom filter | footer (kSstFooterSize bytes)
///
/// From version 2 (week 2 day 7) each block, the metadata and a non-empty filter end with their
/// CRC-32C (kSstChecksumSize bytes): a block's offsets in the metadata still bound its bytes and
/// its checksum together.
/// The filter section is empty when the SST has no Bloom filter. Only the metadata and the
/// filter are kept in memory; blocks are read when needed, through the block cache.
class SsTable {
 public:
  /// Opens the SST in `file` and reads its metadata and filter. `cache` may be null (no
  /// caching). A file that is too short, is not an SST (no kSstMagic), has another format
  /// version, or whose metadata is garbled throws Corruption naming it.
  static std::shared_ptr<SsTable> open(std::size_t id, std::shared_ptr<BlockCache> cache,
                                       FileObject file);

  /// An SST known by its metadata alone: its size and key range, no filter, and one block that
  /// cannot be read (reading it throws InvalidArgument). Compaction controllers need nothing
  /// more, so the compaction simulator and the controller tests build their trees from these.
  static std::shared_ptr<SsTable> create_meta_only(std::size_t id, std::uint64_t file_size,
                                                   std::string first_key, std::string last_key);

  std::size_t id() const { return id_; }
  std::size_t num_blocks() const { return block_meta_.size(); }
  const std::vector<BlockMeta>& block_meta() const { return block_meta_; }
  const std::string& first_key() const { return first_key_; }
  const std::string& last_key() const { return last_key_; }
  std::uint64_t file_size() const { return file_.size(); }
  const std::filesystem::path& path() const { return file_.path(); }
  /// kSstFormatVersion or kSstChecksummedFormatVersion.
  std::uint32_t format_version() const { return format_version_; }
  /// The Bloom filter, or nullptr when the SST was built without one.
  const Bloom* bloom() const { return bloom_ ? &*bloom_ : nullptr; }

  /// Reads and decodes block `index` from the file.
  std::shared_ptr<const Block> read_block(std::size_t index) const;
  /// Like read_block(), but through the block cache when there is one.
  std::shared_ptr<const Block> read_block_cached(std::size_t index) const;
  /// The index of the first block that may hold a key >= `key`: the first block whose last key
  /// is >= `key`, or num_blocks() when every key of the SST is smaller.
  std::size_t find_block_index(std::string_view key) const;

  /// False when this SST certainly does not hold `key`: it is outside [first_key, last_key], or
  /// (from week 1 day 7) the Bloom filter rules it out.
  bool may_contain(std::string_view key) const;
  /// The same, for a caller that has computed `key_hash` = Bloom::hash(key) already: a get that
  /// asks many SSTs hashes its key once instead of once per SST.
  bool may_contain(std::string_view key, std::uint32_t key_hash) const;
  /// False when no key of this SST can be inside the range [lower, upper].
  bool overlaps(const Bound& lower, const Bound& upper) const;

  // Only open() can make the key, so only open() constructs a table (through make_shared).
  class OpenKey {
    friend class SsTable;
    OpenKey() = default;
  };
  SsTable(OpenKey key, std::size_t id, std::shared_ptr<BlockCache> cache, FileObject file);

 private:
  std::size_t id_;
  std::shared_ptr<BlockCache> cache_;
  FileObject file_;
  std::vector<BlockMeta> block_meta_;
  // Where the metadata starts: the end of the last block.
  std::uint64_t meta_offset_ = 0;
  std::uint32_t format_version_ = kSstFormatVersion;
  std::string first_key_;
  std::string last_key_;
  std::optional<Bloom> bloom_;
};

/// Builds an SST: entries go into blocks of about `block_size` bytes, then build() writes the
/// file.
class SsTableBuilder {
 public:
  /// `bloom_bits_per_key` = 0 builds no Bloom filter (week 1 day 7 adds the filter).
  explicit SsTableBuilder(std::size_t block_size, std::size_t bloom_bits_per_key = 0);

  /// Appends an entry; keys must come in strictly ascending order. An empty value is a tombstone.
  void add(std::string_view key, std::string_view value);
  /// About how big the file would be if built now.
  std::size_t estimated_size() const;
  bool is_empty() const { return block_meta_.empty() && current_.is_empty(); }

  /// Writes the SST to `path` (which must not exist) with FileObject::create, so that a crash
  /// never leaves a half-written file under `path`, and opens it as SST `id`. Throws
  /// InvalidArgument when no entry was added: an SST is never empty.
  std::shared_ptr<SsTable> build(std::size_t id, std::shared_ptr<BlockCache> cache,
                                 const std::filesystem::path& path,
                                 FileSystem& fs = *posix_file_system());

 private:
  // Appends the current block to data_ and records its metadata.
  void finish_block();

  std::size_t block_size_;
  std::size_t bloom_bits_per_key_;
  BlockBuilder current_;
  std::string current_first_key_;
  std::string current_last_key_;
  std::string data_;
  std::vector<BlockMeta> block_meta_;
  std::vector<std::uint32_t> key_hashes_;
};

/// Iterates the entries of an SST in key order, one block at a time.
class SsTableIterator final : public StorageIterator {
 public:
  static SsTableIterator create_and_seek_to_first(std::shared_ptr<const SsTable> table);
  /// An iterator on the first entry whose key is >= `key` (invalid if none is).
  static SsTableIterator create_and_seek_to_key(std::shared_ptr<const SsTable> table,
                                                std::string_view key);

  void seek_to_first();
  void seek_to_key(std::string_view key);

  std::string_view key() const override;
  std::string_view value() const override;
  bool is_valid() const override;
  void next() override;

 private:
  explicit SsTableIterator(std::shared_ptr<const SsTable> table) : table_(std::move(table)) {}
  // Opens block `index` at its first entry (a block is never empty); past the last block, the
  // iterator becomes invalid.
  void seek_to_block(std::size_t index);

  std::shared_ptr<const SsTable> table_;
  std::size_t block_index_ = 0;
  BlockIterator block_iterator_;
};

}  // namespace mini_lsm
