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

}  // namespace

Block::Block(std::string data, std::vector<std::uint32_t> offsets, std::string first_key)
    : data_(std::move(data)), offsets_(std::move(offsets)), first_key_(std::move(first_key)) {}

std::string Block::encode() const {
  // TODO(w1d3): data_, then every offset as a u32, then the number of offsets as a u32 (put_u32
  //   from coding.hpp)
  throw ::mini_lsm::NotImplemented("w1d3", "Block::encode");
}

Block Block::decode(std::string bytes, std::string_view file, std::uint64_t file_offset) {
  // TODO(w1d3): read the entry count (last u32) and the offsets before it, checking that they fit,
  //   start at 0 and ascend; keep the rest as data_, then decode_entry() every entry once, checking
  //   that the keys ascend, so that bad bytes throw here and nowhere else; remember `file` and
  //   `file_offset` for read_entry()
  throw ::mini_lsm::NotImplemented("w1d3", "Block::decode");
}

BlockEntry Block::entry(std::size_t index) const {
  BlockEntry entry;
  read_entry(index, entry);
  return entry;
}

void Block::read_entry(std::size_t index, BlockEntry& entry) const {
  // TODO(w1d3): decode_entry() between offsets_[index] and the next offset (or the end of data_)
  //   into `entry`, naming file_ at file_offset_
  throw ::mini_lsm::NotImplemented("w1d3", "Block::read_entry");
}

void Block::decode_entry(std::string_view data, std::size_t begin, std::size_t end,
                         std::string_view first_key, std::string_view file,
                         std::uint64_t file_offset, BlockEntry& entry) {
  // TODO(w1d3): with a ByteReader over data[begin, end): key_len (u16), key, value_len (u32),
  //   value, into `entry` (assign() the key, reusing its buffer); the entry must fill its range
  //   exactly
  throw ::mini_lsm::NotImplemented("w1d3", "Block::decode_entry");
}

BlockBuilder::BlockBuilder(std::size_t block_size) : block_size_(block_size) {}

bool BlockBuilder::add(std::string_view key, std::string_view value) {
  if (key.size() > kMaxKeySize) {
    throw InvalidArgument("a block key holds at most " + std::to_string(kMaxKeySize) + " bytes");
  }
  // TODO(w1d3): unless the block is empty, throw InvalidArgument for a key not above the last one,
  //   and refuse (return false) when the entry and its offset would push encoded_size() over
  //   block_size_; else record its offset and append key_len (u16), key, value_len (u32), value;
  //   remember the first and the last key
  throw ::mini_lsm::NotImplemented("w1d3", "BlockBuilder::add");
}

std::size_t BlockBuilder::encoded_size() const {
  // TODO(w1d3): the entries, 4 bytes per offset and 4 for the count
  throw ::mini_lsm::NotImplemented("w1d3", "BlockBuilder::encoded_size");
}

Block BlockBuilder::build() const {
  // TODO(w1d3): a Block of the entries, offsets and first key so far
  throw ::mini_lsm::NotImplemented("w1d3", "BlockBuilder::build");
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
  // TODO(w1d3): seek_to_index(0)
  throw ::mini_lsm::NotImplemented("w1d3", "BlockIterator::seek_to_first");
}

void BlockIterator::seek_to_key(std::string_view key) {
  // TODO(w1d3): binary search for the first entry whose key is >= `key` (entries are sorted), then
  //   seek_to_index() there
  throw ::mini_lsm::NotImplemented("w1d3", "BlockIterator::seek_to_key");
}

void BlockIterator::seek_to_index(std::size_t index) {
  // TODO(w1d3): remember the index and, when it names an entry, read_entry() it into current_
  //   (which reuses its key's buffer); else clear current_
  throw ::mini_lsm::NotImplemented("w1d3", "BlockIterator::seek_to_index");
}

std::string_view BlockIterator::key() const {
  // TODO(w1d3): the key of current_
  throw ::mini_lsm::NotImplemented("w1d3", "BlockIterator::key");
}

std::string_view BlockIterator::value() const {
  // TODO(w1d3): the value of current_
  throw ::mini_lsm::NotImplemented("w1d3", "BlockIterator::value");
}

bool BlockIterator::is_valid() const {
  // TODO(w1d3): there is a block and index_ names one of its entries
  throw ::mini_lsm::NotImplemented("w1d3", "BlockIterator::is_valid");
}

void BlockIterator::next() {
  // TODO(w1d3): seek_to_index() the next entry
  throw ::mini_lsm::NotImplemented("w1d3", "BlockIterator::next");
}

}  // namespace mini_lsm
