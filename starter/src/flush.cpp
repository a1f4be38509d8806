// Writing memtables to SSTs: the flush, the flush thread, the write stall and close().
#include <exception>
#include <iostream>
#include <utility>

#include "mini_lsm/error.hpp"
#include "mini_lsm/lsm_storage.hpp"

namespace mini_lsm {

void LsmStorage::force_flush() {
  // TODO(w1d6): one flush at a time (flush_serial_mutex_); take the oldest frozen memtable (the
  //   back of imm_memtables) and write_sstable() it unless it is empty, WITHOUT state_change_mutex_
  //   (writers must be able to freeze meanwhile); then under state_change_mutex_ publish() the
  //   state of that moment without that memtable and with its SST placed by add_flushed_sstable()
  //   and added to sstables
  throw ::mini_lsm::NotImplemented("w1d6", "LsmStorage::force_flush");
}

void LsmStorage::remove_wal(std::size_t id) {
  // TODO(w2d6): remove wal_path(id), then fsync the directory; called by force_flush() after it
  //   published the state without the memtable
  throw ::mini_lsm::NotImplemented("w2d6", "LsmStorage::remove_wal");
}

void LsmStorage::add_flushed_sstable(LsmState& next, std::size_t id) const {
  // TODO(w1d6): put `id` in front of next.l0_sstables
  throw ::mini_lsm::NotImplemented("w1d6", "LsmStorage::add_flushed_sstable");
}

std::shared_ptr<SsTable> LsmStorage::write_sstable(const MemTable& memtable) const {
  // TODO(w1d6): add every entry of the memtable (tombstones too) to an SsTableBuilder; remove a
  //   file already at sst_path(memtable.id()) (an earlier attempt at this flush that failed after
  //   its rename); build it there on *fs_, then fs_->sync_directory() so the new file's name
  //   survives a crash
  throw ::mini_lsm::NotImplemented("w1d6", "LsmStorage::write_sstable");
}

bool LsmStorage::too_many_frozen_memtables() const {
  // TODO(w1d6): more frozen memtables than options_.num_memtable_limit
  throw ::mini_lsm::NotImplemented("w1d6", "LsmStorage::too_many_frozen_memtables");
}

void LsmStorage::flush_loop(std::stop_token stop) {
  // TODO(w1d6): until a stop is requested, sleep on flush_wanted_ until flush_wakeups_ changes,
  //   then force_flush() while no stop is requested and there are too many frozen memtables; a
  //   flush that throws goes to set_background_error() and ends the loop (the error sticks)
  throw ::mini_lsm::NotImplemented("w1d6", "LsmStorage::flush_loop");
}

bool LsmStorage::flush_backlog_is_full() const {
  // TODO(w1d6): more frozen memtables than options_.num_memtable_limit + options_.max_flush_backlog
  throw ::mini_lsm::NotImplemented("w1d6", "LsmStorage::flush_backlog_is_full");
}

void LsmStorage::wait_for_room_to_write() {
  // TODO(w1d6): under stall_mutex_, wait on room_to_write_ until there is a background error, the
  //   engine is closed, or the flush backlog is no longer full; then rethrow the background error
  //   if there is one
  throw ::mini_lsm::NotImplemented("w1d6", "LsmStorage::wait_for_room_to_write");
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
  // TODO(w1d6): under close_mutex_, do nothing if an earlier close finished; else set closed_
  //   (wake_waiting_writers()), stop the flush thread, freeze the current memtable even if it looks
  //   empty, force_flush() until no memtable is frozen, and only then mark the close finished (a
  //   close that threw can be retried and loses nothing)
  throw ::mini_lsm::NotImplemented("w1d6", "LsmStorage::close");
}

}  // namespace mini_lsm
