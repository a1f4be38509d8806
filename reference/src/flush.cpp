// Writing memtables to SSTs: the flush, the flush thread, the write stall and close().
#include <exception>
#include <iostream>
#include <utility>

#include "mini_lsm/error.hpp"
#include "mini_lsm/lsm_storage.hpp"

namespace mini_lsm {

void LsmStorage::force_flush() {
  // @lesson w1d6 LsmStorage::force_flush: one flush at a time (flush_serial_mutex_); take the
  //   oldest frozen memtable (the back of imm_memtables) and write_sstable() it unless it is empty,
  //   WITHOUT state_change_mutex_ (writers must be able to freeze meanwhile); then under
  //   state_change_mutex_ publish() the state of that moment without that memtable and with its SST
  //   placed by add_flushed_sstable() and added to sstables
  //| const std::lock_guard one_flush_at_a_time(flush_serial_mutex_);
  //| const std::shared_ptr<const LsmState> before = state();
  //| if (before->imm_memtables.empty()) {
  //|   return;
  //| }
  //| const std::shared_ptr<const MemTable> oldest = before->imm_memtables.back();
  //| std::shared_ptr<SsTable> table = oldest->is_empty() ? nullptr : write_sstable(*oldest);
  //|
  //| const std::lock_guard state_change(state_change_mutex_);
  //| // Read the state again: freezes may have added memtables while the SST was written. Only a
  //| // flush removes frozen memtables, and flushes take turns, so `oldest` is still the last one.
  //| auto next = std::make_shared<LsmState>(*state());
  //| next->imm_memtables.pop_back();
  //| if (table) {
  //|   add_flushed_sstable(*next, table->id());
  //|   next->sstables.emplace(table->id(), std::move(table));
  //| }
  //| publish(std::move(next));
  // @lesson w2d5 replaces: under state_change_mutex_, before building the new state, record a
  //   FlushRecord of the SST's id in the manifest (record()) when an SST was written
  const std::lock_guard one_flush_at_a_time(flush_serial_mutex_);
  const std::shared_ptr<const LsmState> before = state();
  if (before->imm_memtables.empty()) {
    return;
  }
  const std::shared_ptr<const MemTable> oldest = before->imm_memtables.back();
  std::shared_ptr<SsTable> table = oldest->is_empty() ? nullptr : write_sstable(*oldest);

  const std::lock_guard state_change(state_change_mutex_);
  if (table) {
    // Before anything can see the SST: once the state is published, the compaction thread may
    // merge it away, and a crash must find a manifest that knows the SST existed.
    record(FlushRecord{table->id()});
  }
  // Read the state again: freezes may have added memtables while the SST was written. Only a
  // flush removes frozen memtables, and flushes take turns, so `oldest` is still the last one.
  auto next = std::make_shared<LsmState>(*state());
  next->imm_memtables.pop_back();
  if (table) {
    add_flushed_sstable(*next, table->id());
    next->sstables.emplace(table->id(), std::move(table));
  }
  publish(std::move(next));
  // @lesson w2d6 solution-only
  if (oldest->wal() != nullptr && !oldest->is_empty()) {
    // Only now: the flush record that retires the WAL is durable. An empty memtable got no
    // record, so the manifest still names its WAL, and open() must find it.
    remove_wal(oldest->id());
  }
  // @lesson end
  // @lesson end
}

void LsmStorage::remove_wal(std::size_t id) {
  // @lesson w2d6 LsmStorage::remove_wal: remove wal_path(id), then fsync the directory; called by
  //   force_flush() after it published the state without the memtable
  fs_->remove(wal_path(id));
  fs_->sync_directory(path_);
  // @lesson end
}

void LsmStorage::add_flushed_sstable(LsmState& next, std::size_t id) const {
  // @lesson w1d6 LsmStorage::add_flushed_sstable: put `id` in front of next.l0_sstables
  //| next.l0_sstables.insert(next.l0_sstables.begin(), id);
  // @lesson w2d3 replaces: when flushes_make_tiers(), put a new tier (its id: the SST's) holding
  //   only this SST in front of next.levels instead of into L0
  if (flushes_make_tiers()) {
    next.levels.insert(next.levels.begin(), Level{id, {id}});
  } else {
    next.l0_sstables.insert(next.l0_sstables.begin(), id);
  }
  // @lesson end
}

std::shared_ptr<SsTable> LsmStorage::write_sstable(const MemTable& memtable) const {
  // @lesson w1d6 LsmStorage::write_sstable: add every entry of the memtable (tombstones too) to an
  //   SsTableBuilder; remove a file already at sst_path(memtable.id()) (an earlier attempt at this
  //   flush that failed after its rename); build it there on *fs_, then fs_->sync_directory() so
  //   the new file's name survives a crash
  SsTableBuilder builder(options_.block_size, options_.bloom_bits_per_key);
  for (MemTableIterator entry = memtable.scan(Bound::unbounded(), Bound::unbounded());
       entry.is_valid(); entry.next()) {
    builder.add(entry.key(), entry.value());
  }
  const std::filesystem::path path = sst_path(memtable.id());
  // No published state names this id yet, so the file can only be a failed attempt's.
  if (fs_->exists(path)) {
    fs_->remove(path);
  }
  std::shared_ptr<SsTable> table = builder.build(memtable.id(), block_cache_, path, *fs_);
  fs_->sync_directory(path_);
  return table;
  // @lesson end
}

bool LsmStorage::too_many_frozen_memtables() const {
  // @lesson w1d6 LsmStorage::too_many_frozen_memtables: more frozen memtables than
  //   options_.num_memtable_limit
  return state()->imm_memtables.size() > options_.num_memtable_limit;
  // @lesson end
}

void LsmStorage::flush_loop(std::stop_token stop) {
  // @lesson w1d6 LsmStorage::flush_loop: until a stop is requested, sleep on flush_wanted_ until
  //   flush_wakeups_ changes, then force_flush() while no stop is requested and there are too many
  //   frozen memtables; a flush that throws goes to set_background_error() and ends the loop (the
  //   error sticks)
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
    } catch (...) {
      // Retrying a failing disk in a loop helps nobody, and writers that went on would pile up
      // frozen memtables in memory: the error sticks, and writes throw it until a reopen.
      set_background_error(std::current_exception());
      return;
    }
  }
  // @lesson end
}

bool LsmStorage::flush_backlog_is_full() const {
  // @lesson w1d6 LsmStorage::flush_backlog_is_full: more frozen memtables than
  //   options_.num_memtable_limit + options_.max_flush_backlog
  return state()->imm_memtables.size() > options_.num_memtable_limit + options_.max_flush_backlog;
  // @lesson end
}

void LsmStorage::wait_for_room_to_write() {
  // @lesson w1d6 LsmStorage::wait_for_room_to_write: under stall_mutex_, wait on room_to_write_
  //   until there is a background error, the engine is closed, or the flush backlog is no longer
  //   full; then rethrow the background error if there is one
  std::unique_lock lock(stall_mutex_);
  room_to_write_.wait(lock, [this] {
    return background_error_ != nullptr || closed_.load() || !flush_backlog_is_full();
  });
  if (background_error_) {
    std::rethrow_exception(background_error_);
  }
  // @lesson end
}

void LsmStorage::set_background_error(std::exception_ptr error) {
  {
    const std::lock_guard lock(stall_mutex_);
    if (background_error_) {
      return;  // the first error is the one that explains the others
    }
    background_error_ = error;
  }
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& what) {
    std::cerr << "mini-lsm: a flush, a compaction or a manifest record failed; writes fail until "
                 "the engine is opened again: "
              << what.what() << '\n';
  }
  room_to_write_.notify_all();
}

std::exception_ptr LsmStorage::background_error() const {
  const std::lock_guard lock(stall_mutex_);
  return background_error_;
}

void LsmStorage::wake_waiting_writers() {
  // Taking the lock orders this wake-up after a writer's check of the state: a writer that saw a
  // full backlog is already asleep, so notify_all() reaches it.
  { const std::lock_guard lock(stall_mutex_); }
  room_to_write_.notify_all();
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
  // A compaction could otherwise still be merging after close() returned (week 2).
  stop_compaction_thread();
  if (options_.enable_wal) {
    close_with_wal();  // week 2 day 6: the WALs keep the memtables, nothing to flush
    return;
  }
  // @lesson w1d6 LsmStorage::close: under close_mutex_, do nothing if an earlier close finished;
  //   else set closed_ (wake_waiting_writers()), stop the flush thread, freeze the current memtable
  //   even if it looks empty, force_flush() until no memtable is frozen, and only then mark the
  //   close finished (a close that threw can be retried and loses nothing)
  const std::lock_guard closing(close_mutex_);
  if (close_finished_) {
    return;
  }
  closed_ = true;
  wake_waiting_writers();  // a stalled writer wakes up to be refused
  stop_flush_thread();
  // Even an "empty" one: a writer may still be inside its put, and the freeze waits for it. An
  // empty frozen memtable is dropped by force_flush() without writing a file.
  force_freeze_memtable();
  while (!state()->imm_memtables.empty()) {
    force_flush();
  }
  close_finished_ = true;
  // @lesson end
}

}  // namespace mini_lsm
