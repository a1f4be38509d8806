// Options of the storage engine and the limits it enforces.
#pragma once

#include <cstddef>

namespace mini_lsm {

/// Longest key the engine accepts, in bytes. Blocks store key lengths in 16 bits.
inline constexpr std::size_t kMaxKeySize = 65535;
/// Longest value the engine accepts, in bytes (1 MiB).
inline constexpr std::size_t kMaxValueSize = std::size_t{1} << 20;

struct LsmOptions {
  /// A memtable is frozen once it holds at least this many bytes of keys and values
  /// (and an SST of week 1 day 6 aims for this size).
  std::size_t target_sst_size = std::size_t{2} << 20;
};

}  // namespace mini_lsm
