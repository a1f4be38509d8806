// The leveled compaction controller (week 2 day 4), after LevelDB and RocksDB.
#pragma once

#include <cstdint>
#include <vector>

#include "mini_lsm/compaction/task.hpp"

namespace mini_lsm {

/// Gives every level a target size, computed from the bottom level's size (RocksDB's dynamic
/// level bytes): L0 is compacted, all of it, into the base level (the highest level with a
/// non-zero target) once it holds level0_file_num_compaction_trigger SSTs; otherwise the level
/// whose size is furthest above its target is compacted, one SST at a time (its oldest), together
/// with the SSTs of the next level that overlap it. The exact rules are in the chapter page,
/// week2/day4-leveled/README.md.
class LeveledCompactionController final : public CompactionController {
 public:
  explicit LeveledCompactionController(LeveledCompactionOptions options) : options_(options) {}

  /// The next compaction: L0 into the base level, or the oldest SST of the level furthest above
  /// its target into the next level; std::nullopt when L0 is below its trigger and no level is
  /// above its target. Throws InvalidArgument when `state` does not hold exactly the levels
  /// L1..Lmax, or when level_size_multiplier is 0.
  std::optional<CompactionTask> generate_task(const LsmState& state) const override;
  /// Removes the SSTs the task took from both levels (L0 keeps the SSTs flushed meanwhile) and
  /// adds `output` to the lower level, which is then sorted by first key; in recovery the SSTs
  /// are not open, so `output` is appended and the caller sorts. removed_sst_ids lists the upper
  /// SSTs, then the lower ones. Throws InvalidArgument for a task that is not a
  /// LevelCompactionTask, names a level that does not exist (or a lower level that is not the
  /// one below its upper level), or took an SST that is no longer in its level.
  AppliedCompaction apply_result(const LsmState& state, const CompactionTask& task,
                                 const std::vector<std::size_t>& output,
                                 bool in_recovery) const override;

  /// The target size in bytes of each level L1..Lmax (index 0 is L1): the last level's is
  /// max(its size, base_level_size_bytes); going up, a level's target is the next level's target
  /// / level_size_multiplier (rounded down) while the next level's target is above
  /// base_level_size_bytes, and 0 from there up. A level's size is the sum of its SSTs'
  /// file_size(). Empty when max_levels is 0.
  std::vector<std::uint64_t> target_sizes(const LsmState& state) const;

  const LeveledCompactionOptions& options() const { return options_; }

 private:
  LeveledCompactionOptions options_;
};

}  // namespace mini_lsm
