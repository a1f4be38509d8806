// The storage engine: the object a user opens, writes to and reads from.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "mini_lsm/block_cache.hpp"
#include "mini_lsm/bound.hpp"
#include "mini_lsm/compaction/task.hpp"
#include "mini_lsm/file_system.hpp"
#include "mini_lsm/lsm_iterator.hpp"
#include "mini_lsm/lsm_state.hpp"
#include "mini_lsm/manifest.hpp"
#include "mini_lsm/memtable.hpp"
#include "mini_lsm/options.hpp"
#include "mini_lsm/table.hpp"
#include "mini_lsm/wal.hpp"
#include "mini_lsm/write_op.hpp"

namespace mini_lsm {

/// A live WAL that open() replayed (week 2 day 6).
struct ReplayedWal {
  std::size_t id = 0;
  /// Whole records replayed.
  std::size_t records = 0;
  /// Bytes of the file up to the end of its last whole record.
  std::uint64_t bytes = 0;
  /// Where a torn last record began (the file was cut there and fsynced); nullopt if none.
  std::optional<std::uint64_t> torn_tail_offset;
};

/// What open() found and repaired in the directory (week 2 day 5 on).
struct RecoveryReport {
  /// The directory had SSTs but no MANIFEST (week-1 engines write none): they became L0 (or
  /// tiers), newest id first, and a manifest recording them was written.
  bool adopted_without_manifest = false;
  /// Records read from the MANIFEST.
  std::size_t manifest_records = 0;
  /// Where the MANIFEST's torn tail began: a record a crash cut off, ignored and dropped.
  std::optional<std::uint64_t> manifest_torn_tail_offset;
  /// SSTs in the directory that the manifest does not name (a crash came between writing them
  /// and the record naming them, or between a record retiring them and their removal): removed.
  std::vector<std::size_t> removed_unnamed_sstables;
  /// The WALs of the memtables the manifest left live, oldest first: replayed, and each
  /// memtable that held data written to the level-0 SST of its id (week 2 day 6).
  std::vector<ReplayedWal> replayed_wals;
  /// WALs no live memtable owns (a flush retired it, or a crash came between creating it and
  /// recording it): removed. Replayed WALs are removed too, once the new manifest names their
  /// SSTs, but are not listed here.
  std::vector<std::size_t> removed_stale_wals;
  /// Seconds spent replaying WALs and writing their SSTs.
  double wal_replay_seconds = 0;
};

/// The tree that replaying a manifest's records yields, before any SST is opened.
struct ManifestReplay {
  /// l0_sstables and levels by id; memtables and sstables stay empty.
  LsmState state;
  /// Memtables recorded by NewMemtable and not yet flushed, oldest first: without a WAL their
  /// data is lost; with one (week 2 day 6) their WALs are replayed.
  std::vector<NewMemtableRecord> live_memtables;
  /// Every id of a record from here on is at least this (the snapshot's next_id).
  std::size_t first_new_id = 0;
  /// Past every id any record named.
  std::size_t next_id = 0;
  /// The ids new records introduced (memtables, compaction outputs), each once.
  std::set<std::size_t> ids_seen;
};

/// A key-value store organised as a log-structured merge tree.
///
/// Thread safety: every public member may be called from several threads at once.
class LsmStorage {
 public:
  /// Opens (creating when needed) the database in directory `path`, and locks it: while this
  /// engine lives, a second open of the same directory, from this process or another, throws
  /// IoError naming `<path>/LOCK`. From week 1 day 5 on, the `<id>.sst` files already in the
  /// directory become the level-0 SSTs, the highest id newest; a garbled one throws Corruption
  /// naming it, and so does a name that looks like an SST's but is not one the engine writes
  /// (`007.sst`, an id over kMaxFileId). Files left by an interrupted create (`<id>.sst.tmp`)
  /// are removed. From week 1 day 6 on, a flush thread starts.
  ///
  /// From week 2 day 5 on, the MANIFEST says what the tree is: its records are replayed with the
  /// configured controller, the SSTs it names are opened (one that is missing throws Corruption
  /// naming it), SSTs it does not name are removed, a torn last record is dropped, and a new
  /// MANIFEST holding a snapshot of the tree replaces the old one. A directory with SSTs but no
  /// MANIFEST is adopted: its SSTs become L0, newest id first. recovery_report() says what
  /// happened.
  static std::unique_ptr<LsmStorage> open(const std::filesystem::path& path, LsmOptions options);

  LsmStorage(const std::filesystem::path& path, LsmOptions options);
  LsmStorage(const LsmStorage&) = delete;
  LsmStorage& operator=(const LsmStorage&) = delete;
  /// Stops the background threads and releases the directory's lock. Memtables that close() did not
  /// flush are lost (until the WAL of week 2), so call close() to keep them.
  ~LsmStorage();

  /// Writes `key` = `value`. Throws InvalidArgument for an empty value (use del()), a key over
  /// kMaxKeySize or a value over kMaxValueSize; a rejected write changes nothing. From week 1
  /// day 6 on, waits while too many frozen memtables wait for the flush thread (a write stall),
  /// and throws the error of a failed background flush: once one failed, every later write
  /// throws that same error until the engine is opened again.
  void put(std::string_view key, std::string_view value);
  /// Deletes `key` by writing a tombstone. Throws InvalidArgument for a key over kMaxKeySize;
  /// stalls and throws a background error as put() does.
  void del(std::string_view key);
  /// Week 2 day 7: applies every write of `batch` (puts and deletes, in order) atomically: with a
  /// WAL the batch is one record, so after any crash open() finds all of it or none of it; and
  /// it lands in one memtable (a freeze waits for it). Readers may see part of a batch while it is
  /// being applied (there are no sequence numbers to hide it behind). Every write
  /// is checked first (InvalidArgument for a key over kMaxKeySize, a value over kMaxValueSize,
  /// or a batch whose record would pass kMaxWalBatchBytes), and a rejected batch writes nothing.
  /// An empty batch does nothing. Stalls and throws a background error as put() does.
  void write_batch(std::span<const WriteOp> batch);
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
  /// drops the memtable. Does nothing when no memtable is frozen. Writes and freezes go on
  /// while the file is written. If it throws, nothing changed: the memtable stays frozen.
  void force_flush();
  /// Merges every SST of L0 and of every level into one sorted run at the bottom of the tree
  /// (L1 when the strategy is kNone): the newest value of each key wins, tombstones are dropped,
  /// and the output is cut into SSTs of about target_sst_size bytes. Writes, flushes and reads go
  /// on while it merges; SSTs flushed meanwhile stay in L0. The input files are deleted once the
  /// new state is published. If it throws, nothing changed (week 2 day 1).
  void force_full_compaction();
  /// Runs the compaction the controller proposes now, if any, and returns whether there was one
  /// (false for CompactionStrategy::kNone). The compaction thread calls it in a loop; tests that
  /// turn that thread off call it to step through compactions (week 2 day 2).
  bool compact_once();

  /// Makes every write that returned before the call durable: fsyncs the WAL of the current
  /// memtable and of every frozen one that has unsynced records (week 2 day 6). A failed fsync
  /// throws IoError and sticks: every later write throws it until a reopen. Without a WAL
  /// (enable_wal false) it does nothing: writes are durable once flushed, or after close().
  void sync();
  /// What the WALs of this engine wrote and what their fsyncs cost (week 2 day 6).
  WalStats wal_stats() const { return wal_metrics_->stats(); }

  /// Stops the flush thread, then freezes and flushes every memtable that holds data, so that
  /// reopening the directory finds everything. With a WAL (week 2 day 6) it flushes nothing:
  /// it stops the threads, waits for writes in progress and sync()s, since open() replays the
  /// WALs. If a flush fails, close() throws and nothing is
  /// lost: the memtables stay in the engine and calling close() again retries. After a close()
  /// that succeeded, later calls do nothing. From the first call on, put() and del() throw
  /// InvalidArgument; reads still work.
  void close();

  /// What open() found and repaired (week 2 day 5).
  const RecoveryReport& recovery_report() const { return recovery_report_; }

  /// The first error of a background flush or compaction, or (week 2 day 5) of a manifest
  /// record, which every later write throws; null while there was none.
  std::exception_ptr background_error() const;

  /// A consistent snapshot of the tree's structure, for inspection and tests.
  std::shared_ptr<const LsmState> state() const;
  const LsmOptions& options() const { return options_; }
  const std::filesystem::path& path() const { return path_; }
  /// The path of SST `id` in this database: `<path>/<id>.sst`.
  std::filesystem::path sst_path(std::size_t id) const;
  /// The path of the WAL of memtable `id`: `<path>/<id>.wal` (week 2 day 6).
  std::filesystem::path wal_path(std::size_t id) const;
  /// The file system this engine reads and writes through.
  FileSystem& file_system() const { return *fs_; }
  /// The compaction controller of options().compaction, or nullptr for kNone.
  const CompactionController* compaction_controller() const { return compaction_controller_.get(); }
  /// The cache that every SST of this engine reads its blocks through (null when disabled).
  const std::shared_ptr<BlockCache>& block_cache() const { return block_cache_; }

 private:
  // A write waiting in the writer queue (week 2 day 6). Lives on its writer's stack.
  struct PendingWrite {
    // One write, or a batch (week 2 day 7): committed together, in order.
    std::span<const WriteOp> batch;
    // Guarded by writer_queue_mutex_: set by the leader that committed it, with its outcome.
    bool done = false;
    std::exception_ptr error;
    std::shared_ptr<MemTable> memtable;
    // Wakes the writer when it is done or has become the leader.
    std::condition_variable turn;
  };
  // Records of one group commit take at most this many bytes (unless one write alone is bigger),
  // so that the writers at the front are not held up by an ever-growing group.
  static constexpr std::size_t kMaxCommitGroupBytes = std::size_t{1} << 20;

  // Writes values and tombstones (one, or a batch): waits for room, puts them into the current
  // memtable (through the WAL when there is one), and freezes that memtable once it is full.
  void write(std::span<const WriteOp> batch);
  // With a WAL (week 2 day 6): queues the write; the writer at the front of the queue becomes
  // the leader and commits the writes queued behind it together (group commit) with
  // commit_group(), then wakes them. Returns the memtable the write went into.
  std::shared_ptr<MemTable> write_through_wal(std::span<const WriteOp> batch);
  // Appends every write of `group` to the current memtable's WAL, fsyncs it when the sync mode
  // is kAlways, then puts the writes into the memtable in the same order. Returns that memtable.
  std::shared_ptr<MemTable> commit_group(const std::vector<PendingWrite*>& group);
  // Puts the writes into the current memtable, in order, and returns that memtable.
  std::shared_ptr<MemTable> write_to_current_memtable(std::span<const WriteOp> batch);
  // True once `memtable` holds enough bytes to be frozen.
  bool is_full(const MemTable& memtable) const;
  // Freezes `memtable` if it is still the current one; called once it passed the target size.
  void freeze_if_still_current(const std::shared_ptr<const MemTable>& memtable);
  // Moves the current memtable to the front of the frozen ones. Needs state_change_mutex_ held.
  void freeze_current_memtable(const std::lock_guard<std::mutex>& state_change);
  // Replaces the published state with `next` and wakes writers waiting for room.
  void publish(std::shared_ptr<const LsmState> next);
  // A snapshot hands memtables out read-only so that nothing outside the engine writes into
  // one; the engine, which made them all writable, takes that access back here.
  static std::shared_ptr<MemTable> writable(const std::shared_ptr<const MemTable>& memtable);
  std::size_t allocate_id() { return next_id_.fetch_add(1); }
  // A new memtable with a new id, recorded in the manifest (week 2 day 5) before anything can
  // see it. Needs state_change_mutex_ held, or the engine not yet shared.
  std::shared_ptr<MemTable> create_memtable();
  // With a WAL (week 2 day 6): creates `<id>.wal` durably, then records NewMemtable(id, wal).
  std::shared_ptr<MemTable> create_memtable_with_wal(std::size_t id);
  // Removes the WAL of memtable `id` once its flush record is durable, and fsyncs the directory.
  void remove_wal(std::size_t id);
  // close() with a WAL (week 2 day 6): stop the threads, wait for writes in progress, sync().
  void close_with_wal();
  // The periodic syncer (WalSyncMode::kPeriodic): sync() once per wal_sync_interval of
  // options_.clock (or steady_clock).
  void wal_sync_loop(std::stop_token stop);
  void stop_wal_sync_thread();
  // options_.clock() when there is one, std::chrono::steady_clock::now() otherwise.
  std::chrono::steady_clock::time_point now() const;
  // Appends `record` to the manifest and makes it durable (week 2 day 5; before that there is
  // no manifest and this does nothing). A failure sticks: it becomes the background error.
  void record(const ManifestRecord& record);

  // open.cpp: the directory's files, read once by the constructor.
  // Removes the `*.tmp` files that interrupted creates left behind.
  void remove_temporary_files(const std::vector<std::string>& names);
  // The ids of the SSTs among `names`, highest (newest) first; throws Corruption for a name that
  // looks like an SST's but is not one the engine writes.
  std::vector<std::size_t> sstable_ids_newest_first(const std::vector<std::string>& names) const;
  // Builds the tree the directory holds from its MANIFEST (or adopts a directory without one)
  // and writes a new MANIFEST; `sst_ids` are the SSTs in the directory, newest first (week 2
  // day 5).
  void recover_from_manifest(const std::vector<std::size_t>& sst_ids);
  // Opens the SSTs `ids` (newest first, not empty) of the directory as level-0 SSTs and moves
  // next_id_ past their ids. Runs in the constructor, before anything else can see the state.
  void load_sstables(const std::vector<std::size_t>& ids);
  // SSTs loaded without a manifest land in L0, but a tiered tree has no L0: there each becomes a
  // tier of its own, newest first. Does nothing otherwise, or when L0 is empty.
  void place_level0_in_tiers();
  // Replays the records of a manifest read from `file` (week 2 day 5).
  ManifestReplay replay_manifest(const ManifestContents& contents, std::string_view file) const;
  // Throws InvalidArgument when the tree of `snapshot` was built by another compaction strategy
  // or with another number of levels than options_ says: its records would be misread.
  void check_options_match(const SnapshotRecord& snapshot) const;
  // Applies one record to `replay`; throws Corruption naming `file` and the record's offset for
  // a record that does not fit the tree replayed so far.
  void apply_record(ManifestReplay& replay, const ManifestEntry& entry,
                    std::string_view file) const;
  // Opens every SST `state` names (Corruption naming a missing one, which a durable record
  // promised) and sorts each level by first key (a leveled replay leaves them unsorted).
  void open_named_sstables(LsmState& state, const std::vector<std::size_t>& sst_ids_on_disk) const;
  // Removes the SSTs of `sst_ids_on_disk` that `state` does not name, into recovery_report_.
  void remove_unnamed_sstables(const LsmState& state,
                               const std::vector<std::size_t>& sst_ids_on_disk);
  // The ids of the WALs in the directory, highest first (week 2 day 6).
  std::vector<std::size_t> wal_ids_on_disk() const;
  // Replays the WAL of every live memtable recorded with one (oldest first) into a memtable, and
  // writes each that holds data to the level-0 SST of its id, into state_. A live WAL missing
  // from `wal_ids_on_disk` is Corruption naming it (week 2 day 6).
  void recover_wals(const std::vector<NewMemtableRecord>& live_memtables,
                    const std::vector<std::size_t>& wal_ids_on_disk);
  // Removes every WAL of `wal_ids_on_disk` (the new manifest names what their memtables held, or
  // they were never live) and fsyncs the directory; the ones not replayed go into
  // recovery_report_.removed_stale_wals (week 2 day 6).
  void remove_replayed_and_stale_wals(const std::vector<std::size_t>& wal_ids_on_disk);

  // compact.cpp: merging sorted runs into new ones (week 2).
  // Merges the input runs of `task` into new SSTs of about target_sst_size bytes each, dropping
  // tombstones when the task reaches the bottom. Runs without any lock; writes no empty SST.
  std::vector<std::shared_ptr<SsTable>> compact(const CompactionTask& task);
  // The task of force_full_compaction() for `state`: all of L0 and every level.
  static FullCompactionTask full_compaction_task(const LsmState& state);
  // `state` after a full compaction into `output`: the taken SSTs leave L0 and the levels, and
  // `output` becomes the bottom level (a new last tier, in a tiered tree).
  AppliedCompaction apply_full_compaction(const LsmState& state, const FullCompactionTask& task,
                                          const std::vector<std::size_t>& output) const;
  // Under state_change_mutex_: publishes the state with `output` in place of the task's input
  // SSTs (read again: flushes went on meanwhile), then deletes the input files.
  void install_compaction(const CompactionTask& task,
                          const std::vector<std::shared_ptr<SsTable>>& output);
  // Deletes the files of SSTs that a failed compaction built, as far as it can.
  void remove_unpublished(const std::vector<std::shared_ptr<SsTable>>& tables) const noexcept;
  // True when flushed SSTs become tiers instead of L0 SSTs (tiered compaction, week 2 day 3).
  bool flushes_make_tiers() const {
    return compaction_controller_ && !compaction_controller_->flush_to_l0();
  }
  // Deletes the files of `ids` (newer data first, as in a task), oldest first, then fsyncs the
  // directory.
  void remove_sstable_files(const std::vector<std::size_t>& ids);
  // The compaction thread (week 2 day 2): after each flush, compact_once() until the controller
  // has nothing to do.
  void compaction_loop(std::stop_token stop);
  // Tells the compaction thread that the state changed.
  void wake_compaction_thread();
  void stop_compaction_thread();

  // flush.cpp: writing memtables to SSTs, in the background.
  // Puts the SST `id` of a flushed memtable into `next`: at the front of L0, or as a new tier in
  // front of the others when the controller does not flush to L0 (tiered, week 2 day 3). The
  // caller adds the open SST to next.sstables (manifest replay has none to add).
  void add_flushed_sstable(LsmState& next, std::size_t id) const;
  // Builds the SST of `memtable` in the directory and opens it.
  std::shared_ptr<SsTable> write_sstable(const MemTable& memtable) const;
  // The flush thread: waits until there are too many frozen memtables, then flushes them.
  void flush_loop(std::stop_token stop);
  bool too_many_frozen_memtables() const;
  // True while so many memtables wait for the flush thread that writers must wait.
  bool flush_backlog_is_full() const;
  // Blocks a writer while flush_backlog_is_full(); throws the background error once there is one.
  void wait_for_room_to_write();
  // Records the first background error (later ones are dropped) and wakes waiting writers.
  void set_background_error(std::exception_ptr error);
  // Wakes the writers waiting in wait_for_room_to_write() so that they look again.
  void wake_waiting_writers();
  // Tells the flush thread that the state changed.
  void wake_flush_thread();
  void stop_flush_thread();

  std::filesystem::path path_;
  LsmOptions options_;
  std::shared_ptr<FileSystem> fs_;
  // Held for the engine's lifetime: no second engine may open the directory.
  std::unique_ptr<FileLock> directory_lock_;
  std::atomic<std::size_t> next_id_{0};

  // Held only to copy or replace the state pointer, never while doing work.
  mutable std::mutex state_mutex_;
  std::shared_ptr<const LsmState> state_;
  // Serialises every change of structure (freeze, flush, and later compaction). Held only to
  // build and publish a new state, never while a file is written.
  std::mutex state_change_mutex_;
  // One compaction at a time, full or background: each reads the state, merges outside
  // state_change_mutex_, and installs its result assuming no other compaction changed the levels.
  std::mutex compaction_serial_mutex_;
  // Flushes take turns: each one writes the oldest frozen memtable, outside state_change_mutex_.
  std::mutex flush_serial_mutex_;
  // Writers hold it shared while they put into the current memtable; a freeze holds it
  // exclusively while it swaps the memtable, so no put into a frozen memtable is still running
  // when that memtable gets flushed (week 1 day 6).
  std::shared_mutex write_mutex_;
  std::shared_ptr<BlockCache> block_cache_;

  // Stalled writers sleep on room_to_write_; a flush, a background error and close() wake them.
  mutable std::mutex stall_mutex_;
  std::condition_variable room_to_write_;
  // Guarded by stall_mutex_.
  std::exception_ptr background_error_;

  // The flush thread sleeps on flush_wanted_; writers wake it after a freeze.
  std::mutex flush_mutex_;
  std::condition_variable_any flush_wanted_;
  // Counts wake-ups (guarded by flush_mutex_), so that the thread never misses one.
  std::uint64_t flush_wakeups_ = 0;
  // Set by the first close(): writes are refused from then on.
  std::atomic<bool> closed_{false};
  // Serialises close() calls; guards close_finished_, set once a close() flushed everything.
  std::mutex close_mutex_;
  bool close_finished_ = false;
  // Null for CompactionStrategy::kNone.
  std::unique_ptr<CompactionController> compaction_controller_;
  // The manifest (week 2 day 5); empty before. Appended to under state_change_mutex_ only.
  std::optional<Manifest> manifest_;
  RecoveryReport recovery_report_;
  // Counters of every WAL of this engine (week 2 day 6).
  std::shared_ptr<WalMetrics> wal_metrics_ = std::make_shared<WalMetrics>();
  // The writer queue (week 2 day 6): writes in the order they enter the WAL, the leader first.
  std::mutex writer_queue_mutex_;
  std::deque<PendingWrite*> writer_queue_;
  // The periodic syncer sleeps on wal_sync_tick_ for wal_sync_interval between passes.
  std::mutex wal_sync_mutex_;
  std::condition_variable_any wal_sync_tick_;
  // The compaction thread sleeps on compaction_wanted_; flushes wake it.
  std::mutex compaction_wake_mutex_;
  std::condition_variable_any compaction_wanted_;
  // Counts wake-ups (guarded by compaction_wake_mutex_), as flush_wakeups_ does.
  std::uint64_t compaction_wakeups_ = 0;
  // Declared last so that they stop before anything they use is destroyed.
  std::jthread flush_thread_;
  std::jthread compaction_thread_;
  std::jthread wal_sync_thread_;
};

}  // namespace mini_lsm
