// The tiered compaction controller (week 2 day 3), after RocksDB's universal compaction.
#pragma once

#include "mini_lsm/compaction/task.hpp"

namespace mini_lsm {

/// Every flush makes a new tier at the front of LsmState::levels; a compaction merges adjacent
/// tiers into one. Nothing happens while there are fewer than num_tiers tiers (and never fewer
/// than 2); then the first rule that applies decides, with tiers sized in bytes (the sum of their
/// SSTs' file_size()):
///   1. space amplification: the tiers above the last hold at least
///      max_size_amplification_percent % of the last tier's bytes: merge every tier;
///   2. size ratio: from the newest tier on, the next tier joins while it holds at most
///      (100 + size_ratio) % of the tiers picked so far together (at most max_merge_width
///      tiers); if at least min_merge_width were picked, merge them;
///   3. sorted runs: merge the newest count - num_tiers + 2 tiers (at most max_merge_width),
///      which leaves num_tiers - 1 of them.
/// Every merge takes at least two tiers, so that every compaction leaves fewer tiers and the
/// controller never loops. The chapter page, week2/day3-tiered/README.md, explains each rule.
class TieredCompactionController final : public CompactionController {
 public:
  explicit TieredCompactionController(TieredCompactionOptions options) : options_(options) {}

  std::optional<CompactionTask> generate_task(const LsmState& state) const override;
  /// The tiers the task took are replaced, where they were, by one tier with id output.front()
  /// holding `output` (by none when `output` is empty); tiers flushed meanwhile stay in front.
  /// The removed SSTs are every SST of the taken tiers. Throws InvalidArgument unless the task is
  /// a TieredCompactionTask whose tiers still stand in `state`, adjacent and unchanged, and, if it
  /// claims the bottom tier, still last.
  AppliedCompaction apply_result(const LsmState& state, const CompactionTask& task,
                                 const std::vector<std::size_t>& output,
                                 bool in_recovery) const override;
  bool flush_to_l0() const override { return false; }

  const TieredCompactionOptions& options() const { return options_; }

 private:
  TieredCompactionOptions options_;
};

}  // namespace mini_lsm
