// What the compaction tasks of every controller have in common, and the choice of controller.
#include "mini_lsm/compaction/task.hpp"

#include <type_traits>

#include "mini_lsm/compaction/leveled.hpp"
#include "mini_lsm/compaction/simple_leveled.hpp"
#include "mini_lsm/compaction/tiered.hpp"

namespace mini_lsm {
namespace {

// Each L0 SST is a sorted run of its own: their key ranges may overlap.
void add_l0_runs(const std::vector<std::size_t>& l0_sstables,
                 std::vector<std::vector<std::size_t>>& runs) {
  for (const std::size_t id : l0_sstables) {
    runs.push_back({id});
  }
}

std::string level_name(std::optional<std::size_t> level) {
  return level ? "L" + std::to_string(*level) : "L0";
}

}  // namespace

std::vector<std::vector<std::size_t>> input_runs(const CompactionTask& task) {
  std::vector<std::vector<std::size_t>> runs;
  if (const auto* full = std::get_if<FullCompactionTask>(&task)) {
    add_l0_runs(full->l0_sstables, runs);
    for (const Level& level : full->levels) {
      runs.push_back(level.sst_ids);
    }
  } else if (const auto* level = std::get_if<LevelCompactionTask>(&task)) {
    if (level->upper_level) {
      runs.push_back(level->upper_level_sst_ids);
    } else {
      add_l0_runs(level->upper_level_sst_ids, runs);
    }
    runs.push_back(level->lower_level_sst_ids);
  } else {
    for (const Level& tier : std::get<TieredCompactionTask>(task).tiers) {
      runs.push_back(tier.sst_ids);
    }
  }
  return runs;
}

bool reaches_bottom(const CompactionTask& task) {
  if (std::holds_alternative<FullCompactionTask>(task)) {
    return true;
  }
  if (const auto* level = std::get_if<LevelCompactionTask>(&task)) {
    return level->is_lower_level_bottom_level;
  }
  return std::get<TieredCompactionTask>(task).bottom_tier_included;
}

std::string describe_ids(const std::vector<std::size_t>& ids) {
  std::string text = "[";
  for (const std::size_t id : ids) {
    text += (text.size() > 1 ? " " : "") + std::to_string(id);
  }
  return text + "]";
}

std::string compaction_strategy_name(CompactionStrategy strategy) {
  switch (strategy) {
    case CompactionStrategy::kNone:
      return "none";
    case CompactionStrategy::kSimple:
      return "simple";
    case CompactionStrategy::kTiered:
      return "tiered";
    case CompactionStrategy::kLeveled:
      return "leveled";
  }
  return "unknown";
}

std::string describe(const CompactionTask& task) {
  std::string text;
  if (const auto* full = std::get_if<FullCompactionTask>(&task)) {
    text = "full: L0 " + describe_ids(full->l0_sstables);
    for (const Level& level : full->levels) {
      text += " + L" + std::to_string(level.id) + " " + describe_ids(level.sst_ids);
    }
    return text + " -> bottom";  // always the bottom: no "(bottom)" to add
  }
  if (const auto* level = std::get_if<LevelCompactionTask>(&task)) {
    text = level_name(level->upper_level) + " " + describe_ids(level->upper_level_sst_ids) +
           " + L" + std::to_string(level->lower_level) + " " +
           describe_ids(level->lower_level_sst_ids) + " -> L" + std::to_string(level->lower_level);
  } else {
    const auto& tiered = std::get<TieredCompactionTask>(task);
    text = "tiers";
    for (const Level& tier : tiered.tiers) {
      text += " " + std::to_string(tier.id) + ":" + describe_ids(tier.sst_ids);
    }
    text += " -> one tier";
  }
  return reaches_bottom(task) ? text + " (bottom)" : text;
}

std::unique_ptr<CompactionController> make_compaction_controller(const CompactionOptions& options) {
  switch (options.strategy) {
    case CompactionStrategy::kSimple:
      return std::make_unique<SimpleLeveledCompactionController>(options.simple);
    case CompactionStrategy::kTiered:
      return std::make_unique<TieredCompactionController>(options.tiered);
    case CompactionStrategy::kLeveled:
      return std::make_unique<LeveledCompactionController>(options.leveled);
    case CompactionStrategy::kNone:
      break;
  }
  return nullptr;
}

std::vector<Level> initial_levels(const CompactionOptions& options) {
  std::size_t count = 1;  // kNone: L1 holds what force_full_compaction() writes
  if (options.strategy == CompactionStrategy::kSimple) {
    count = options.simple.max_levels;
  } else if (options.strategy == CompactionStrategy::kLeveled) {
    count = options.leveled.max_levels;
  } else if (options.strategy == CompactionStrategy::kTiered) {
    count = 0;
  }
  std::vector<Level> levels;
  for (std::size_t id = 1; id <= count; ++id) {
    levels.push_back(Level{id, {}});
  }
  return levels;
}

}  // namespace mini_lsm
