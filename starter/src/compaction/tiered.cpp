// The tiered compaction controller (week 2 day 3): which adjacent tiers to merge, and the tree
// after the merge. The rules, and why they are what they are, are in week2/day3-tiered/README.md.
#include "mini_lsm/compaction/tiered.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

#include "mini_lsm/error.hpp"

namespace mini_lsm {

std::optional<CompactionTask> TieredCompactionController::generate_task(
    const LsmState& state) const {
  // TODO(w2d3): nothing while there are fewer than num_tiers tiers (and never fewer than 2). Size
  //   each tier as the sum of its SSTs' file_size(). (1) If the tiers above the last hold at least
  //   max_size_amplification_percent % of the last one's bytes, merge every tier. (2) Else pick the
  //   newest tier and add the next one while it is at most (100 + size_ratio) % of the picked tiers
  //   together (at most max_merge_width tiers, 0 = no limit); if at least min_merge_width (and 2)
  //   were picked, merge them. (3) Else merge the newest count - num_tiers + 2 tiers (at most
  //   max_merge_width, at least 2). Set bottom_tier_included when the last tier is among them
  throw ::mini_lsm::NotImplemented("w2d3", "TieredCompactionController::generate_task");
}

AppliedCompaction TieredCompactionController::apply_result(const LsmState& state,
                                                           const CompactionTask& task,
                                                           const std::vector<std::size_t>& output,
                                                           bool /*in_recovery*/) const {
  // TODO(w2d3): throw InvalidArgument unless the task is a TieredCompactionTask whose tiers still
  //   stand in `state.levels`, adjacent and unchanged (and last, if it claims the bottom tier);
  //   replace them, where they stood, by one tier with id output.front() holding `output` (by
  //   nothing when `output` is empty); tiers flushed since stay in front. The removed SSTs are
  //   every SST of the taken tiers. Use only ids (recovery)
  throw ::mini_lsm::NotImplemented("w2d3", "TieredCompactionController::apply_result");
}

}  // namespace mini_lsm
