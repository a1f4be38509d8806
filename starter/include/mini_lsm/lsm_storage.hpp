// The storage engine: the object a user opens, writes to and reads from.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "mini_lsm/block_cache.hpp"
#include "mini_lsm/bound.hpp"
#include "mini_lsm/lsm_iterator.hpp"
#include "mini_lsm/memtable.hpp"
#include "mini_lsm/options.hpp"
#include "mini_lsm/table.hpp"

namespace mini_lsm {

/// The structure of the LSM tree at one instant. The engine never changes a published state: it
/// builds a new one and swaps the pointer, so a reader's snapshot stays consistent for as long as
/// the reader holds it.
struct LsmState {
  /// The memtable that receives writes.
  std::shared_ptr<MemTable> memtable;
  /// Frozen memtables, newest first: they are only read from now on.
  std::vector<std::shared_ptr<MemTable>> imm_memtables;
  /// Ids of the level-0 SSTs, newest first. Their key ranges may overlap.
  std::vector<std::size_t> l0_sstables;
  /// Every open SST, by id.
  std::map<std::size_t, std::shared_ptr<SsTable>> sstables;
};

/// A key-value store organised as a log-structured merge tree.
///
/// Thread safety: every public member may be called from several threads at once.
class LsmStorage {
 public:
  /// Opens (creating when needed) the database in directory `path`. From week 1 day 5 on, the
  /// `<id>.sst` files already in the directory become the level-0 SSTs, the highest id newest;
  /// a garbled one throws Corruption naming it. From week 1 day 6 on, a flush thread starts.
  static std::unique_ptr<LsmStorage> open(const std::filesystem::path& path, LsmOptions options);

  LsmStorage(const std::filesystem::path& path, LsmOptions options);
  LsmStorage(const LsmStorage&) = delete;
  LsmStorage& operator=(const LsmStorage&) = delete;
  /// Stops the flush thread. Memtables that close() did not flush are lost (until the WAL of
  /// week 2), so call close() to keep them.
  ~LsmStorage();

  /// Writes `key` = `value`. Throws InvalidArgument for an empty value (use del()), a key over
  /// kMaxKeySize or a value over kMaxValueSize; a rejected write changes nothing.
  void put(std::string_view key, std::string_view value);
  /// Deletes `key` by writing a tombstone. Throws InvalidArgument for a key over kMaxKeySize.
  void del(std::string_view key);
  /// The value of `key`, or std::nullopt when it was never written or was deleted.
  std::optional<std::string> get(std::string_view key) const;

  /// The live entries with keys in [lower, upper], in key order, newest values only. The
  /// iterator keeps the memtables and SSTs of the moment it was created, so later freezes and
  /// flushes do not disturb it. Writes made meanwhile into the memtable that was current may or
  /// may not show up (week 1 has no version numbers to tell them apart).
  FusedIterator scan(const Bound& lower, const Bound& upper) const;

  /// Freezes the current memtable (even a small one) and starts a new, empty one.
  void force_freeze_memtable();
  /// Writes the oldest frozen memtable to the level-0 SST `<id>.sst` (the memtable's id) and
  /// drops the memtable. Does nothing when no memtable is frozen.
  void force_flush();
  /// Stops the flush thread, then freezes and flushes every memtable that holds data, so that
  /// reopening the directory finds everything. Later calls do nothing. After close(), put()
  /// and del() throw InvalidArgument; reads still work.
  void close();

  /// A consistent snapshot of the tree's structure, for inspection and tests.
  std::shared_ptr<const LsmState> state() const;
  const LsmOptions& options() const { return options_; }
  const std::filesystem::path& path() const { return path_; }
  /// The path of SST `id` in this database: `<path>/<id>.sst`.
  std::filesystem::path sst_path(std::size_t id) const;
  /// The cache that every SST of this engine reads its blocks through (null when disabled).
  const std::shared_ptr<BlockCache>& block_cache() const { return block_cache_; }

 private:
  // Writes a value or a tombstone into the current memtable; freezes it once it is full.
  void write(std::string_view key, std::string_view value);
  // Freezes `memtable` if it is still the current one; called once it passed the target size.
  void freeze_if_still_current(const std::shared_ptr<MemTable>& memtable);
  // Moves the current memtable to the front of the frozen ones. Needs state_change_mutex_ held.
  void freeze_current_memtable(const std::lock_guard<std::mutex>& state_change);
  std::size_t allocate_id() { return next_id_.fetch_add(1); }
  // Opens the SSTs `ids` (newest first, not empty) of the directory as level-0 SSTs and moves
  // next_id_ past their ids. Runs in the constructor, before anything else can see the state.
  void load_sstables(const std::vector<std::size_t>& ids);
  // Builds the SST of `memtable` in the directory and opens it.
  std::shared_ptr<SsTable> write_sstable(const MemTable& memtable) const;
  // The flush thread: waits until there are too many frozen memtables, then flushes them.
  void flush_loop(std::stop_token stop);
  bool too_many_frozen_memtables() const;
  // Tells the flush thread that the state changed.
  void wake_flush_thread();
  void stop_flush_thread();

  std::filesystem::path path_;
  LsmOptions options_;
  std::atomic<std::size_t> next_id_{0};

  // Held only to copy or replace the state pointer, never while doing work.
  mutable std::mutex state_mutex_;
  std::shared_ptr<const LsmState> state_;
  // Serialises every change of structure (freeze, and later flush and compaction).
  std::mutex state_change_mutex_;
  // Writers hold it shared while they put into the current memtable; a freeze holds it
  // exclusively while it swaps the memtable, so no put into a frozen memtable is still running
  // when that memtable gets flushed (week 1 day 6).
  std::shared_mutex write_mutex_;
  std::shared_ptr<BlockCache> block_cache_;

  // The flush thread sleeps on flush_wanted_; writers wake it after a freeze.
  std::mutex flush_mutex_;
  std::condition_variable_any flush_wanted_;
  // Counts wake-ups (guarded by flush_mutex_), so that the thread never misses one.
  std::uint64_t flush_wakeups_ = 0;
  std::atomic<bool> closed_{false};
  // Declared last so that it stops before anything it uses is destroyed.
  std::jthread flush_thread_;
};

}  // namespace mini_lsm
