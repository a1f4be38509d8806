#include "mini_lsm/lsm_storage.hpp"

#include <algorithm>
#include <utility>

#include "mini_lsm/concat_iterator.hpp"
#include "mini_lsm/error.hpp"
#include "mini_lsm/file_names.hpp"
#include "mini_lsm/merge_iterator.hpp"
#include "mini_lsm/sync_point.hpp"
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

// @lesson w2d1 solution-only
namespace {

// The SSTs of `level`, in key order.
std::vector<std::shared_ptr<const SsTable>> level_tables(const LsmState& snapshot,
                                                         const Level& level) {
  std::vector<std::shared_ptr<const SsTable>> tables;
  for (const std::size_t id : level.sst_ids) {
    tables.push_back(snapshot.sstables.at(id));
  }
  return tables;
}

// An iterator over `level` on its first key that satisfies `lower`.
std::unique_ptr<StorageIterator> level_iterator_from(const LsmState& snapshot, const Level& level,
                                                     const Bound& lower) {
  std::vector<std::shared_ptr<const SsTable>> tables = level_tables(snapshot, level);
  if (lower.kind() == Bound::Kind::kUnbounded) {
    return std::make_unique<SstConcatIterator>(
        SstConcatIterator::create_and_seek_to_first(std::move(tables)));
  }
  auto iterator = SstConcatIterator::create_and_seek_to_key(std::move(tables), lower.key());
  if (lower.kind() == Bound::Kind::kExcluded && iterator.is_valid() &&
      iterator.key() == lower.key()) {
    iterator.next();
  }
  return std::make_unique<SstConcatIterator>(std::move(iterator));
}

// The value (maybe a tombstone) `key` has in `table`, if the table holds it. `key_hash` is
// Bloom::hash(key), computed once by the caller for all the SSTs it asks.
std::optional<std::string> get_from_sstable(const std::shared_ptr<const SsTable>& table,
                                            std::string_view key, std::uint32_t key_hash) {
  if (!table->may_contain(key, key_hash)) {
    return std::nullopt;
  }
  const auto found = SsTableIterator::create_and_seek_to_key(table, key);
  if (found.is_valid() && found.key() == key) {
    return std::string(found.value());
  }
  return std::nullopt;
}

// The value (maybe a tombstone) `key` has in the sorted run `level`: only the one SST whose range
// can hold it is read, found by binary search.
std::optional<std::string> get_from_level(const LsmState& snapshot, const Level& level,
                                          std::string_view key, std::uint32_t key_hash) {
  const auto table = std::partition_point(
      level.sst_ids.begin(), level.sst_ids.end(),
      [&](std::size_t id) { return snapshot.sstables.at(id)->last_key() < key; });
  if (table == level.sst_ids.end()) {
    return std::nullopt;
  }
  return get_from_sstable(snapshot.sstables.at(*table), key, key_hash);
}

}  // namespace
// @lesson end

LsmStorage::~LsmStorage() {
  stop_wal_sync_thread();
  stop_compaction_thread();
  stop_flush_thread();
}

std::filesystem::path LsmStorage::sst_path(std::size_t id) const {
  return path_ / sst_file_name(id);
}

std::filesystem::path LsmStorage::wal_path(std::size_t id) const {
  return path_ / wal_file_name(id);
}

std::shared_ptr<const LsmState> LsmStorage::state() const {
  std::lock_guard lock(state_mutex_);
  return state_;
}

void LsmStorage::put(std::string_view key, std::string_view value) {
  // @lesson w1d1 LsmStorage::put: reject a bad key or value with InvalidArgument before touching
  //   anything, then write() it as a batch of one
  check_key_size(key);
  check_value_size(value);
  const WriteOp write_op = WriteOp::put(key, value);
  write({&write_op, 1});
  // @lesson end
}

void LsmStorage::del(std::string_view key) {
  // @lesson w1d1 LsmStorage::del: reject a key over kMaxKeySize, then write() a tombstone (an empty
  //   value) as a batch of one
  check_key_size(key);
  const WriteOp write_op = WriteOp::del(key);
  write({&write_op, 1});
  // @lesson end
}

void LsmStorage::write_batch(std::span<const WriteOp> batch) {
  // @lesson w2d7 LsmStorage::write_batch: check every write first (a key over kMaxKeySize, a
  //   value over kMaxValueSize, and the batch's encoded size (kWalBatchOverhead, plus
  //   kWalRecordOverhead and the bytes of each write) over kMaxWalBatchBytes are InvalidArgument),
  //   then write() them all at once; an empty batch writes nothing
  std::size_t encoded_size = kWalBatchOverhead;
  for (const WriteOp& write_op : batch) {
    check_key_size(write_op.key);
    if (!write_op.is_delete()) {
      check_value_size(write_op.value);
    }
    encoded_size += kWalRecordOverhead + write_op.key.size() + write_op.value.size();
  }
  if (encoded_size > kMaxWalBatchBytes) {
    throw InvalidArgument("a batch of " + std::to_string(encoded_size) +
                          " bytes is over the limit of " + std::to_string(kMaxWalBatchBytes) +
                          " bytes");
  }
  if (!batch.empty()) {
    write(batch);
  }
  // @lesson end
}

std::optional<std::string> LsmStorage::get(std::string_view key) const {
  // @lesson w1d1 LsmStorage::get: search the current memtable, then the frozen ones newest first;
  //   the first hit wins and a tombstone means not found
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
  // @lesson w1d5 replaces: when no memtable has the key, search the L0 SSTs newest first, skipping
  //   those that cannot hold it (SsTable::may_contain)
  //| const std::shared_ptr<const LsmState> snapshot = state();
  //| std::optional<std::string> value = snapshot->memtable->get(key);
  //| for (auto frozen = snapshot->imm_memtables.begin();
  //|      !value && frozen != snapshot->imm_memtables.end(); ++frozen) {
  //|   value = (*frozen)->get(key);
  //| }
  //| for (auto id = snapshot->l0_sstables.begin(); !value && id != snapshot->l0_sstables.end(); ++id) {
  //|   const std::shared_ptr<const SsTable>& table = snapshot->sstables.at(*id);
  //|   if (table->may_contain(key)) {
  //|     const auto found = SsTableIterator::create_and_seek_to_key(table, key);
  //|     if (found.is_valid() && found.key() == key) {
  //|       value = std::string(found.value());
  //|     }
  //|   }
  //| }
  //| if (value && value->empty()) {
  //|   return std::nullopt;  // the newest write was a delete
  //| }
  //| return value;
  // @lesson w2d1 replaces: after L0, search the levels top down; in each (a sorted run) only the
  //   SST whose range can hold the key, found by binary search on last keys; hash the key once
  //   (Bloom::hash) for the may_contain(key, key_hash) of every SST
  const std::shared_ptr<const LsmState> snapshot = state();
  std::optional<std::string> value = snapshot->memtable->get(key);
  for (auto frozen = snapshot->imm_memtables.begin();
       !value && frozen != snapshot->imm_memtables.end(); ++frozen) {
    value = (*frozen)->get(key);
  }
  // Hashed once for the Bloom filters of all the SSTs below, not once per SST.
  const std::uint32_t key_hash = Bloom::hash(key);
  for (auto id = snapshot->l0_sstables.begin(); !value && id != snapshot->l0_sstables.end(); ++id) {
    value = get_from_sstable(snapshot->sstables.at(*id), key, key_hash);
  }
  for (auto level = snapshot->levels.begin(); !value && level != snapshot->levels.end(); ++level) {
    value = get_from_level(*snapshot, *level, key, key_hash);
  }
  if (value && value->empty()) {
    return std::nullopt;  // the newest write was a delete
  }
  return value;
  // @lesson end
}

FusedIterator LsmStorage::scan(const Bound& lower, const Bound& upper) const {
  // @lesson w1d2 LsmStorage::scan: merge an iterator per memtable (current first) with a
  //   MergeIterator, wrap it in an LsmIterator that stops at `upper`, and that in a FusedIterator
  //| const std::shared_ptr<const LsmState> snapshot = state();
  //| auto memtables = std::make_unique<MergeIterator>(memtable_iterators(*snapshot, lower, upper));
  //| return FusedIterator(std::make_unique<LsmIterator>(std::move(memtables), upper));
  // @lesson w1d5 replaces: also merge the L0 SSTs that overlap [lower, upper], each seeked to
  //   `lower`, behind the memtables with a TwoMergeIterator
  //| const std::shared_ptr<const LsmState> snapshot = state();
  //| auto memtables = std::make_unique<MergeIterator>(memtable_iterators(*snapshot, lower, upper));
  //| std::vector<std::unique_ptr<StorageIterator>> tables;
  //| for (const std::size_t id : snapshot->l0_sstables) {
  //|   const std::shared_ptr<const SsTable>& table = snapshot->sstables.at(id);
  //|   if (table->overlaps(lower, upper)) {
  //|     tables.push_back(sstable_iterator_from(table, lower));
  //|   }
  //| }
  //| auto merged = std::make_unique<TwoMergeIterator>(
  //|     std::move(memtables), std::make_unique<MergeIterator>(std::move(tables)));
  //| return FusedIterator(std::make_unique<LsmIterator>(std::move(merged), upper));
  // @lesson w2d1 replaces: after the L0 SSTs, add one SstConcatIterator per level, seeked to
  //   `lower`, to the same MergeIterator (L0 first, then the levels top down: newer data first)
  const std::shared_ptr<const LsmState> snapshot = state();
  auto memtables = std::make_unique<MergeIterator>(memtable_iterators(*snapshot, lower, upper));
  std::vector<std::unique_ptr<StorageIterator>> tables;
  for (const std::size_t id : snapshot->l0_sstables) {
    const std::shared_ptr<const SsTable>& table = snapshot->sstables.at(id);
    if (table->overlaps(lower, upper)) {
      tables.push_back(sstable_iterator_from(table, lower));
    }
  }
  for (const Level& level : snapshot->levels) {
    tables.push_back(level_iterator_from(*snapshot, level, lower));
  }
  auto merged = std::make_unique<TwoMergeIterator>(
      std::move(memtables), std::make_unique<MergeIterator>(std::move(tables)));
  return FusedIterator(std::make_unique<LsmIterator>(std::move(merged), upper));
  // @lesson end
}

void LsmStorage::write(std::span<const WriteOp> batch) {
  // From week 1 day 6, a writer first waits here while flushes fall behind (the write stall).
  // @lesson w1d6 solution-only
  wait_for_room_to_write();
  // @lesson end
  // Week 2 day 6: with a WAL, the write goes through the writer queue into the WAL first.
  const std::shared_ptr<MemTable> memtable =
      options_.enable_wal ? write_through_wal(batch) : write_to_current_memtable(batch);
  for (const WriteOp& write_op : batch) {
    sync_point::reach(sync_point::kAfterMemtableWrite, write_op.key);
  }
  // Outside any lock: freezing takes its own. A batch is never split: it went into one memtable,
  // which may end up above its target size.
  if (is_full(*memtable)) {
    freeze_if_still_current(memtable);
  }
}

std::shared_ptr<MemTable> LsmStorage::write_to_current_memtable(std::span<const WriteOp> batch) {
  // @lesson w1d1 LsmStorage::write_to_current_memtable: put every write of the batch (one, for
  //   put() and del()) into the current memtable (writable() of state()->memtable) and return it
  //| const std::shared_ptr<MemTable> memtable = writable(state()->memtable);
  //| for (const WriteOp& write_op : batch) {
  //|   memtable->put(write_op.key, write_op.value);
  //| }
  //| return memtable;
  // @lesson w1d6 replaces: refuse writes after close(); hold write_mutex_ shared from reading the
  //   current memtable until the puts are done, so that a freeze waits for them and a flush never
  //   misses one
  const std::shared_lock writing(write_mutex_);
  if (closed_.load()) {
    throw InvalidArgument("the engine is closed: open it again to write");
  }
  const std::shared_ptr<MemTable> memtable = writable(state()->memtable);
  for (const WriteOp& write_op : batch) {
    memtable->put(write_op.key, write_op.value);
  }
  return memtable;
  // @lesson end
}

bool LsmStorage::is_full(const MemTable& memtable) const {
  // @lesson w1d1 LsmStorage::is_full: the memtable's approximate size has reached
  //   options_.target_sst_size
  return memtable.approximate_size() >= options_.target_sst_size;
  // @lesson end
}

std::shared_ptr<MemTable> LsmStorage::create_memtable() {
  const std::size_t id = allocate_id();
  if (options_.enable_wal) {
    return create_memtable_with_wal(id);  // week 2 day 6
  }
  // Recorded before any write can land in it: the id is spoken for even if it is never flushed,
  // and (week 2 day 6) its WAL is replayed only when the manifest knows it.
  record(NewMemtableRecord{id});
  return std::make_shared<MemTable>(id);
}

void LsmStorage::record(const ManifestRecord& record) {
  if (!manifest_) {
    return;  // before week 2 day 5, nothing records the tree's structure
  }
  try {
    manifest_->add_record(record);
  } catch (...) {
    // The change this record describes is not published, but the engine cannot tell whether the
    // record reached the disk, so it takes no more changes until a reopen reads what did.
    set_background_error(std::current_exception());
    throw;
  }
}

std::shared_ptr<MemTable> LsmStorage::writable(const std::shared_ptr<const MemTable>& memtable) {
  return std::const_pointer_cast<MemTable>(memtable);
}

void LsmStorage::publish(std::shared_ptr<const LsmState> next) {
  {
    const std::lock_guard lock(state_mutex_);
    state_ = std::move(next);
  }
  wake_waiting_writers();
  // Every new state may give the controller work: more L0 SSTs, a new tier, a fuller level.
  wake_compaction_thread();
}

void LsmStorage::force_freeze_memtable() {
  // @lesson w1d1 LsmStorage::force_freeze_memtable: take state_change_mutex_ and
  //   freeze_current_memtable()
  const std::lock_guard state_change(state_change_mutex_);
  freeze_current_memtable(state_change);
  // @lesson end
}

void LsmStorage::freeze_if_still_current(const std::shared_ptr<const MemTable>& memtable) {
  // @lesson w1d1 LsmStorage::freeze_if_still_current: under state_change_mutex_, freeze only if
  //   `memtable` is still the current one (another writer may have frozen it already)
  const std::lock_guard state_change(state_change_mutex_);
  if (state()->memtable == memtable) {
    freeze_current_memtable(state_change);
  }
  // @lesson end
}

void LsmStorage::freeze_current_memtable(const std::lock_guard<std::mutex>& /*state_change*/) {
  // @lesson w1d1 LsmStorage::freeze_current_memtable: build a new LsmState with a fresh memtable
  //   (create_memtable()) and the old one in front of imm_memtables, then publish() it
  auto next = std::make_shared<LsmState>(*state());
  next->imm_memtables.insert(next->imm_memtables.begin(), next->memtable);
  next->memtable = create_memtable();
  // @lesson w1d6 solution-only
  std::unique_lock no_writer_inside(write_mutex_);
  // @lesson end
  publish(std::move(next));
  // @lesson w1d6 solution-only
  no_writer_inside.unlock();
  wake_flush_thread();
  // @lesson end
  // @lesson end
}

}  // namespace mini_lsm
