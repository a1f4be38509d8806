// The simple leveled compaction controller (week 2 day 2): whole levels merged into the next one
// whenever two adjacent levels are out of ratio.
#include "mini_lsm/compaction/simple_leveled.hpp"

#include <algorithm>
#include <string>

#include "mini_lsm/error.hpp"

namespace mini_lsm {

std::optional<CompactionTask> SimpleLeveledCompactionController::generate_task(
    const LsmState& state) const {
  // TODO(w2d2): throw InvalidArgument unless state.levels are exactly L1..L<max_levels> (ids 1, 2,
  //   ... in order); with no level, no task. Count each level's size in SSTs. L0 goes into L1 when
  //   it holds at least level0_file_num_compaction_trigger SSTs AND L1 is out of ratio with it;
  //   else the first Li (i = 1, 2, ..., top down) out of ratio with L(i+1) goes into it. "Out of
  //   ratio": lower * 100 < upper * size_ratio_percent (in integers; an empty upper level never
  //   is). The task takes the whole upper level (for L0: all of l0_sstables, newest first) and the
  //   whole lower level; the lower level is the bottom when it is L<max_levels>. Nothing out of
  //   ratio: std::nullopt
  throw ::mini_lsm::NotImplemented("w2d2", "SimpleLeveledCompactionController::generate_task");
}

AppliedCompaction SimpleLeveledCompactionController::apply_result(
    const LsmState& state, const CompactionTask& task, const std::vector<std::size_t>& output,
    bool /*in_recovery*/) const {
  // TODO(w2d2): throw InvalidArgument unless the task is a LevelCompactionTask (std::get_if),
  //   state.levels are L1..L<max_levels>, the task goes from L0 or Li into the next level, and its
  //   SSTs are still where it says: the upper (if not L0) and lower levels hold exactly its ids,
  //   and every L0 id it took is still in l0_sstables. Copy the state; take the task's SSTs out of
  //   the upper level (from L0 only those: SSTs flushed since the task was made stay, in order);
  //   the lower level becomes `output`. removed_sst_ids: the upper ids, then the lower ids, in the
  //   task's order
  throw ::mini_lsm::NotImplemented("w2d2", "SimpleLeveledCompactionController::apply_result");
}

}  // namespace mini_lsm
