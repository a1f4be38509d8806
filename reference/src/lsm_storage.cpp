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

// @lesson w1d1 solution-only
namespace {

void check_key_size(std::string_view key) {
  if (key.size() > kMaxKeySize) {
    throw InvalidArgument("key of " + std::to_string(key.size()) + " bytes is over the limit of " +
                          std::to_string(kMaxKeySize) + " bytes");
  }
}

void check_value_size(std::string_view value) {
  if (value.empty()) {
    throw InvalidArgument("an empty value is how a delete is stored: call del() instead");
  }
  if (value.size() > kMaxValueSize) {
    throw InvalidArgument("value of " + std::to_string(value.size()) +
                          " bytes is over the limit of " + std::to_string(kMaxValueSize) +
                          " bytes");
  }
}

}  // namespace
// @lesson end

// @lesson w1d2 solution-only
namespace {

// One iterator per memtable over [lower, upper], the current memtable first (it is the newest).
std::vector<std::unique_ptr<StorageIterator>> memtable_iterators(const LsmState& snapshot,
                                                                 const Bound& lower,
                                                                 const Bound& upper) {
  std::vector<std::unique_ptr<StorageIterator>> iterators;
  iterators.push_back(std::make_unique<MemTableIterator>(snapshot.memtable->scan(lower, upper)));
  for (const auto& frozen : snapshot.imm_memtables) {
    iterators.push_back(std::make_unique<MemTableIterator>(frozen->scan(lower, upper)));
  }
  return iterators;
}

}  // namespace
// @lesson end

// @lesson w1d5 solution-only
namespace {

// An iterator over `table` on its first key that satisfies `lower`.
std::unique_ptr<StorageIterator> sstable_iterator_from(std::shared_ptr<const SsTable> table,
                                                       const Bound& lower) {
  if (lower.kind() == Bound::Kind::kUnbounded) {
    return std::make_unique<SsTableIterator>(
        SsTableIterator::create_and_seek_to_first(std::move(table)));
  }
  auto iterator = SsTableIterator::create_and_seek_to_key(std::move(table), lower.key());
  if (lower.kind() == Bound::Kind::kExcluded && iterator.is_valid() &&
      iterator.key() == lower.key()) {
    iterator.next();
  }
  return std::make_unique<SsTableIterator>(std::move(iterator));
}

}  // namespace
// @lesson end

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
  // @lesson w1d6 solution-only
  flush_thread_ = std::jthread([this](std::stop_token stop) { flush_loop(std::move(stop)); });
  // @lesson end
}

LsmStorage::~LsmStorage() {
  stop_flush_thread();
}

std::filesystem::path LsmStorage::sst_path(std::size_t id) const {
  return path_ / (std::to_string(id) + ".sst");
}

void LsmStorage::load_sstables(const std::vector<std::size_t>& ids) {
  // @lesson w1d5 LsmStorage::load_sstables: open each SST (SsTable::open with block_cache_ on FileObject::open(sst_path(id))) into sstables, list the ids in the same order (newest first) in l0_sstables, and move next_id_ past the highest id
  auto next = std::make_shared<LsmState>(*state_);
  for (const std::size_t id : ids) {
    next->sstables.emplace(id, SsTable::open(id, block_cache_, FileObject::open(sst_path(id))));
    next->l0_sstables.push_back(id);
  }
  next_id_ = *std::max_element(ids.begin(), ids.end()) + 1;
  state_ = std::move(next);
  // @lesson end
}

std::shared_ptr<const LsmState> LsmStorage::state() const {
  std::lock_guard lock(state_mutex_);
  return state_;
}

void LsmStorage::put(std::string_view key, std::string_view value) {
  // @lesson w1d1 LsmStorage::put: reject a bad key or value with InvalidArgument before touching anything, then write()
  check_key_size(key);
  check_value_size(value);
  write(key, value);
  // @lesson end
}

void LsmStorage::del(std::string_view key) {
  // @lesson w1d1 LsmStorage::del: reject a key over kMaxKeySize, then write() a tombstone (an empty value)
  check_key_size(key);
  write(key, {});
  // @lesson end
}

std::optional<std::string> LsmStorage::get(std::string_view key) const {
  // @lesson w1d1 LsmStorage::get: search the current memtable, then the frozen ones newest first; the first hit wins and a tombstone means not found
  //| const std::shared_ptr<const LsmState> snapshot = state();
  //| std::optional<std::string> value = snapshot->memtable->get(key);
  //| for (auto frozen = snapshot->imm_memtables.begin();
  //|      !value && frozen != snapshot->imm_memtables.end(); ++frozen) {
  //|   value = (*frozen)->get(key);
  //| }
  //| if (value && value->empty()) {
  //|   return std::nullopt;  // the newest write was a delete
  //| }
  //| return value;
  // @lesson w1d5 replaces: when no memtable has the key, search the L0 SSTs newest first, skipping those that cannot hold it (SsTable::may_contain)
  const std::shared_ptr<const LsmState> snapshot = state();
  std::optional<std::string> value = snapshot->memtable->get(key);
  for (auto frozen = snapshot->imm_memtables.begin();
       !value && frozen != snapshot->imm_memtables.end(); ++frozen) {
    value = (*frozen)->get(key);
  }
  for (auto id = snapshot->l0_sstables.begin(); !value && id != snapshot->l0_sstables.end(); ++id) {
    const std::shared_ptr<SsTable>& table = snapshot->sstables.at(*id);
    if (table->may_contain(key)) {
      const auto found = SsTableIterator::create_and_seek_to_key(table, key);
      if (found.is_valid() && found.key() == key) {
        value = std::string(found.value());
      }
    }
  }
  if (value && value->empty()) {
    return std::nullopt;  // the newest write was a delete
  }
  return value;
  // @lesson end
}

FusedIterator LsmStorage::scan(const Bound& lower, const Bound& upper) const {
  // @lesson w1d2 LsmStorage::scan: merge an iterator per memtable (current first) with a MergeIterator, wrap it in an LsmIterator that stops at `upper`, and that in a FusedIterator
  //| const std::shared_ptr<const LsmState> snapshot = state();
  //| auto memtables = std::make_unique<MergeIterator>(memtable_iterators(*snapshot, lower, upper));
  //| return FusedIterator(std::make_unique<LsmIterator>(std::move(memtables), upper));
  // @lesson w1d5 replaces: also merge the L0 SSTs that overlap [lower, upper], each seeked to `lower`, behind the memtables with a TwoMergeIterator
  const std::shared_ptr<const LsmState> snapshot = state();
  auto memtables = std::make_unique<MergeIterator>(memtable_iterators(*snapshot, lower, upper));
  std::vector<std::unique_ptr<StorageIterator>> tables;
  for (const std::size_t id : snapshot->l0_sstables) {
    const std::shared_ptr<SsTable>& table = snapshot->sstables.at(id);
    if (table->overlaps(lower, upper)) {
      tables.push_back(sstable_iterator_from(table, lower));
    }
  }
  auto merged = std::make_unique<TwoMergeIterator>(
      std::move(memtables), std::make_unique<MergeIterator>(std::move(tables)));
  return FusedIterator(std::make_unique<LsmIterator>(std::move(merged), upper));
  // @lesson end
}

void LsmStorage::write(std::string_view key, std::string_view value) {
  // @lesson w1d1 LsmStorage::write: put into the current memtable; once its approximate size reaches options_.target_sst_size, freeze_if_still_current()
  //| const std::shared_ptr<MemTable> memtable = state()->memtable;
  //| memtable->put(key, value);
  //| if (memtable->approximate_size() >= options_.target_sst_size) {
  //|   freeze_if_still_current(memtable);
  //| }
  // @lesson w1d6 replaces: refuse writes after close(); hold write_mutex_ shared from reading the current memtable until the put is done, so that a freeze waits for the put and a flush never misses it
  std::shared_ptr<MemTable> memtable;
  {
    const std::shared_lock writing(write_mutex_);
    if (closed_.load()) {
      throw InvalidArgument("the engine is closed: open it again to write");
    }
    memtable = state()->memtable;
    memtable->put(key, value);
  }
  // Outside the lock: a freeze takes write_mutex_ exclusively.
  if (memtable->approximate_size() >= options_.target_sst_size) {
    freeze_if_still_current(memtable);
  }
  // @lesson end
}

void LsmStorage::force_freeze_memtable() {
  // @lesson w1d1 LsmStorage::force_freeze_memtable: take state_change_mutex_ and freeze_current_memtable()
  const std::lock_guard state_change(state_change_mutex_);
  freeze_current_memtable(state_change);
  // @lesson end
}

void LsmStorage::freeze_if_still_current(const std::shared_ptr<MemTable>& memtable) {
  // @lesson w1d1 LsmStorage::freeze_if_still_current: under state_change_mutex_, freeze only if `memtable` is still the current one (another writer may have frozen it already)
  const std::lock_guard state_change(state_change_mutex_);
  if (state()->memtable == memtable) {
    freeze_current_memtable(state_change);
  }
  // @lesson end
}

void LsmStorage::freeze_current_memtable(const std::lock_guard<std::mutex>& /*state_change*/) {
  // @lesson w1d1 LsmStorage::freeze_current_memtable: build a new LsmState with a fresh memtable (allocate_id()) and the old one in front of imm_memtables, then swap state_ under state_mutex_
  auto next = std::make_shared<LsmState>(*state());
  next->imm_memtables.insert(next->imm_memtables.begin(), next->memtable);
  next->memtable = std::make_shared<MemTable>(allocate_id());
  {
    // @lesson w1d6 solution-only
    const std::unique_lock no_writer_inside(write_mutex_);
    // @lesson end
    std::lock_guard lock(state_mutex_);
    state_ = std::move(next);
  }
  // @lesson w1d6 solution-only
  wake_flush_thread();
  // @lesson end
  // @lesson end
}

void LsmStorage::force_flush() {
  // @lesson w1d6 LsmStorage::force_flush: under state_change_mutex_, take the oldest frozen memtable (the back of imm_memtables), write_sstable() it unless it is empty, then publish a state without it and with its SST in front of l0_sstables and in sstables
  const std::lock_guard state_change(state_change_mutex_);
  const std::shared_ptr<const LsmState> snapshot = state();
  if (snapshot->imm_memtables.empty()) {
    return;
  }
  const std::shared_ptr<MemTable>& oldest = snapshot->imm_memtables.back();
  std::shared_ptr<SsTable> table = oldest->is_empty() ? nullptr : write_sstable(*oldest);
  auto next = std::make_shared<LsmState>(*snapshot);
  next->imm_memtables.pop_back();
  if (table) {
    next->l0_sstables.insert(next->l0_sstables.begin(), table->id());
    next->sstables.emplace(table->id(), std::move(table));
  }
  std::lock_guard lock(state_mutex_);
  state_ = std::move(next);
  // @lesson end
}

std::shared_ptr<SsTable> LsmStorage::write_sstable(const MemTable& memtable) const {
  // @lesson w1d6 LsmStorage::write_sstable: add every entry of the memtable (tombstones too) to an SsTableBuilder, build it at sst_path(memtable.id()), then sync_directory() so the new file's name survives a crash
  SsTableBuilder builder(options_.block_size, options_.bloom_bits_per_key);
  for (MemTableIterator entry = memtable.scan(Bound::unbounded(), Bound::unbounded());
       entry.is_valid(); entry.next()) {
    builder.add(entry.key(), entry.value());
  }
  std::shared_ptr<SsTable> table =
      builder.build(memtable.id(), block_cache_, sst_path(memtable.id()));
  sync_directory(path_);
  return table;
  // @lesson end
}

bool LsmStorage::too_many_frozen_memtables() const {
  // @lesson w1d6 LsmStorage::too_many_frozen_memtables: more frozen memtables than options_.num_memtable_limit
  return state()->imm_memtables.size() > options_.num_memtable_limit;
  // @lesson end
}

void LsmStorage::flush_loop(std::stop_token stop) {
  // @lesson w1d6 LsmStorage::flush_loop: until a stop is requested, sleep on flush_wanted_ until flush_wakeups_ changes, then force_flush() while there are too many frozen memtables; report a failed flush on std::cerr and carry on (the thread must not die)
  std::uint64_t seen = 0;
  while (true) {
    {
      std::unique_lock lock(flush_mutex_);
      if (!flush_wanted_.wait(lock, stop, [&] { return flush_wakeups_ != seen; })) {
        return;  // a stop was requested
      }
      seen = flush_wakeups_;
    }
    try {
      while (!stop.stop_requested() && too_many_frozen_memtables()) {
        force_flush();
      }
    } catch (const std::exception& error) {
      std::cerr << "mini-lsm: background flush failed, retrying after the next freeze: "
                << error.what() << '\n';
    }
  }
  // @lesson end
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
  // @lesson w1d6 LsmStorage::close: only the first call does anything (closed_); stop the flush thread, freeze the current memtable even if it looks empty, then force_flush() until no memtable is frozen
  if (closed_.exchange(true)) {
    return;
  }
  stop_flush_thread();
  // Even an "empty" one: a writer may still be inside its put, and the freeze waits for it. An
  // empty frozen memtable is dropped by force_flush() without writing a file.
  force_freeze_memtable();
  while (!state()->imm_memtables.empty()) {
    force_flush();
  }
  // @lesson end
}

}  // namespace mini_lsm
