// The simple leveled compaction controller (week 2 day 2): whole levels merged into the next one
// whenever two adjacent levels are out of ratio.
#include "mini_lsm/compaction/simple_leveled.hpp"

#include <algorithm>
#include <string>

#include "mini_lsm/error.hpp"

namespace mini_lsm {

// @lesson w2d2 solution-only
namespace {

// The controller indexes levels by position (Li is levels[i - 1]), so a state of another shape
// (from other options, or built by hand) must be refused before any index goes out of range.
void require_levels_l1_to_lmax(const LsmState& state, std::size_t max_levels) {
  bool numbered = state.levels.size() == max_levels;
  for (std::size_t index = 0; numbered && index < state.levels.size(); ++index) {
    numbered = state.levels[index].id == index + 1;
  }
  if (!numbered) {
    throw InvalidArgument("the simple leveled controller needs levels L1..L" +
                          std::to_string(max_levels) + " in order, and the state has " +
                          std::to_string(state.levels.size()) + " levels that are not");
  }
}

// True when the lower level holds too few SSTs for the upper one: lower / upper is below
// size_ratio_percent / 100. Multiplying instead of dividing keeps it exact in integers, and an
// empty upper level never triggers (0 < 0 is false).
bool out_of_ratio(std::size_t upper_ssts, std::size_t lower_ssts, std::size_t size_ratio_percent) {
  return lower_ssts * 100 < upper_ssts * size_ratio_percent;
}

// Takes everything: `upper_ids` (the whole upper level, or all of L0) and the whole lower level.
LevelCompactionTask whole_levels(std::optional<std::size_t> upper_level,
                                 const std::vector<std::size_t>& upper_ids, const Level& lower,
                                 std::size_t max_levels) {
  return LevelCompactionTask{upper_level, upper_ids, lower.id, lower.sst_ids,
                             lower.id == max_levels};
}

// Throws unless `task` moves one level into the next one and every SST it took is still where
// the task found it. Only flushes change the tree while a compaction runs, and they only add SSTs
// in front of L0: a task that does not match was made by someone else, or was applied already.
void require_still_in_place(const LsmState& state, const LevelCompactionTask& task) {
  const std::size_t expected_lower = task.upper_level ? *task.upper_level + 1 : 1;
  const bool adjacent = (!task.upper_level || *task.upper_level >= 1) &&
                        task.lower_level == expected_lower &&
                        task.lower_level <= state.levels.size();
  if (!adjacent) {
    throw InvalidArgument("not a simple leveled task (one level into the next of L1..L" +
                          std::to_string(state.levels.size()) + "): " + describe(task));
  }
  bool in_place = state.levels[task.lower_level - 1].sst_ids == task.lower_level_sst_ids;
  if (task.upper_level) {
    in_place = in_place && state.levels[*task.upper_level - 1].sst_ids == task.upper_level_sst_ids;
  } else {
    for (const std::size_t id : task.upper_level_sst_ids) {
      in_place = in_place && std::ranges::find(state.l0_sstables, id) != state.l0_sstables.end();
    }
  }
  if (!in_place) {
    throw InvalidArgument("the task's SSTs are no longer where it says (applied already?): " +
                          describe(task));
  }
}

}  // namespace
// @lesson end

std::optional<CompactionTask> SimpleLeveledCompactionController::generate_task(
    const LsmState& state) const {
  // @lesson w2d2 SimpleLeveledCompactionController::generate_task: throw InvalidArgument unless
  //   state.levels are exactly L1..L<max_levels> (ids 1, 2, ... in order); with no level, no task.
  //   Count each level's size in SSTs. L0 goes into L1 when it holds at least
  //   level0_file_num_compaction_trigger SSTs AND L1 is out of ratio with it; else the first Li
  //   (i = 1, 2, ..., top down) out of ratio with L(i+1) goes into it. "Out of ratio":
  //   lower * 100 < upper * size_ratio_percent (in integers; an empty upper level never is). The
  //   task takes the whole upper level (for L0: all of l0_sstables, newest first) and the whole
  //   lower level; the lower level is the bottom when it is L<max_levels>. Nothing out of ratio:
  //   std::nullopt
  const std::size_t max_levels = options_.max_levels;
  require_levels_l1_to_lmax(state, max_levels);
  if (max_levels == 0) {
    return std::nullopt;  // L0 is the whole tree: there is nowhere to compact into
  }
  const std::size_t ratio = options_.size_ratio_percent;
  const Level& l1 = state.levels.front();
  if (state.l0_sstables.size() >= options_.level0_file_num_compaction_trigger &&
      out_of_ratio(state.l0_sstables.size(), l1.sst_ids.size(), ratio)) {
    return whole_levels(std::nullopt, state.l0_sstables, l1, max_levels);
  }
  for (std::size_t upper = 1; upper < max_levels; ++upper) {
    const Level& above = state.levels[upper - 1];
    const Level& below = state.levels[upper];
    if (out_of_ratio(above.sst_ids.size(), below.sst_ids.size(), ratio)) {
      return whole_levels(above.id, above.sst_ids, below, max_levels);
    }
  }
  return std::nullopt;
  // @lesson end
}

AppliedCompaction SimpleLeveledCompactionController::apply_result(
    const LsmState& state, const CompactionTask& task, const std::vector<std::size_t>& output,
    bool /*in_recovery*/) const {
  // @lesson w2d2 SimpleLeveledCompactionController::apply_result: throw InvalidArgument unless
  //   the task is a LevelCompactionTask (std::get_if), state.levels are L1..L<max_levels>, the
  //   task goes from L0 or Li into the next level, and its SSTs are still where it says: the
  //   upper (if not L0) and lower levels hold exactly its ids, and every L0 id it took is still in
  //   l0_sstables. Copy the state; take the task's SSTs out of the upper level (from L0 only
  //   those: SSTs flushed since the task was made stay, in order); the lower level becomes
  //   `output`. removed_sst_ids: the upper ids, then the lower ids, in the task's order
  const auto* level_task = std::get_if<LevelCompactionTask>(&task);
  if (level_task == nullptr) {
    throw InvalidArgument("the simple leveled controller applies only its own level tasks, not " +
                          describe(task));
  }
  require_levels_l1_to_lmax(state, options_.max_levels);
  require_still_in_place(state, *level_task);

  AppliedCompaction applied{state, level_task->upper_level_sst_ids};
  applied.removed_sst_ids.insert(applied.removed_sst_ids.end(),
                                 level_task->lower_level_sst_ids.begin(),
                                 level_task->lower_level_sst_ids.end());
  LsmState& next = applied.state;
  if (level_task->upper_level) {
    next.levels[*level_task->upper_level - 1].sst_ids.clear();
  } else {
    // Flushes during the compaction put new SSTs in front of L0: only the taken ones go.
    std::erase_if(next.l0_sstables, [&](std::size_t id) {
      return std::ranges::find(level_task->upper_level_sst_ids, id) !=
             level_task->upper_level_sst_ids.end();
    });
  }
  next.levels[level_task->lower_level - 1].sst_ids = output;
  return applied;
  // @lesson end
}

}  // namespace mini_lsm
