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
  // @lesson w2d6 append_to_wal: Wal::put() every write of the batch (day 6 writes one at a time)
  //| for (const WriteOp& write_op : batch) {
  //|   wal.put(write_op.key, write_op.value);
  //| }
  // @lesson w2d7 replaces: Wal::put_batch(): one record, so that a crash keeps all or none of it
  wal.put_batch(batch);
  // @lesson end
}

}  // namespace

std::shared_ptr<MemTable> LsmStorage::create_memtable_with_wal(std::size_t id) {
  // @lesson w2d6 LsmStorage::create_memtable_with_wal: Wal::create() at wal_path(id) (with
  //   wal_metrics_), and only once it is durable record NewMemtableRecord{id, true}; return a
  //   MemTable owning the WAL
  std::unique_ptr<Wal> wal = Wal::create(wal_path(id), id, *fs_, wal_metrics_);
  // The record promises open() that the WAL exists: the file and its name are durable by now.
  record(NewMemtableRecord{id, /*wal=*/true});
  return std::make_shared<MemTable>(id, std::move(wal));
  // @lesson end
}

std::shared_ptr<MemTable> LsmStorage::write_through_wal(std::span<const WriteOp> batch) {
  // @lesson w2d6 LsmStorage::write_through_wal: queue a PendingWrite under writer_queue_mutex_
  //   and wait on its `turn` until it is done (then rethrow its error or return its memtable) or
  //   at the front; the front writer leads: it takes the writes from the front while their
  //   records stay within kMaxCommitGroupBytes (at least its own), commit_group()s them WITHOUT
  //   the queue's mutex, then, under it, pops them, marks them done with the outcome, wakes them
  //   and wakes the new front writer
  PendingWrite self;
  self.batch = batch;
  std::unique_lock queue(writer_queue_mutex_);
  writer_queue_.push_back(&self);
  self.turn.wait(queue, [&] { return self.done || writer_queue_.front() == &self; });
  if (self.done) {
    if (self.error) {
      std::rethrow_exception(self.error);
    }
    return self.memtable;
  }
  // The leader: it commits the writes queued behind it too, in queue order.
  std::vector<PendingWrite*> group;
  std::size_t group_bytes = 0;
  for (PendingWrite* write : writer_queue_) {
    std::size_t bytes = 0;
    for (const WriteOp& write_op : write->batch) {
      bytes += write_op.key.size() + write_op.value.size() + kWalRecordOverhead;
    }
    if (!group.empty() && group_bytes + bytes > kMaxCommitGroupBytes) {
      break;
    }
    group.push_back(write);
    group_bytes += bytes;
  }
  queue.unlock();
  std::shared_ptr<MemTable> memtable;
  std::exception_ptr error;
  try {
    memtable = commit_group(group);
  } catch (...) {
    error = std::current_exception();
  }
  queue.lock();
  for (PendingWrite* write : group) {
    writer_queue_.pop_front();  // the group is the front of the queue, in order
    write->done = true;
    write->error = error;
    write->memtable = memtable;
    if (write != &self) {
      write->turn.notify_one();
    }
  }
  if (!writer_queue_.empty()) {
    writer_queue_.front()->turn.notify_one();
  }
  queue.unlock();
  if (error) {
    std::rethrow_exception(error);
  }
  return memtable;
  // @lesson end
}

std::shared_ptr<MemTable> LsmStorage::commit_group(const std::vector<PendingWrite*>& group) {
  // @lesson w2d6 LsmStorage::commit_group: hold write_mutex_ shared (a freeze waits for the
  //   group) and refuse if closed_; append_to_wal() every write of the group, sync() the WAL
  //   when options_.wal_sync is kAlways (a failure there becomes the background error), count
  //   the group in wal_metrics_, then put the writes into the memtable in the same order
  const std::shared_lock writing(write_mutex_);
  if (closed_.load()) {
    throw InvalidArgument("the engine is closed: open it again to write");
  }
  const std::shared_ptr<MemTable> memtable = writable(state()->memtable);
  Wal& wal = *memtable->wal();
  try {
    for (const PendingWrite* write : group) {
      append_to_wal(wal, write->batch);
    }
    if (options_.wal_sync == WalSyncMode::kAlways) {
      wal.sync();  // one fsync for the whole group: that is group commit
    }
  } catch (...) {
    // The WAL's tail is unknown now; the memtable has none of the group, and no write after it
    // may be acknowledged until a reopen replays what the disk really holds.
    set_background_error(std::current_exception());
    throw;
  }
  wal_metrics_->add_commit_group(group.size());
  // The same order as in the WAL: after a crash, the replay rebuilds exactly this memtable.
  for (const PendingWrite* write : group) {
    for (const WriteOp& write_op : write->batch) {
      memtable->put(write_op.key, write_op.value);
    }
  }
  return memtable;
  // @lesson end
}

void LsmStorage::sync() {
  // @lesson w2d6 LsmStorage::sync: with a WAL, sync() the WAL of every memtable of state()
  //   (frozen ones too: their records may still be buffered); a failure becomes the background
  //   error and is rethrown; without a WAL, do nothing
  if (!options_.enable_wal) {
    return;
  }
  const std::shared_ptr<const LsmState> snapshot = state();
  try {
    for (const auto& frozen : snapshot->imm_memtables) {
      frozen->wal()->sync();
    }
    snapshot->memtable->wal()->sync();
  } catch (...) {
    set_background_error(std::current_exception());
    throw;
  }
  // @lesson end
}

std::chrono::steady_clock::time_point LsmStorage::now() const {
  return options_.clock ? options_.clock() : std::chrono::steady_clock::now();
}

void LsmStorage::wal_sync_loop(std::stop_token stop) {
  // @lesson w2d6 LsmStorage::wal_sync_loop: until a stop is requested, sleep on wal_sync_tick_
  //   for wal_sync_interval; when now() is at least wal_sync_interval past the last sync, note
  //   the time and sync(); a failed sync ends the loop (sync() made it the background error);
  //   reach sync_point::kAfterPeriodicWalSync after every pass ("synced" or "idle")
  std::chrono::steady_clock::time_point last_sync = now();
  while (true) {
    {
      std::unique_lock lock(wal_sync_mutex_);
      wal_sync_tick_.wait_for(lock, stop, options_.wal_sync_interval, [] { return false; });
    }
    if (stop.stop_requested()) {
      return;
    }
    const bool due = now() - last_sync >= options_.wal_sync_interval;
    if (due) {
      // Noted before the fsync: a write that returns from here on waits for the next pass.
      last_sync = now();
      try {
        sync();
      } catch (...) {
        return;  // sync() made it the background error; writes fail from now on
      }
    }
    sync_point::reach(sync_point::kAfterPeriodicWalSync, due ? "synced" : "idle");
  }
  // @lesson end
}

void LsmStorage::stop_wal_sync_thread() {
  if (wal_sync_thread_.joinable()) {
    wal_sync_thread_.request_stop();
    wal_sync_thread_.join();
  }
}

void LsmStorage::close_with_wal() {
  // @lesson w2d6 LsmStorage::close_with_wal: under close_mutex_, do nothing if an earlier close
  //   finished; else set closed_ (wake_waiting_writers()), stop the flush thread and the
  //   periodic syncer, wait for the writes in progress (take write_mutex_ exclusively once),
  //   sync(), and only then mark the close finished; nothing is flushed
  const std::lock_guard closing(close_mutex_);
  if (close_finished_) {
    return;
  }
  closed_ = true;
  wake_waiting_writers();
  stop_flush_thread();
  stop_wal_sync_thread();
  {
    // A group that began before closed_ was set finishes first; later ones see closed_.
    const std::unique_lock no_writer_inside(write_mutex_);
  }
  sync();
  close_finished_ = true;
  // @lesson end
}

}  // namespace mini_lsm
