// What every compaction controller shares: the tasks it hands the engine, and its interface.
//
// A controller is pure. generate_task() reads a state and says what to merge; the engine merges
// those SSTs into new ones (without any lock) and then asks apply_result() what the state looks
// like with the new SSTs in place of the old. Neither call does I/O, so the same controller runs
// in the engine, in the compaction simulator and, from week 2 day 5 on, in manifest replay.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "mini_lsm/lsm_state.hpp"
#include "mini_lsm/options.hpp"

namespace mini_lsm {

/// force_full_compaction() (week 2 day 1): every SST of L0 and of every level, merged into one
/// sorted run at the bottom of the tree.
struct FullCompactionTask {
  /// The L0 SSTs taken, newest first.
  std::vector<std::size_t> l0_sstables;
  /// Every level as it was when the task was made.
  std::vector<Level> levels;

  bool operator==(const FullCompactionTask&) const = default;
};

/// A compaction of one level into the next, from the simple (week 2 day 2) and the leveled
/// (week 2 day 4) controllers.
struct LevelCompactionTask {
  /// The upper level's id; std::nullopt means L0.
  std::optional<std::size_t> upper_level;
  /// The SSTs taken from the upper level (from L0: newest first).
  std::vector<std::size_t> upper_level_sst_ids;
  /// The lower level's id.
  std::size_t lower_level = 0;
  /// The SSTs taken from the lower level, in key order.
  std::vector<std::size_t> lower_level_sst_ids;
  /// The lower level is the last one: tombstones can be dropped.
  bool is_lower_level_bottom_level = false;

  bool operator==(const LevelCompactionTask&) const = default;
};

/// A merge of adjacent tiers into one (week 2 day 3).
struct TieredCompactionTask {
  /// The tiers taken, newest first, with their SSTs.
  std::vector<Level> tiers;
  /// The last tier is among them: tombstones can be dropped.
  bool bottom_tier_included = false;

  bool operator==(const TieredCompactionTask&) const = default;
};

using CompactionTask = std::variant<FullCompactionTask, LevelCompactionTask, TieredCompactionTask>;

/// The sorted runs a task merges, newest first (an L0 SST is a run of its own); the first run
/// wins where keys repeat.
std::vector<std::vector<std::size_t>> input_runs(const CompactionTask& task);
/// True when a task's output becomes the bottom of the tree, so that no older value of a key
/// can lie below it and tombstones can be dropped.
bool reaches_bottom(const CompactionTask& task);
/// "[5 4]" for the ids 5 and 4: how tasks, records and tools print a list of SSTs.
std::string describe_ids(const std::vector<std::size_t>& ids);
/// "none", "simple", "tiered" or "leveled".
std::string compaction_strategy_name(CompactionStrategy strategy);
/// One line describing a task, e.g. "L0 [5 4] + L1 [2 3] -> L1 (bottom)", for logs and tools.
std::string describe(const CompactionTask& task);

/// The state after a compaction, and the SSTs the engine may now delete.
struct AppliedCompaction {
  LsmState state;
  std::vector<std::size_t> removed_sst_ids;
};

class CompactionController {
 public:
  virtual ~CompactionController() = default;

  /// The compaction to run next in `state`, or std::nullopt when the tree is in shape. Reads only
  /// l0_sstables, levels and the SSTs' sizes and key ranges.
  virtual std::optional<CompactionTask> generate_task(const LsmState& state) const = 0;

  /// `state` (read again after the merge: flushes may have added L0 SSTs or tiers meanwhile)
  /// with the SSTs `task` took replaced by `output`, the new SSTs in key order. `state.sstables`
  /// already holds the output SSTs; the returned state still holds the removed ones, which the
  /// engine drops. `in_recovery` (week 2 day 5) means the SSTs are not open yet: only ids may be
  /// used. Throws InvalidArgument for a task this controller did not make or that no longer
  /// matches `state`.
  virtual AppliedCompaction apply_result(const LsmState& state, const CompactionTask& task,
                                         const std::vector<std::size_t>& output,
                                         bool in_recovery) const = 0;

  /// True when flushed SSTs go to L0; false when each flush makes a new tier (tiered).
  virtual bool flush_to_l0() const { return true; }
};

/// The controller of `options.strategy`, or nullptr for CompactionStrategy::kNone.
std::unique_ptr<CompactionController> make_compaction_controller(const CompactionOptions& options);

/// The levels of an empty tree: L1 alone for kNone (the home of full compaction), L1..Lmax for
/// the simple and leveled controllers, none for tiered (tiers appear with flushes).
std::vector<Level> initial_levels(const CompactionOptions& options);

}  // namespace mini_lsm
