// Options of the storage engine and the limits it enforces.
#pragma once

#include <cstddef>
#include <memory>

#include "mini_lsm/file_system.hpp"

namespace mini_lsm {

/// Longest key the engine accepts, in bytes. Blocks store key lengths in 16 bits.
inline constexpr std::size_t kMaxKeySize = 65535;
/// Longest value the engine accepts, in bytes (1 MiB).
inline constexpr std::size_t kMaxValueSize = std::size_t{1} << 20;

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
  /// Every file operation of the engine goes through it; null means the real file system
  /// (posix_file_system()). Tests pass one that records what is durable and injects faults.
  std::shared_ptr<FileSystem> file_system;
};

}  // namespace mini_lsm
