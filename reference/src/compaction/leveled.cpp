// The leveled compaction controller (week 2 day 4): a target size for every level, computed from
// the bottom up; L0 goes first, then the level furthest above its target, one SST at a time.
#include "mini_lsm/compaction/leveled.hpp"

#include <algorithm>
#include <limits>
#include <string>

#include "mini_lsm/error.hpp"

namespace mini_lsm {

// @lesson w2d4 solution-only
namespace {

// The smallest key range [first, last] (both included) that holds every key of some SSTs.
struct KeyRange {
  std::string first;
  std::string last;
};

// A leveled tree always has the levels L1..L<max_levels>, in this order, so level n sits at
// index n - 1. Anything else is a state another controller made.
void check_levels(const LsmState& state, std::size_t max_levels) {
  bool as_expected = state.levels.size() == max_levels;
  for (std::size_t index = 0; as_expected && index < state.levels.size(); ++index) {
    as_expected = state.levels[index].id == index + 1;
  }
  if (!as_expected) {
    throw InvalidArgument("a leveled tree has the levels L1..L" + std::to_string(max_levels) +
                          " in order; this state has " + std::to_string(state.levels.size()) +
                          " levels that are not those");
  }
}

std::uint64_t level_bytes(const LsmState& state, const Level& level) {
  std::uint64_t bytes = 0;
  for (const std::size_t id : level.sst_ids) {
    bytes += state.sstables.at(id)->file_size();
  }
  return bytes;
}

// The base level: the highest level (smallest number) with a non-zero target, or the last level
// when every target is 0 (an empty tree with base_level_size_bytes = 0).
std::size_t base_level(const std::vector<std::uint64_t>& targets) {
  for (std::size_t index = 0; index < targets.size(); ++index) {
    if (targets[index] > 0) {
      return index + 1;
    }
  }
  return targets.size();
}

KeyRange key_range(const LsmState& state, const std::vector<std::size_t>& ids) {
  KeyRange range{state.sstables.at(ids.front())->first_key(),
                 state.sstables.at(ids.front())->last_key()};
  for (const std::size_t id : ids) {
    range.first = std::min(range.first, state.sstables.at(id)->first_key());
    range.last = std::max(range.last, state.sstables.at(id)->last_key());
  }
  return range;
}

// The SSTs of `level` that share at least one key with `range`, in the level's (key) order. Both
// ends are included: an SST that only touches the range at its first or last key overlaps it,
// since that key may be in both.
std::vector<std::size_t> overlapping(const LsmState& state, const Level& level,
                                     const KeyRange& range) {
  std::vector<std::size_t> ids;
  for (const std::size_t id : level.sst_ids) {
    const SsTable& table = *state.sstables.at(id);
    if (table.first_key() <= range.last && table.last_key() >= range.first) {
      ids.push_back(id);
    }
  }
  return ids;
}

// The level (1..max_levels - 1) whose size is the furthest above its target: the highest ratio
// real / target, where a level above the base level that holds data (target 0) has an infinite
// ratio. A level at or below its target is never chosen; on a tie the upper level wins. The last
// level is never chosen: its target is at least its size.
std::optional<std::size_t> most_oversized_level(const LsmState& state,
                                                const std::vector<std::uint64_t>& targets) {
  std::optional<std::size_t> chosen;
  double highest_ratio = 1.0;
  for (std::size_t index = 0; index + 1 < targets.size(); ++index) {
    const std::uint64_t real = level_bytes(state, state.levels[index]);
    if (real <= targets[index]) {
      continue;
    }
    const double ratio = targets[index] == 0
                             ? std::numeric_limits<double>::infinity()
                             : static_cast<double>(real) / static_cast<double>(targets[index]);
    if (!chosen || ratio > highest_ratio) {
      chosen = index + 1;
      highest_ratio = ratio;
    }
  }
  return chosen;
}

// Every L0 SST, newest first, and the SSTs of level `lower` that overlap any of them.
LevelCompactionTask l0_task(const LsmState& state, std::size_t lower, std::size_t max_levels) {
  const KeyRange range = key_range(state, state.l0_sstables);
  return LevelCompactionTask{std::nullopt, state.l0_sstables, lower,
                             overlapping(state, state.levels[lower - 1], range),
                             lower == max_levels};
}

// The oldest SST (smallest id) of level `upper` and the SSTs of the level below that overlap it.
LevelCompactionTask oldest_sst_task(const LsmState& state, std::size_t upper,
                                    std::size_t max_levels) {
  const std::vector<std::size_t>& ids = state.levels[upper - 1].sst_ids;
  const std::size_t oldest = *std::min_element(ids.begin(), ids.end());
  const KeyRange range = key_range(state, {oldest});
  return LevelCompactionTask{upper,
                             {oldest},
                             upper + 1,
                             overlapping(state, state.levels[upper], range),
                             upper + 1 == max_levels};
}

bool holds_all(const std::vector<std::size_t>& ids, const std::vector<std::size_t>& wanted) {
  return std::all_of(wanted.begin(), wanted.end(), [&](std::size_t id) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
  });
}

// Throws InvalidArgument unless `task` could have come from this controller on `state`: levels
// that exist (an upper level Ln goes into L(n+1)), and every SST it took still in its level.
void check_task(const LsmState& state, const LevelCompactionTask& task, std::size_t max_levels) {
  const bool levels_exist = task.lower_level >= 1 && task.lower_level <= max_levels &&
                            (!task.upper_level || *task.upper_level + 1 == task.lower_level);
  const bool ssts_in_place =
      levels_exist && !task.upper_level_sst_ids.empty() &&
      holds_all(task.upper_level ? state.levels[*task.upper_level - 1].sst_ids : state.l0_sstables,
                task.upper_level_sst_ids) &&
      holds_all(state.levels[task.lower_level - 1].sst_ids, task.lower_level_sst_ids);
  if (!ssts_in_place) {
    throw InvalidArgument("leveled compaction: the task \"" + describe(CompactionTask{task}) +
                          "\" does not match the state (its levels do not exist, or an SST it "
                          "took is no longer where it was)");
  }
}

void erase_ids(std::vector<std::size_t>& ids, const std::vector<std::size_t>& taken) {
  std::erase_if(ids, [&](std::size_t id) {
    return std::find(taken.begin(), taken.end(), id) != taken.end();
  });
}

}  // namespace
// @lesson end

std::vector<std::uint64_t> LeveledCompactionController::target_sizes(const LsmState& state) const {
  // @lesson w2d4 LeveledCompactionController::target_sizes: one target per level L1..Lmax; the
  //   last level's is max(its size in bytes, base_level_size_bytes); going up, a level's target is
  //   the next one's / level_size_multiplier while the next one's target is above
  //   base_level_size_bytes, and 0 from there up; throw InvalidArgument for a multiplier of 0 or
  //   a state whose levels are not L1..Lmax in order
  check_levels(state, options_.max_levels);
  if (options_.level_size_multiplier == 0) {
    throw InvalidArgument("leveled compaction needs a level_size_multiplier of at least 1");
  }
  std::vector<std::uint64_t> targets(options_.max_levels, 0);
  if (targets.empty()) {
    return targets;
  }
  const std::uint64_t base_bytes = options_.base_level_size_bytes;
  targets.back() = std::max(level_bytes(state, state.levels.back()), base_bytes);
  for (std::size_t index = targets.size() - 1; index > 0 && targets[index] > base_bytes; --index) {
    targets[index - 1] = targets[index] / options_.level_size_multiplier;
  }
  return targets;
  // @lesson end
}

std::optional<CompactionTask> LeveledCompactionController::generate_task(
    const LsmState& state) const {
  // @lesson w2d4 LeveledCompactionController::generate_task: compute target_sizes(); once L0
  //   holds level0_file_num_compaction_trigger SSTs (and at least one), compact all of them into
  //   the base level (the first with a non-zero target) with the base level's SSTs that overlap
  //   their keys; otherwise take the level furthest above its target (highest size / target, a
  //   target of 0 counting as infinitely far, the upper level on a tie) and compact its oldest SST
  //   (smallest id) with the overlapping SSTs of the next level; std::nullopt when no level is
  //   above its target
  const std::vector<std::uint64_t> targets = target_sizes(state);
  if (targets.empty()) {
    return std::nullopt;  // no level to compact into: L0 just grows
  }
  const std::size_t max_levels = options_.max_levels;
  if (!state.l0_sstables.empty() &&
      state.l0_sstables.size() >= options_.level0_file_num_compaction_trigger) {
    return l0_task(state, base_level(targets), max_levels);
  }
  if (const std::optional<std::size_t> upper = most_oversized_level(state, targets)) {
    return oldest_sst_task(state, *upper, max_levels);
  }
  return std::nullopt;
  // @lesson end
}

AppliedCompaction LeveledCompactionController::apply_result(const LsmState& state,
                                                            const CompactionTask& task,
                                                            const std::vector<std::size_t>& output,
                                                            bool in_recovery) const {
  // @lesson w2d4 LeveledCompactionController::apply_result: throw InvalidArgument unless `task` is
  //   a LevelCompactionTask whose levels exist and whose SSTs are all still in them; remove its
  //   SSTs from the upper level (or L0, which keeps SSTs flushed meanwhile) and the lower level,
  //   add `output` to the lower level and sort it by first key (not in recovery: the SSTs are not
  //   open, the caller sorts); removed_sst_ids = the upper SSTs, then the lower ones
  const auto* level_task = std::get_if<LevelCompactionTask>(&task);
  if (level_task == nullptr) {
    throw InvalidArgument("leveled compaction cannot apply the task \"" + describe(task) +
                          "\": it only makes level compaction tasks");
  }
  check_levels(state, options_.max_levels);
  check_task(state, *level_task, options_.max_levels);

  AppliedCompaction applied{state, {}};
  LsmState& next = applied.state;
  erase_ids(level_task->upper_level ? next.levels[*level_task->upper_level - 1].sst_ids
                                    : next.l0_sstables,
            level_task->upper_level_sst_ids);
  std::vector<std::size_t>& lower = next.levels[level_task->lower_level - 1].sst_ids;
  erase_ids(lower, level_task->lower_level_sst_ids);
  lower.insert(lower.end(), output.begin(), output.end());
  if (!in_recovery) {
    std::sort(lower.begin(), lower.end(), [&](std::size_t left, std::size_t right) {
      return next.sstables.at(left)->first_key() < next.sstables.at(right)->first_key();
    });
  }
  applied.removed_sst_ids = level_task->upper_level_sst_ids;
  applied.removed_sst_ids.insert(applied.removed_sst_ids.end(),
                                 level_task->lower_level_sst_ids.begin(),
                                 level_task->lower_level_sst_ids.end());
  return applied;
  // @lesson end
}

}  // namespace mini_lsm
