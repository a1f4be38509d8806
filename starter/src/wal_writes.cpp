// Writing through the write-ahead log (week 2 day 6): the writer queue and group commit, sync(),
// the periodic syncer, and close() with a WAL.
#include <span>
#include <utility>

#include "mini_lsm/error.hpp"
#include "mini_lsm/lsm_storage.hpp"
#include "mini_lsm/sync_point.hpp"

namespace mini_lsm {

namespace {

// Appends the writes of one put, del or batch to the WAL.
void append_to_wal(Wal& wal, std::span<const WriteOp> batch) {
  // TODO(w2d6): Wal::put() every write of the batch (day 6 writes one at a time)
  throw ::mini_lsm::NotImplemented("w2d6", "append_to_wal");
}

}  // namespace

std::shared_ptr<MemTable> LsmStorage::create_memtable_with_wal(std::size_t id) {
  // TODO(w2d6): Wal::create() at wal_path(id) (with wal_metrics_), and only once it is durable
  //   record NewMemtableRecord{id, true}; return a MemTable owning the WAL
  throw ::mini_lsm::NotImplemented("w2d6", "LsmStorage::create_memtable_with_wal");
}

std::shared_ptr<MemTable> LsmStorage::write_through_wal(std::span<const WriteOp> batch) {
  // TODO(w2d6): queue a PendingWrite under writer_queue_mutex_ and wait on its `turn` until it is
  //   done (then rethrow its error or return its memtable) or at the front; the front writer leads:
  //   it takes the writes from the front while their records stay within kMaxCommitGroupBytes (at
  //   least its own), commit_group()s them WITHOUT the queue's mutex, then, under it, pops them,
  //   marks them done with the outcome, wakes them and wakes the new front writer
  throw ::mini_lsm::NotImplemented("w2d6", "LsmStorage::write_through_wal");
}

std::shared_ptr<MemTable> LsmStorage::commit_group(const std::vector<PendingWrite*>& group) {
  // TODO(w2d6): hold write_mutex_ shared (a freeze waits for the group) and refuse if closed_;
  //   append_to_wal() every write of the group, sync() the WAL when options_.wal_sync is kAlways (a
  //   failure there becomes the background error), count the group in wal_metrics_, then put the
  //   writes into the memtable in the same order
  throw ::mini_lsm::NotImplemented("w2d6", "LsmStorage::commit_group");
}

void LsmStorage::sync() {
  // TODO(w2d6): with a WAL, sync() the WAL of every memtable of state() (frozen ones too: their
  //   records may still be buffered); a failure becomes the background error and is rethrown;
  //   without a WAL, do nothing
  throw ::mini_lsm::NotImplemented("w2d6", "LsmStorage::sync");
}

std::chrono::steady_clock::time_point LsmStorage::now() const {
  return options_.clock ? options_.clock() : std::chrono::steady_clock::now();
}

void LsmStorage::wal_sync_loop(std::stop_token stop) {
  // TODO(w2d6): until a stop is requested, sleep on wal_sync_tick_ for wal_sync_interval; when
  //   now() is at least wal_sync_interval past the last sync, note the time and sync(); a failed
  //   sync ends the loop (sync() made it the background error); reach
  //   sync_point::kAfterPeriodicWalSync after every pass ("synced" or "idle")
  throw ::mini_lsm::NotImplemented("w2d6", "LsmStorage::wal_sync_loop");
}

void LsmStorage::stop_wal_sync_thread() {
  if (wal_sync_thread_.joinable()) {
    wal_sync_thread_.request_stop();
    wal_sync_thread_.join();
  }
}

void LsmStorage::close_with_wal() {
  // TODO(w2d6): under close_mutex_, do nothing if an earlier close finished; else set closed_
  //   (wake_waiting_writers()), stop the flush thread and the periodic syncer, wait for the writes
  //   in progress (take write_mutex_ exclusively once), sync(), and only then mark the close
  //   finished; nothing is flushed
  throw ::mini_lsm::NotImplemented("w2d6", "LsmStorage::close_with_wal");
}

}  // namespace mini_lsm
