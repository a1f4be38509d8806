// The leveled compaction controller (week 2 day 4), after LevelDB and RocksDB.
#pragma once

#include <cstdint>
#include <vector>

#include "mini_lsm/compaction/task.hpp"

namespace mini_lsm {

/// Gives every level a target size, computed from the bottom level's size; compacts L0 into the
/// base level once L0 holds level0_file_num_compaction_trigger SSTs, and otherwise the level
/// whose size is furthest above its target, one SST at a time (its oldest) together with the
/// SSTs of the next level that overlap it. The exact rules are in the chapter page,
/// week2/day4-leveled/README.md.
class LeveledCompactionController final : public CompactionController {
 public:
  explicit LeveledCompactionController(LeveledCompactionOptions options) : options_(options) {}

  std::optional<CompactionTask> generate_task(const LsmState& state) const override;
  /// Removes the SSTs the task took from both levels and puts `output` into the lower one, which
  /// is then sorted by first key (in recovery the SSTs are not open, so the engine sorts later).
  AppliedCompaction apply_result(const LsmState& state, const CompactionTask& task,
                                 const std::vector<std::size_t>& output,
                                 bool in_recovery) const override;

  /// The target size in bytes of each level L1..Lmax (index 0 is L1); 0 for the levels above
  /// the base level.
  std::vector<std::uint64_t> target_sizes(const LsmState& state) const;

  const LeveledCompactionOptions& options() const { return options_; }

 private:
  LeveledCompactionOptions options_;
};

}  // namespace mini_lsm
