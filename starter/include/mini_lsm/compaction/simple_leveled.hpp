// The simple leveled compaction controller (week 2 day 2).
#pragma once

#include "mini_lsm/compaction/task.hpp"

namespace mini_lsm {

/// Keeps the number of SSTs of adjacent levels in a fixed ratio: L0 is compacted into L1 once it
/// holds level0_file_num_compaction_trigger SSTs, and a level Li (i >= 1) into L(i+1), whole,
/// while L(i+1) holds fewer than size_ratio_percent / 100 times as many SSTs as Li. Sizes are
/// counted in SSTs. The upper level checked first wins.
class SimpleLeveledCompactionController final : public CompactionController {
 public:
  explicit SimpleLeveledCompactionController(SimpleLeveledCompactionOptions options)
      : options_(options) {}

  std::optional<CompactionTask> generate_task(const LsmState& state) const override;
  /// The upper level loses the SSTs the task took (L0 keeps SSTs flushed meanwhile), and the
  /// lower level becomes `output`.
  AppliedCompaction apply_result(const LsmState& state, const CompactionTask& task,
                                 const std::vector<std::size_t>& output,
                                 bool in_recovery) const override;

  const SimpleLeveledCompactionOptions& options() const { return options_; }

 private:
  SimpleLeveledCompactionOptions options_;
};

}  // namespace mini_lsm
