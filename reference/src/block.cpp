#include "mini_lsm/block.hpp"

#include <algorithm>
#include <utility>

#include "coding.hpp"
#include "mini_lsm/error.hpp"
#include "mini_lsm/options.hpp"

namespace mini_lsm {

namespace {

constexpr std::size_t kOffsetSize = sizeof(std::uint32_t);
constexpr std::size_t kCountSize = sizeof(std::uint32_t);

// @lesson w1d7 solution-only
std::size_t common_prefix_length(std::string_view left, std::string_view right) {
  const auto mismatch = std::mismatch(left.begin(), left.end(), right.begin(), right.end());
  return static_cast<std::size_t>(mismatch.first - left.begin());
}
// @lesson end

}  // namespace

Block::Block(std::string data, std::vector<std::uint32_t> offsets, std::string first_key)
    : data_(std::move(data)), offsets_(std::move(offsets)), first_key_(std::move(first_key)) {}

std::string Block::encode() const {
  // @lesson w1d3 Block::encode: data_, then every offset as a u32, then the number of offsets as a
  //   u32 (put_u32 from coding.hpp)
  std::string bytes = data_;
  for (const std::uint32_t offset : offsets_) {
    put_u32(bytes, offset);
  }
  put_u32(bytes, static_cast<std::uint32_t>(offsets_.size()));
  return bytes;
  // @lesson end
}

Block Block::decode(std::string bytes, std::string_view file, std::uint64_t file_offset) {
  // @lesson w1d3 Block::decode: read the entry count (last u32) and the offsets before it, checking
  //   that they fit, start at 0 and ascend; keep the rest as data_, then decode_entry() every entry
  //   once, checking that the keys ascend, so that bad bytes throw here and nowhere else; remember
  //   `file` and `file_offset` for read_entry()
  if (bytes.size() < kCountSize) {
    throw Corruption(std::string(file), file_offset, "a block needs at least 4 bytes");
  }
  const std::size_t count_at = bytes.size() - kCountSize;
  const std::uint32_t count =
      ByteReader(std::string_view(bytes).substr(count_at), file, file_offset + count_at).u32();
  if (count == 0 || count > count_at / (kOffsetSize + 1)) {
    throw Corruption(std::string(file), file_offset + count_at,
                     "a count of " + std::to_string(count) + " entries cannot fit in " +
                         std::to_string(count_at) + " bytes");
  }
  const std::size_t offsets_at = count_at - count * kOffsetSize;
  ByteReader reader(std::string_view(bytes).substr(offsets_at, count * kOffsetSize), file,
                    file_offset + offsets_at);
  std::vector<std::uint32_t> offsets;
  offsets.reserve(count);
  while (offsets.size() < count) {
    const std::uint32_t offset = reader.u32();
    const bool ascending = offsets.empty() ? offset == 0 : offset > offsets.back();
    if (!ascending || offset >= offsets_at) {
      reader.fail("entry offset " + std::to_string(offset) +
                  " does not ascend from 0 inside the entries");
    }
    offsets.push_back(offset);
  }
  bytes.resize(offsets_at);
  const auto entry_end = [&](std::size_t index) {
    return index + 1 < offsets.size() ? offsets[index + 1] : bytes.size();
  };
  // Two entries that trade places after each comparison, so that their keys' buffers are reused.
  BlockEntry previous;
  BlockEntry entry;
  decode_entry(bytes, 0, entry_end(0), {}, file, file_offset, previous);
  std::string first_key = previous.key;
  for (std::size_t index = 1; index < offsets.size(); ++index) {
    decode_entry(bytes, offsets[index], entry_end(index), first_key, file, file_offset, entry);
    if (entry.key <= previous.key) {
      throw Corruption(std::string(file), file_offset + offsets[index],
                       "entry " + std::to_string(index) + " of the block is not above entry " +
                           std::to_string(index - 1) + ": keys must ascend");
    }
    std::swap(previous, entry);
  }
  Block block(std::move(bytes), std::move(offsets), std::move(first_key));
  block.file_ = file;
  block.file_offset_ = file_offset;
  return block;
  // @lesson end
}

BlockEntry Block::entry(std::size_t index) const {
  BlockEntry entry;
  read_entry(index, entry);
  return entry;
}

void Block::read_entry(std::size_t index, BlockEntry& entry) const {
  // @lesson w1d3 Block::read_entry: decode_entry() between offsets_[index] and the next offset (or
  //   the end of data_) into `entry`, naming file_ at file_offset_
  const std::size_t end = index + 1 < offsets_.size() ? offsets_[index + 1] : data_.size();
  decode_entry(data_, offsets_.at(index), end, first_key_, file_, file_offset_, entry);
  // @lesson end
}

void Block::decode_entry(std::string_view data, std::size_t begin, std::size_t end,
                         std::string_view first_key, std::string_view file,
                         std::uint64_t file_offset, BlockEntry& entry) {
  // @lesson w1d3 Block::decode_entry: with a ByteReader over data[begin, end): key_len (u16), key,
  //   value_len (u32), value, into `entry` (assign() the key, reusing its buffer); the entry must
  //   fill its range exactly
  //| ByteReader reader(data.substr(begin, end - begin), file, file_offset + begin);
  //| const std::uint16_t key_length = reader.u16();
  //| entry.key.assign(reader.take(key_length));
  //| entry.value = reader.take(reader.u32());
  //| if (reader.remaining() != 0) {
  //|   reader.fail(std::to_string(reader.remaining()) + " stray bytes after an entry");
  //| }
  // @lesson w1d7 replaces: the key is its first `overlap` bytes shared with first_key, then the
  //   rest
  ByteReader reader(data.substr(begin, end - begin), file, file_offset + begin);
  const std::uint16_t overlap = reader.u16();
  if (overlap > first_key.size()) {
    reader.fail("a key shares " + std::to_string(overlap) + " bytes with a first key of " +
                std::to_string(first_key.size()) + " bytes");
  }
  const std::uint16_t rest_length = reader.u16();
  entry.key.assign(first_key.substr(0, overlap)).append(reader.take(rest_length));
  entry.value = reader.take(reader.u32());
  if (reader.remaining() != 0) {
    reader.fail(std::to_string(reader.remaining()) + " stray bytes after an entry");
  }
  // @lesson end
}

BlockBuilder::BlockBuilder(std::size_t block_size) : block_size_(block_size) {}

bool BlockBuilder::add(std::string_view key, std::string_view value) {
  if (key.size() > kMaxKeySize) {
    throw InvalidArgument("a block key holds at most " + std::to_string(kMaxKeySize) + " bytes");
  }
  // @lesson w1d3 BlockBuilder::add: unless the block is empty, throw InvalidArgument for a key not
  //   above the last one, and refuse (return false) when the entry and its offset would push
  //   encoded_size() over block_size_; else record its offset and append key_len (u16), key,
  //   value_len (u32), value; remember the first and the last key
  //| if (!is_empty() && key <= last_key_) {
  //|   throw InvalidArgument("block keys must ascend: a key is not above the key added before it");
  //| }
  //| const std::size_t entry_size =
  //|     sizeof(std::uint16_t) + key.size() + sizeof(std::uint32_t) + value.size();
  //| if (!is_empty() && encoded_size() + entry_size + kOffsetSize > block_size_) {
  //|   return false;
  //| }
  //| if (is_empty()) {
  //|   first_key_ = key;
  //| }
  //| last_key_ = key;
  //| offsets_.push_back(static_cast<std::uint32_t>(data_.size()));
  //| put_u16(data_, static_cast<std::uint16_t>(key.size()));
  //| data_.append(key);
  //| put_u32(data_, static_cast<std::uint32_t>(value.size()));
  //| data_.append(value);
  //| return true;
  // @lesson w1d7 replaces: store overlap (u16: bytes shared with the first key), rest_len (u16),
  //   the rest of the key, value_len (u32), value
  if (!is_empty() && key <= last_key_) {
    throw InvalidArgument("block keys must ascend: a key is not above the key added before it");
  }
  const std::size_t overlap = is_empty() ? 0 : common_prefix_length(first_key_, key);
  const std::string_view rest = key.substr(overlap);
  const std::size_t entry_size =
      2 * sizeof(std::uint16_t) + rest.size() + sizeof(std::uint32_t) + value.size();
  if (!is_empty() && encoded_size() + entry_size + kOffsetSize > block_size_) {
    return false;
  }
  if (is_empty()) {
    first_key_ = key;
  }
  last_key_ = key;
  offsets_.push_back(static_cast<std::uint32_t>(data_.size()));
  put_u16(data_, static_cast<std::uint16_t>(overlap));
  put_u16(data_, static_cast<std::uint16_t>(rest.size()));
  data_.append(rest);
  put_u32(data_, static_cast<std::uint32_t>(value.size()));
  data_.append(value);
  return true;
  // @lesson end
}

std::size_t BlockBuilder::encoded_size() const {
  // @lesson w1d3 BlockBuilder::encoded_size: the entries, 4 bytes per offset and 4 for the count
  return data_.size() + offsets_.size() * kOffsetSize + kCountSize;
  // @lesson end
}

Block BlockBuilder::build() const {
  // @lesson w1d3 BlockBuilder::build: a Block of the entries, offsets and first key so far
  return Block(data_, offsets_, first_key_);
  // @lesson end
}

BlockIterator BlockIterator::create_and_seek_to_first(std::shared_ptr<const Block> block) {
  BlockIterator iterator(std::move(block));
  iterator.seek_to_first();
  return iterator;
}

BlockIterator BlockIterator::create_and_seek_to_key(std::shared_ptr<const Block> block,
                                                    std::string_view key) {
  BlockIterator iterator(std::move(block));
  iterator.seek_to_key(key);
  return iterator;
}

void BlockIterator::seek_to_first() {
  // @lesson w1d3 BlockIterator::seek_to_first: seek_to_index(0)
  seek_to_index(0);
  // @lesson end
}

void BlockIterator::seek_to_key(std::string_view key) {
  // @lesson w1d3 BlockIterator::seek_to_key: binary search for the first entry whose key is >=
  //   `key` (entries are sorted), then seek_to_index() there
  std::size_t low = 0;
  std::size_t high = block_ ? block_->num_entries() : 0;
  while (low < high) {
    const std::size_t middle = low + (high - low) / 2;
    if (block_->entry(middle).key < key) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  seek_to_index(low);
  // @lesson end
}

void BlockIterator::seek_to_index(std::size_t index) {
  // @lesson w1d3 BlockIterator::seek_to_index: remember the index and, when it names an entry,
  //   read_entry() it into current_ (which reuses its key's buffer); else clear current_
  index_ = index;
  if (is_valid()) {
    block_->read_entry(index, current_);
  } else {
    current_ = BlockEntry{};
  }
  // @lesson end
}

std::string_view BlockIterator::key() const {
  // @lesson w1d3 BlockIterator::key: the key of current_
  return current_.key;
  // @lesson end
}

std::string_view BlockIterator::value() const {
  // @lesson w1d3 BlockIterator::value: the value of current_
  return current_.value;
  // @lesson end
}

bool BlockIterator::is_valid() const {
  // @lesson w1d3 BlockIterator::is_valid: there is a block and index_ names one of its entries
  return block_ && index_ < block_->num_entries();
  // @lesson end
}

void BlockIterator::next() {
  // @lesson w1d3 BlockIterator::next: seek_to_index() the next entry
  seek_to_index(index_ + 1);
  // @lesson end
}

}  // namespace mini_lsm
