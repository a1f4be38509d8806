// Options of the storage engine and the limits it enforces.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>

#include "mini_lsm/file_system.hpp"

namespace mini_lsm {

/// Longest key the engine accepts, in bytes. Blocks store key lengths in 16 bits.
inline constexpr std::size_t kMaxKeySize = 65535;
/// Longest value the engine accepts, in bytes (1 MiB).
inline constexpr std::size_t kMaxValueSize = std::size_t{1} << 20;

/// Which compaction controller runs in the background (week 2). kNone compacts only when asked
/// (force_full_compaction(), week 2 day 1).
enum class CompactionStrategy { kNone, kSimple, kTiered, kLeveled };

/// Simple leveled compaction (week 2 day 2): levels L1..L<max_levels> below L0, sizes counted in
/// SSTs.
struct SimpleLeveledCompactionOptions {
  /// A level is compacted into the next one while the next one holds fewer than
  /// size_ratio_percent / 100 times as many SSTs.
  std::size_t size_ratio_percent = 200;
  /// L0 is compacted into L1 once it holds at least this many SSTs.
  std::size_t level0_file_num_compaction_trigger = 2;
  /// Number of levels below L0; 0 means none (L0 only, never compacted).
  std::size_t max_levels = 4;
};

/// Tiered compaction (week 2 day 3, RocksDB's universal compaction): every flush makes a new tier
/// (a sorted run), and compactions merge adjacent tiers. Sizes are in bytes; the rules are in
/// TieredCompactionController and the chapter page.
struct TieredCompactionOptions {
  /// Compaction starts once there are at least this many tiers (values below 2 count as 2), and
  /// a run-count compaction leaves one tier fewer.
  std::size_t num_tiers = 3;
  /// Merge every tier when the tiers above the last one hold at least this percentage of the
  /// last one's bytes.
  std::size_t max_size_amplification_percent = 200;
  /// Percentage of slack of a size-ratio compaction: the next tier joins the newest ones while
  /// it holds at most (100 + size_ratio) % of their bytes together.
  std::size_t size_ratio = 1;
  /// Fewest tiers a size-ratio compaction merges (values below 2 count as 2).
  std::size_t min_merge_width = 2;
  /// Most tiers a size-ratio or run-count compaction merges (values below 2 count as 2); 0 means
  /// no limit. A space-amplification compaction always merges every tier.
  std::size_t max_merge_width = 0;
};

/// Leveled compaction (week 2 day 4, LevelDB and RocksDB with dynamic level bytes): levels
/// L1..L<max_levels> below L0, each with a target size in bytes computed from the last level's
/// size (see LeveledCompactionController::target_sizes()).
struct LeveledCompactionOptions {
  /// Going up from the last level, each level's target is the target of the level below it
  /// divided by this (rounded down). At least 1.
  std::size_t level_size_multiplier = 10;
  /// L0 is compacted, all of it, into the base level once it holds at least this many SSTs (and
  /// at least one).
  std::size_t level0_file_num_compaction_trigger = 4;
  /// Number of levels below L0; 0 means none (L0 only, never compacted).
  std::size_t max_levels = 4;
  /// The smallest target of the last level, in bytes; a level above it gets a non-zero target
  /// only while the level below it has a target above this. The base level, where L0 goes, is
  /// the highest level with a non-zero target: the last one while the tree is small.
  std::size_t base_level_size_bytes = std::size_t{10} << 20;
};

/// The compaction strategy and the parameters of each controller; only the chosen one is used.
struct CompactionOptions {
  CompactionStrategy strategy = CompactionStrategy::kNone;
  SimpleLeveledCompactionOptions simple;
  TieredCompactionOptions tiered;
  LeveledCompactionOptions leveled;
};

/// When the writes of the WAL (week 2 day 6) are made durable (fsynced).
enum class WalSyncMode {
  /// Only when LsmStorage::sync() (or close()) is called: a crash loses the writes since then.
  kManual,
  /// Before each put() or del() returns; writers that arrive together share one fsync (group
  /// commit). A crash loses no write that returned.
  kAlways,
  /// A background thread fsyncs every wal_sync_interval: a crash loses at most the writes of the
  /// last interval (plus the fsync's own duration).
  kPeriodic,
};

/// What open() does with a WAL whose end is not a whole record (week 2 day 7), as RocksDB's
/// WALRecoveryMode. Damage before the end (a bad record with a whole one after it) is always
/// Corruption: cutting it away would drop writes that were acknowledged.
enum class WalRecoveryMode {
  /// A torn tail is what a crash in the middle of an append leaves (a cut record, zeros, garbage):
  /// it was never acknowledged as durable, so it is cut off and reported.
  kTolerateTornTail,
  /// Any bytes that are not whole records are Corruption, and nothing is changed on disk: for
  /// those who would rather stop than lose the last unsynced writes silently.
  kAbsoluteConsistency,
};

struct LsmOptions {
  /// A memtable is frozen once it holds at least this many bytes of keys and values, so an SST
  /// flushed from it (week 1 day 6) has about this size.
  std::size_t target_sst_size = std::size_t{2} << 20;
  /// The most bytes an SST block takes, unless its single entry is bigger (week 1 day 4).
  std::size_t block_size = 4096;
  /// Bytes of blocks the shared block cache keeps, each block charged its encoded size
  /// (week 1 day 4); 0 disables it.
  std::size_t block_cache_bytes = std::size_t{8} << 20;
  /// The flush thread flushes the oldest frozen memtable while there are more frozen memtables
  /// than this (week 1 day 6).
  std::size_t num_memtable_limit = 2;
  /// Writers wait (a write stall) while more than num_memtable_limit + max_flush_backlog
  /// memtables are frozen, so that memory stays bounded when flushes fall behind (week 1 day 6).
  std::size_t max_flush_backlog = 4;
  /// Bits per key of each SST's Bloom filter; 0 builds no filter (week 1 day 7).
  std::size_t bloom_bits_per_key = 10;
  /// The compaction controller and its parameters (week 2); the default compacts only on request.
  CompactionOptions compaction;
  /// Whether a compaction thread runs the controller's tasks in the background (week 2 day 2).
  /// Tests turn it off to step through compactions with LsmStorage::compact_once().
  bool background_compaction = true;
  /// Week 2 day 6: every write is appended to the current memtable's write-ahead log
  /// (`<id>.wal`) before the memtable sees it, and open() replays the logs a crash left, so that
  /// close() need not flush.
  bool enable_wal = false;
  /// When WAL writes are fsynced (week 2 day 6).
  WalSyncMode wal_sync = WalSyncMode::kManual;
  /// What open() does with a torn WAL tail (week 2 day 7).
  WalRecoveryMode wal_recovery = WalRecoveryMode::kTolerateTornTail;
  /// The period of WalSyncMode::kPeriodic.
  std::chrono::milliseconds wal_sync_interval{100};
  /// The clock the periodic syncer reads to decide that an interval has passed; null means
  /// std::chrono::steady_clock. Tests pass one they move by hand.
  std::function<std::chrono::steady_clock::time_point()> clock;
  /// Every file operation of the engine goes through it; null means the real file system
  /// (posix_file_system()). Tests pass one that records what is durable and injects faults.
  std::shared_ptr<FileSystem> file_system;
};

}  // namespace mini_lsm
