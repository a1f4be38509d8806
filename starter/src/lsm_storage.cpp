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
  // TODO(w1d1): reject a bad key or value with InvalidArgument before touching anything, then
  //   write() it as a batch of one
  throw ::mini_lsm::NotImplemented("w1d1", "LsmStorage::put");
}

void LsmStorage::del(std::string_view key) {
  // TODO(w1d1): reject a key over kMaxKeySize, then write() a tombstone (an empty value) as a batch
  //   of one
  throw ::mini_lsm::NotImplemented("w1d1", "LsmStorage::del");
}

void LsmStorage::write_batch(std::span<const WriteOp> batch) {
  // TODO(w2d7): check every write first (a key over kMaxKeySize, a value over kMaxValueSize, and
  //   the batch's encoded size (kWalBatchOverhead, plus kWalRecordOverhead and the bytes of each
  //   write) over kMaxWalBatchBytes are InvalidArgument), then write() them all at once; an empty
  //   batch writes nothing
  throw ::mini_lsm::NotImplemented("w2d7", "LsmStorage::write_batch");
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

void LsmStorage::write(std::span<const WriteOp> batch) {
  // From week 1 day 6, a writer first waits here while flushes fall behind (the write stall).
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
  // TODO(w1d1): put every write of the batch (one, for put() and del()) into the current memtable
  //   (writable() of state()->memtable) and return it
  throw ::mini_lsm::NotImplemented("w1d1", "LsmStorage::write_to_current_memtable");
}

bool LsmStorage::is_full(const MemTable& memtable) const {
  // TODO(w1d1): the memtable's approximate size has reached options_.target_sst_size
  throw ::mini_lsm::NotImplemented("w1d1", "LsmStorage::is_full");
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
  // TODO(w1d1): take state_change_mutex_ and freeze_current_memtable()
  throw ::mini_lsm::NotImplemented("w1d1", "LsmStorage::force_freeze_memtable");
}

void LsmStorage::freeze_if_still_current(const std::shared_ptr<const MemTable>& memtable) {
  // TODO(w1d1): under state_change_mutex_, freeze only if `memtable` is still the current one
  //   (another writer may have frozen it already)
  throw ::mini_lsm::NotImplemented("w1d1", "LsmStorage::freeze_if_still_current");
}

void LsmStorage::freeze_current_memtable(const std::lock_guard<std::mutex>& /*state_change*/) {
  // TODO(w1d1): build a new LsmState with a fresh memtable (create_memtable()) and the old one in
  //   front of imm_memtables, then publish() it
  throw ::mini_lsm::NotImplemented("w1d1", "LsmStorage::freeze_current_memtable");
}

}  // namespace mini_lsm
