#include "mini_lsm/lsm_storage.hpp"

#include <algorithm>
#include <charconv>
#include <exception>
#include <iostream>
#include <system_error>
#include <utility>

#include "mini_lsm/error.hpp"
#include "mini_lsm/file.hpp"
#include "mini_lsm/merge_iterator.hpp"
#include "mini_lsm/two_merge_iterator.hpp"

namespace mini_lsm {

namespace {

// The id of an SST from its file name ("12.sst" -> 12), or nothing for any other file.
std::optional<std::size_t> sstable_id_of(const std::filesystem::path& file) {
  const std::string stem = file.stem().string();
  std::size_t id = 0;
  const auto [end, error] = std::from_chars(stem.data(), stem.data() + stem.size(), id);
  if (file.extension() != ".sst" || stem.empty() || error != std::errc() ||
      end != stem.data() + stem.size()) {
    return std::nullopt;
  }
  return id;
}

// The ids of the SST files in `directory`, highest (newest) first.
std::vector<std::size_t> sstable_ids_newest_first(const std::filesystem::path& directory) {
  std::error_code error;
  std::vector<std::size_t> ids;
  for (std::filesystem::directory_iterator entry(directory, error), end; !error && entry != end;
       entry.increment(error)) {
    if (const auto id = sstable_id_of(entry->path()); id && entry->is_regular_file(error)) {
      ids.push_back(*id);
    }
  }
  if (error) {
    throw IoError(directory.string(), error.value(), "cannot list the database directory");
  }
  std::sort(ids.rbegin(), ids.rend());
  return ids;
}

}  // namespace

std::unique_ptr<LsmStorage> LsmStorage::open(const std::filesystem::path& path,
                                             LsmOptions options) {
  return std::make_unique<LsmStorage>(path, options);
}

LsmStorage::LsmStorage(const std::filesystem::path& path, LsmOptions options)
    : path_(path), options_(options) {
  std::error_code error;
  std::filesystem::create_directories(path_, error);
  if (error) {
    throw IoError(path_.string(), error.value(), "cannot create database directory");
  }
  if (options_.block_cache_blocks > 0) {
    block_cache_ = std::make_shared<BlockCache>(options_.block_cache_blocks);
  }
  state_ = std::make_shared<LsmState>();
  // SST files left by an earlier session (close() writes them from week 1 day 6 on).
  if (const std::vector<std::size_t> ids = sstable_ids_newest_first(path_); !ids.empty()) {
    load_sstables(ids);
  }
  auto initial = std::make_shared<LsmState>(*state_);
  initial->memtable = std::make_shared<MemTable>(allocate_id());
  state_ = std::move(initial);
}

LsmStorage::~LsmStorage() {
  stop_flush_thread();
}

std::filesystem::path LsmStorage::sst_path(std::size_t id) const {
  return path_ / (std::to_string(id) + ".sst");
}

void LsmStorage::load_sstables(const std::vector<std::size_t>& ids) {
  // TODO(w1d5): open each SST (SsTable::open with block_cache_ on FileObject::open(sst_path(id)))
  //   into sstables, list the ids in the same order (newest first) in l0_sstables, and move
  //   next_id_ past the highest id
  throw ::mini_lsm::NotImplemented("w1d5", "LsmStorage::load_sstables");
}

std::shared_ptr<const LsmState> LsmStorage::state() const {
  std::lock_guard lock(state_mutex_);
  return state_;
}

void LsmStorage::put(std::string_view key, std::string_view value) {
  // TODO(w1d1): reject a bad key or value with InvalidArgument before touching anything, then
  //   write()
  throw ::mini_lsm::NotImplemented("w1d1", "LsmStorage::put");
}

void LsmStorage::del(std::string_view key) {
  // TODO(w1d1): reject a key over kMaxKeySize, then write() a tombstone (an empty value)
  throw ::mini_lsm::NotImplemented("w1d1", "LsmStorage::del");
}

std::optional<std::string> LsmStorage::get(std::string_view key) const {
  // TODO(w1d1): search the current memtable, then the frozen ones newest first; the first hit wins
  //   and a tombstone means not found
  throw ::mini_lsm::NotImplemented("w1d1", "LsmStorage::get");
}

FusedIterator LsmStorage::scan(const Bound& lower, const Bound& upper) const {
  // TODO(w1d2): merge an iterator per memtable (current first) with a MergeIterator, wrap it in an
  //   LsmIterator that stops at `upper`, and that in a FusedIterator
  throw ::mini_lsm::NotImplemented("w1d2", "LsmStorage::scan");
}

void LsmStorage::write(std::string_view key, std::string_view value) {
  // TODO(w1d1): put into the current memtable; once its approximate size reaches
  //   options_.target_sst_size, freeze_if_still_current()
  throw ::mini_lsm::NotImplemented("w1d1", "LsmStorage::write");
}

void LsmStorage::force_freeze_memtable() {
  // TODO(w1d1): take state_change_mutex_ and freeze_current_memtable()
  throw ::mini_lsm::NotImplemented("w1d1", "LsmStorage::force_freeze_memtable");
}

void LsmStorage::freeze_if_still_current(const std::shared_ptr<MemTable>& memtable) {
  // TODO(w1d1): under state_change_mutex_, freeze only if `memtable` is still the current one
  //   (another writer may have frozen it already)
  throw ::mini_lsm::NotImplemented("w1d1", "LsmStorage::freeze_if_still_current");
}

void LsmStorage::freeze_current_memtable(const std::lock_guard<std::mutex>& /*state_change*/) {
  // TODO(w1d1): build a new LsmState with a fresh memtable (allocate_id()) and the old one in front
  //   of imm_memtables, then swap state_ under state_mutex_
  throw ::mini_lsm::NotImplemented("w1d1", "LsmStorage::freeze_current_memtable");
}

void LsmStorage::force_flush() {
  // TODO(w1d6): under state_change_mutex_, take the oldest frozen memtable (the back of
  //   imm_memtables), write_sstable() it unless it is empty, then publish a state without it and
  //   with its SST in front of l0_sstables and in sstables
  throw ::mini_lsm::NotImplemented("w1d6", "LsmStorage::force_flush");
}

std::shared_ptr<SsTable> LsmStorage::write_sstable(const MemTable& memtable) const {
  // TODO(w1d6): add every entry of the memtable (tombstones too) to an SsTableBuilder, build it at
  //   sst_path(memtable.id()), then sync_directory() so the new file's name survives a crash
  throw ::mini_lsm::NotImplemented("w1d6", "LsmStorage::write_sstable");
}

bool LsmStorage::too_many_frozen_memtables() const {
  // TODO(w1d6): more frozen memtables than options_.num_memtable_limit
  throw ::mini_lsm::NotImplemented("w1d6", "LsmStorage::too_many_frozen_memtables");
}

void LsmStorage::flush_loop(std::stop_token stop) {
  // TODO(w1d6): until a stop is requested, sleep on flush_wanted_ until flush_wakeups_ changes,
  //   then force_flush() while there are too many frozen memtables; report a failed flush on
  //   std::cerr and carry on (the thread must not die)
  throw ::mini_lsm::NotImplemented("w1d6", "LsmStorage::flush_loop");
}

void LsmStorage::wake_flush_thread() {
  {
    // Counted under the lock, so a thread about to sleep sees it and does not sleep.
    const std::lock_guard lock(flush_mutex_);
    ++flush_wakeups_;
  }
  flush_wanted_.notify_one();
}

void LsmStorage::stop_flush_thread() {
  if (flush_thread_.joinable()) {
    flush_thread_.request_stop();
    flush_thread_.join();
  }
}

void LsmStorage::close() {
  // TODO(w1d6): only the first call does anything (closed_); stop the flush thread, freeze the
  //   current memtable even if it looks empty, then force_flush() until no memtable is frozen
  throw ::mini_lsm::NotImplemented("w1d6", "LsmStorage::close");
}

}  // namespace mini_lsm
