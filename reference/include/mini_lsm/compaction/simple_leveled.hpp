// The simple leveled compaction controller (week 2 day 2).
#pragma once

#include "mini_lsm/compaction/task.hpp"

namespace mini_lsm {

/// Keeps the sizes of adjacent levels, counted in SSTs, in a fixed ratio, by merging a whole level
/// into the next one (the original LSM-tree's rule). L0 is compacted into L1 once it holds at
/// least level0_file_num_compaction_trigger SSTs and L1 is out of ratio with it; a level Li
/// (i >= 1) is compacted into L(i+1) when L(i+1) * 100 < Li * size_ratio_percent (so never when
/// Li is empty, and not at exactly the ratio). The first level that triggers, top down, wins.
/// Expects the levels L1..L<max_levels> of initial_levels(); with max_levels 0 it never compacts.
/// The exact rules are in the chapter page, week2/day2-simple-leveled/README.md.
class SimpleLeveledCompactionController final : public CompactionController {
 public:
  explicit SimpleLeveledCompactionController(SimpleLeveledCompactionOptions options)
      : options_(options) {}

  std::optional<CompactionTask> generate_task(const LsmState& state) const override;
  /// The upper level loses the SSTs the task took (L0 keeps SSTs flushed meanwhile, in order),
  /// and the lower level becomes `output`; removed_sst_ids are the upper SSTs, then the lower
  /// ones. Throws InvalidArgument for a task that is not a LevelCompactionTask between adjacent
  /// levels, or whose SSTs are no longer where the task says (a stale or foreign task).
  AppliedCompaction apply_result(const LsmState& state, const CompactionTask& task,
                                 const std::vector<std::size_t>& output,
                                 bool in_recovery) const override;

  const SimpleLeveledCompactionOptions& options() const { return options_; }

 private:
  SimpleLeveledCompactionOptions options_;
};

}  // namespace mini_lsm
