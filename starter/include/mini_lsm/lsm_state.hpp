// The structure of the LSM tree at one instant: memtables, L0, the levels below it, and the SSTs.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <vector>

#include "mini_lsm/memtable.hpp"
#include "mini_lsm/table.hpp"

namespace mini_lsm {

/// One sorted run below L0: SSTs whose key ranges do not overlap, in ascending key order. In a
/// leveled tree `id` is the level's number (1, 2, ...); in a tiered tree it names the tier (the
/// id of an SST that made it), since tiers come and go.
struct Level {
  std::size_t id = 0;
  std::vector<std::size_t> sst_ids;

  bool operator==(const Level&) const = default;
};

/// The structure of the LSM tree at one instant. The engine never changes a published state: it
/// builds a new one and swaps the pointer, so a reader's snapshot stays consistent for as long as
/// the reader holds it. Everything in it is read-only: only the engine writes, and only into the
/// current memtable.
struct LsmState {
  /// The memtable that receives writes.
  std::shared_ptr<const MemTable> memtable;
  /// Frozen memtables, newest first: they are only read from now on.
  std::vector<std::shared_ptr<const MemTable>> imm_memtables;
  /// Ids of the level-0 SSTs, newest first. Their key ranges may overlap.
  std::vector<std::size_t> l0_sstables;
  /// The sorted runs below L0, newest data first (week 2): L1, L2, ... or the tiers.
  std::vector<Level> levels;
  /// Every open SST, by id.
  std::map<std::size_t, std::shared_ptr<const SsTable>> sstables;
};

}  // namespace mini_lsm
