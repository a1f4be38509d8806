#include "mini_lsm/concat_iterator.hpp"

#include <utility>

#include "mini_lsm/error.hpp"

namespace mini_lsm {

// @lesson w2d1 solution-only
namespace {

// A sorted run must be in key order without overlaps; a level that is not would make the
// iterator skip or repeat keys silently.
void check_sorted_run(const std::vector<std::shared_ptr<const SsTable>>& tables) {
  for (std::size_t index = 1; index < tables.size(); ++index) {
    if (tables[index - 1]->last_key() >= tables[index]->first_key()) {
      throw InvalidArgument("not a sorted run: SST " + std::to_string(tables[index - 1]->id()) +
                            " ends at or after the first key of SST " +
                            std::to_string(tables[index]->id()));
    }
  }
}

}  // namespace
// @lesson end

SstConcatIterator::SstConcatIterator(std::vector<std::shared_ptr<const SsTable>> tables)
    : tables_(std::move(tables)) {}

SstConcatIterator SstConcatIterator::create_and_seek_to_first(
    std::vector<std::shared_ptr<const SsTable>> tables) {
  // @lesson w2d1 SstConcatIterator::create_and_seek_to_first: check that `tables` is a sorted run,
  //   then open_table(0) on its first entry
  check_sorted_run(tables);
  SstConcatIterator iterator(std::move(tables));
  iterator.open_table(0, std::nullopt);
  return iterator;
  // @lesson end
}

SstConcatIterator SstConcatIterator::create_and_seek_to_key(
    std::vector<std::shared_ptr<const SsTable>> tables, std::string_view key) {
  // @lesson w2d1 SstConcatIterator::create_and_seek_to_key: check the run, find the first SST
  //   whose last key is >= `key` (a binary search: the run is sorted), and open_table() it at
  //   `key`
  check_sorted_run(tables);
  SstConcatIterator iterator(std::move(tables));
  std::size_t low = 0;
  std::size_t high = iterator.tables_.size();
  while (low < high) {
    const std::size_t middle = low + (high - low) / 2;
    if (iterator.tables_[middle]->last_key() < key) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  iterator.open_table(low, key);
  return iterator;
  // @lesson end
}

void SstConcatIterator::open_table(std::size_t index, std::optional<std::string_view> key) {
  // @lesson w2d1 SstConcatIterator::open_table: from tables_[index] on, open each SST (at `key`
  //   for the first, at its first entry for the others) until one yields a valid iterator; past
  //   the last SST, reset current_
  current_.reset();
  for (table_index_ = index; table_index_ < tables_.size(); ++table_index_) {
    const std::shared_ptr<const SsTable>& table = tables_[table_index_];
    current_ = key && table_index_ == index ? SsTableIterator::create_and_seek_to_key(table, *key)
                                            : SsTableIterator::create_and_seek_to_first(table);
    if (current_->is_valid()) {
      return;
    }
  }
  current_.reset();
  // @lesson end
}

std::string_view SstConcatIterator::key() const {
  // @lesson w2d1 SstConcatIterator::key: the key of the current SST's iterator
  return current_->key();
  // @lesson end
}

std::string_view SstConcatIterator::value() const {
  // @lesson w2d1 SstConcatIterator::value: the value of the current SST's iterator
  return current_->value();
  // @lesson end
}

bool SstConcatIterator::is_valid() const {
  // @lesson w2d1 SstConcatIterator::is_valid: an SST is open (open_table() leaves current_ only on
  //   an entry)
  return current_.has_value();
  // @lesson end
}

void SstConcatIterator::next() {
  // @lesson w2d1 SstConcatIterator::next: step the current SST's iterator; when it runs out, open
  //   the next SST on its first entry
  current_->next();
  if (!current_->is_valid()) {
    open_table(table_index_ + 1, std::nullopt);
  }
  // @lesson end
}

}  // namespace mini_lsm
