// Blocks: the unit an SST is read in. A block holds sorted key-value entries and their offsets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mini_lsm/iterator.hpp"

namespace mini_lsm {

/// One decoded entry of a block. `value` points into the block's data.
struct BlockEntry {
  std::string key;
  std::string_view value;
};

/// A block of sorted entries. Its encoding (all integers little-endian):
///
///     entry 0 | entry 1 | ... | offset of entry 0 (u32) | ... | number of entries (u32)
///
/// Week 1 day 3 stores an entry as `key_len (u16) | key | value_len (u32) | value`. Week 1 day 7
/// stores only what a key does not share with the block's first key:
/// `overlap (u16) | rest_len (u16) | rest of key | value_len (u32) | value`.
class Block {
 public:
  /// The block as bytes: the entries, then their offsets, then their number.
  std::string encode() const;

  /// Parses bytes written by encode(). Every entry is checked (in bounds, keys ascending), so a
  /// block that decodes can be read without going out of bounds. Bad bytes throw Corruption naming
  /// `file` and the byte offset in it (`file_offset` is where the block starts in the file).
  static Block decode(std::string bytes, std::string_view file = "block",
                      std::uint64_t file_offset = 0);

  /// The number of entries; a block always has at least one.
  std::size_t num_entries() const { return offsets_.size(); }
  /// Decodes entry `index` (< num_entries()).
  BlockEntry entry(std::size_t index) const;
  /// Decodes entry `index` (< num_entries()) into `entry`. Its key is assigned, not made anew, so
  /// an iterator that reads entry after entry into the same BlockEntry does not allocate for each.
  void read_entry(std::size_t index, BlockEntry& entry) const;

  /// The entry bytes (without offsets) and the offsets, as encode() writes them.
  const std::string& data() const { return data_; }
  const std::vector<std::uint32_t>& offsets() const { return offsets_; }
  const std::string& first_key() const { return first_key_; }

 private:
  friend class BlockBuilder;
  Block(std::string data, std::vector<std::uint32_t> offsets, std::string first_key);

  // Decodes the entry stored in data[begin, end) into `entry`, reusing its key's buffer. Keys may
  // be stored relative to `first_key` (week 1 day 7). Bad bytes throw Corruption naming `file` at
  // `file_offset` + their position.
  static void decode_entry(std::string_view data, std::size_t begin, std::size_t end,
                           std::string_view first_key, std::string_view file,
                           std::uint64_t file_offset, BlockEntry& entry);

  std::string data_;
  std::vector<std::uint32_t> offsets_;
  std::string first_key_;
  // Where the block was decoded from, so that read_entry() names it in a Corruption.
  std::string file_ = "built block";
  std::uint64_t file_offset_ = 0;
};

/// Builds one block, refusing entries once it is full.
class BlockBuilder {
 public:
  /// `block_size` is the most bytes the encoded block may take, unless its first entry alone is
  /// bigger: the first entry is always accepted so that any entry fits in some block.
  explicit BlockBuilder(std::size_t block_size);

  /// Appends an entry; keys must come in strictly ascending order (a key not above the last one
  /// throws InvalidArgument). Returns false, and adds nothing, when the entry would push the
  /// encoded block over the block size.
  [[nodiscard]] bool add(std::string_view key, std::string_view value);
  bool is_empty() const { return offsets_.empty(); }
  /// The size encode() of the block built now would return.
  std::size_t encoded_size() const;
  /// The block of every entry added so far.
  Block build() const;

 private:
  std::size_t block_size_;
  std::string data_;
  std::vector<std::uint32_t> offsets_;
  // The first key of the block; week 1 day 7 stores later keys relative to it.
  std::string first_key_;
  // The key added last: the next one must be above it.
  std::string last_key_;
};

/// Iterates the entries of one block.
class BlockIterator final : public StorageIterator {
 public:
  /// An iterator on nothing: not valid until it is given a block.
  BlockIterator() = default;
  /// An iterator on the first entry of `block`.
  static BlockIterator create_and_seek_to_first(std::shared_ptr<const Block> block);
  /// An iterator on the first entry of `block` whose key is >= `key` (invalid if none is).
  static BlockIterator create_and_seek_to_key(std::shared_ptr<const Block> block,
                                              std::string_view key);

  void seek_to_first();
  void seek_to_key(std::string_view key);

  std::string_view key() const override;
  std::string_view value() const override;
  bool is_valid() const override;
  void next() override;

 private:
  explicit BlockIterator(std::shared_ptr<const Block> block) : block_(std::move(block)) {}
  // Positions the iterator on entry `index`; an index past the end makes it invalid.
  void seek_to_index(std::size_t index);

  std::shared_ptr<const Block> block_;
  std::size_t index_ = 0;
  BlockEntry current_;
};

}  // namespace mini_lsm
