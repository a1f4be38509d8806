// The leveled compaction controller (week 2 day 4): a target size for every level, computed from
// the bottom up; L0 goes first, then the level furthest above its target, one SST at a time.
#include "mini_lsm/compaction/leveled.hpp"

#include <algorithm>
#include <limits>
#include <string>

#include "mini_lsm/error.hpp"

namespace mini_lsm {

std::vector<std::uint64_t> LeveledCompactionController::target_sizes(const LsmState& state) const {
  // TODO(w2d4): one target per level L1..Lmax; the last level's is max(its size in bytes,
  //   base_level_size_bytes); going up, a level's target is the next one's / level_size_multiplier
  //   while the next one's target is above base_level_size_bytes, and 0 from there up; throw
  //   InvalidArgument for a multiplier of 0 or a state whose levels are not L1..Lmax in order
  throw ::mini_lsm::NotImplemented("w2d4", "LeveledCompactionController::target_sizes");
}

std::optional<CompactionTask> LeveledCompactionController::generate_task(
    const LsmState& state) const {
  // TODO(w2d4): compute target_sizes(); once L0 holds level0_file_num_compaction_trigger SSTs (and
  //   at least one), compact all of them into the base level (the first with a non-zero target)
  //   with the base level's SSTs that overlap their keys; otherwise take the level furthest above
  //   its target (highest size / target, a target of 0 counting as infinitely far, the upper level
  //   on a tie) and compact its oldest SST (smallest id) with the overlapping SSTs of the next
  //   level; std::nullopt when no level is above its target
  throw ::mini_lsm::NotImplemented("w2d4", "LeveledCompactionController::generate_task");
}

AppliedCompaction LeveledCompactionController::apply_result(const LsmState& state,
                                                            const CompactionTask& task,
                                                            const std::vector<std::size_t>& output,
                                                            bool in_recovery) const {
  // TODO(w2d4): throw InvalidArgument unless `task` is a LevelCompactionTask whose levels exist and
  //   whose SSTs are all still in them; remove its SSTs from the upper level (or L0, which keeps
  //   SSTs flushed meanwhile) and the lower level, add `output` to the lower level and sort it by
  //   first key (not in recovery: the SSTs are not open, the caller sorts); removed_sst_ids = the
  //   upper SSTs, then the lower ones
  throw ::mini_lsm::NotImplemented("w2d4", "LeveledCompactionController::apply_result");
}

}  // namespace mini_lsm
