// The tiered compaction controller (week 2 day 3), after RocksDB's universal compaction.
#pragma once

#include "mini_lsm/compaction/task.hpp"

namespace mini_lsm {

/// Every flush makes a new tier at the front of LsmState::levels; a compaction merges adjacent
/// tiers into one. The exact rules (space amplification, size ratio, number of sorted runs) are
/// in the chapter page, week2/day3-tiered/README.md.
class TieredCompactionController final : public CompactionController {
 public:
  explicit TieredCompactionController(TieredCompactionOptions options) : options_(options) {}

  std::optional<CompactionTask> generate_task(const LsmState& state) const override;
  /// The tiers the task took are replaced, where they were, by one tier holding `output` (none
  /// when `output` is empty); tiers flushed meanwhile stay in front.
  AppliedCompaction apply_result(const LsmState& state, const CompactionTask& task,
                                 const std::vector<std::size_t>& output,
                                 bool in_recovery) const override;
  bool flush_to_l0() const override { return false; }

  const TieredCompactionOptions& options() const { return options_; }

 private:
  TieredCompactionOptions options_;
};

}  // namespace mini_lsm
