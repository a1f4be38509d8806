// Week 2 day 3: the tiered compaction controller on its own. generate_task() on hand-made trees of
// metadata-only SSTs (one row per rule and per threshold), apply_result() with tiers flushed
// meanwhile and with stale tasks, and CompactionSimulation over thousands of flushes.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "harness/catch.hpp"
#include "mini_lsm/compaction/simulation.hpp"
#include "mini_lsm/compaction/task.hpp"
#include "mini_lsm/compaction/tiered.hpp"
#include "mini_lsm/error.hpp"
#include "mini_lsm/lsm_state.hpp"
#include "mini_lsm/options.hpp"
#include "mini_lsm/table.hpp"

using mini_lsm::AppliedCompaction;
using mini_lsm::CompactionOptions;
using mini_lsm::CompactionSimulation;
using mini_lsm::CompactionStrategy;
using mini_lsm::CompactionTask;
using mini_lsm::FullCompactionTask;
using mini_lsm::InvalidArgument;
using mini_lsm::Level;
using mini_lsm::LevelCompactionTask;
using mini_lsm::LsmState;
using mini_lsm::SsTable;
using mini_lsm::TieredCompactionController;
using mini_lsm::TieredCompactionOptions;
using mini_lsm::TieredCompactionTask;

namespace {

// A tier and the sizes in bytes of its SSTs; the SSTs get the ids id, id + 1, ...
struct TierSpec {
  std::size_t id;
  std::vector<std::uint64_t> sst_bytes;
};

// A tiered tree (no L0) of metadata-only SSTs, tiers newest first.
LsmState tree(const std::vector<TierSpec>& tiers) {
  LsmState state;
  for (const TierSpec& spec : tiers) {
    Level tier{spec.id, {}};
    for (std::size_t index = 0; index < spec.sst_bytes.size(); ++index) {
      const std::size_t id = spec.id + index;
      tier.sst_ids.push_back(id);
      state.sstables.emplace(id, SsTable::create_meta_only(id, spec.sst_bytes[index], "a", "z"));
    }
    state.levels.push_back(tier);
  }
  return state;
}

// Tiers of one SST each, with these sizes (newest first); with n tiers, their ids are
// 10 * n, ..., 20, 10, so that the newest tier has the highest id, as in the engine.
LsmState tree_of_sizes(const std::vector<std::uint64_t>& sizes) {
  std::vector<TierSpec> tiers;
  for (std::size_t index = 0; index < sizes.size(); ++index) {
    tiers.push_back(TierSpec{10 * (sizes.size() - index), {sizes[index]}});
  }
  return tree(tiers);
}

TieredCompactionOptions tiered(std::size_t num_tiers, std::size_t max_size_amplification_percent,
                               std::size_t size_ratio, std::size_t min_merge_width,
                               std::size_t max_merge_width) {
  return TieredCompactionOptions{num_tiers, max_size_amplification_percent, size_ratio,
                                 min_merge_width, max_merge_width};
}

// What the controller proposes for `state`, as text: "none", or the task's describe(), e.g.
// "tiers 30:[30] 20:[20] -> one tier", with " (bottom)" when bottom_tier_included.
std::string proposal(const TieredCompactionOptions& options, const LsmState& state) {
  const std::optional<CompactionTask> task =
      TieredCompactionController(options).generate_task(state);
  if (!task) {
    return "none";
  }
  if (!std::holds_alternative<TieredCompactionTask>(*task)) {
    return "not a TieredCompactionTask: " + mini_lsm::describe(*task);
  }
  return mini_lsm::describe(*task);
}

struct Row {
  const char* why;
  TieredCompactionOptions options;
  std::vector<std::uint64_t> sizes;  // one SST per tier, newest first
  std::string expected;
};

void check_rows(const std::vector<Row>& rows) {
  for (const Row& row : rows) {
    INFO(row.why);
    CHECK(proposal(row.options, tree_of_sizes(row.sizes)) == row.expected);
  }
}

// Defaults: num_tiers 3, max_size_amplification_percent 200, size_ratio 1, min_merge_width 2,
// max_merge_width 0 (no limit).
const TieredCompactionOptions kDefaults{};

TieredCompactionTask task_of(const LsmState& state, std::vector<std::size_t> tier_ids,
                             bool bottom) {
  TieredCompactionTask task;
  for (const std::size_t id : tier_ids) {
    const auto tier = std::find_if(state.levels.begin(), state.levels.end(),
                                   [&](const Level& level) { return level.id == id; });
    REQUIRE(tier != state.levels.end());
    task.tiers.push_back(*tier);
  }
  task.bottom_tier_included = bottom;
  return task;
}

AppliedCompaction apply(const LsmState& state, const CompactionTask& task,
                        const std::vector<std::size_t>& output, bool in_recovery = false) {
  return TieredCompactionController(kDefaults).apply_result(state, task, output, in_recovery);
}

// Adds a tier of one SST in front, as a flush does.
void flush_tier(LsmState& state, std::size_t id, std::uint64_t bytes) {
  state.levels.insert(state.levels.begin(), Level{id, {id}});
  state.sstables.emplace(id, SsTable::create_meta_only(id, bytes, "a", "z"));
}

CompactionOptions tiered_compaction(const TieredCompactionOptions& options) {
  CompactionOptions compaction;
  compaction.strategy = CompactionStrategy::kTiered;
  compaction.tiered = options;
  return compaction;
}

std::vector<std::uint64_t> tier_bytes(const LsmState& state) {
  std::vector<std::uint64_t> sizes;
  for (const Level& tier : state.levels) {
    std::uint64_t bytes = 0;
    for (const std::size_t id : tier.sst_ids) {
      bytes += state.sstables.at(id)->file_size();
    }
    sizes.push_back(bytes);
  }
  return sizes;
}

// Every key of every SST in the simulated tree.
std::set<std::uint64_t> keys_in_tree(const CompactionSimulation& simulation) {
  std::set<std::uint64_t> keys;
  for (const Level& tier : simulation.state().levels) {
    for (const std::size_t id : tier.sst_ids) {
      const std::set<std::uint64_t>& held = simulation.keys_of(id);
      keys.insert(held.begin(), held.end());
    }
  }
  return keys;
}

}  // namespace

TEST_CASE("tiered: no task while there are fewer than num_tiers tiers, and never for one tier",
          "[w2d3][tiered]") {
  check_rows({
      {"2 tiers < num_tiers 3, although the space amplification is 1000 %",
       kDefaults,
       {1000, 100},
       "none"},
      {"an empty tree", kDefaults, {}, "none"},
      {"num_tiers 1 counts as 2: a single tier is never merged, even at 0 % amplification",
       tiered(1, 0, 1, 2, 0),
       {1000},
       "none"},
      {"num_tiers 0 counts as 2 too", tiered(0, 0, 1, 2, 0), {1000}, "none"},
      {"exactly num_tiers tiers: a task",
       kDefaults,
       {100, 1000, 100000},
       "tiers 30:[30] 20:[20] -> one tier"},
      {"num_tiers 1 with 2 tiers: the run-count rule merges both",
       tiered(1, 200, 1, 2, 0),
       {100, 1000},
       "tiers 20:[20] 10:[10] -> one tier (bottom)"},
      {"num_tiers 0 with 2 tiers: the same",
       tiered(0, 200, 1, 2, 0),
       {100, 1000},
       "tiers 20:[20] 10:[10] -> one tier (bottom)"},
      {"num_tiers 5 with 4 tiers: none", tiered(5, 200, 1, 2, 0), {100, 100, 100, 100}, "none"},
  });
}

TEST_CASE(
    "tiered rule 1: every tier is merged once the tiers above the last hold at least "
    "max_size_amplification_percent of it",
    "[w2d3][tiered]") {
  check_rows({
      {"200 + 100 bytes above 100 is 300 %",
       kDefaults,
       {200, 100, 100},
       "tiers 30:[30] 20:[20] 10:[10] -> one tier (bottom)"},
      {"exactly at the threshold: 100 + 100 above 100 is 200 %",
       kDefaults,
       {100, 100, 100},
       "tiers 30:[30] 20:[20] 10:[10] -> one tier (bottom)"},
      {"exactly at 100 %: 50 + 50 above 100",
       tiered(3, 100, 1, 2, 0),
       {50, 50, 100},
       "tiers 30:[30] 20:[20] 10:[10] -> one tier (bottom)"},
      {"one byte below 100 % (99 above 100): not rule 1; rule 2 merges the two newest",
       tiered(3, 100, 1, 2, 0),
       {50, 49, 100},
       "tiers 30:[30] 20:[20] -> one tier"},
      {"the last tier is the base, not the biggest: 130 above 20",
       kDefaults,
       {10, 10, 10, 100, 20},
       "tiers 50:[50] 40:[40] 30:[30] 20:[20] 10:[10] -> one tier (bottom)"},
      {"max_merge_width does not limit rule 1",
       tiered(3, 200, 1, 2, 2),
       {100, 100, 100, 100},
       "tiers 40:[40] 30:[30] 20:[20] 10:[10] -> one tier (bottom)"},
      {"0 % merges every tier as soon as there are num_tiers",
       tiered(3, 0, 1, 2, 0),
       {1, 1000, 1000000},
       "tiers 30:[30] 20:[20] 10:[10] -> one tier (bottom)"},
  });
}

TEST_CASE(
    "tiered rule 2: the newest tiers are merged while the next one is at most "
    "(100 + size_ratio) % of them together",
    "[w2d3][tiered]") {
  check_rows({
      {"exactly at the ratio: 100 * 101 == 101 * 100, so 101 joins; 201 * 101 < 1000 * 100",
       kDefaults,
       {100, 101, 1000, 1000},
       "tiers 40:[40] 30:[30] -> one tier"},
      {"one byte over: 102 does not join 100, so rule 3 merges the newest 4 - 3 + 2",
       kDefaults,
       {100, 102, 1000, 1000},
       "tiers 40:[40] 30:[30] 20:[20] -> one tier"},
      {"the next tier is compared with all the picked tiers together: 10, 10, 20, 40 join",
       kDefaults,
       {10, 10, 20, 40, 1000},
       "tiers 50:[50] 40:[40] 30:[30] 20:[20] -> one tier"},
      {"size_ratio 0: an equal tier joins",
       tiered(3, 200, 0, 2, 0),
       {100, 100, 10000, 10000},
       "tiers 40:[40] 30:[30] -> one tier"},
      {"size_ratio 0: a tier one byte bigger does not (rule 3 instead)",
       tiered(3, 200, 0, 2, 0),
       {100, 101, 10000, 10000},
       "tiers 40:[40] 30:[30] 20:[20] -> one tier"},
      {"size_ratio 50, two ties in a row: 150 <= 100 * 1.5 and 375 <= 250 * 1.5",
       tiered(3, 200, 50, 2, 0),
       {100, 150, 375, 100000, 100000},
       "tiers 50:[50] 40:[40] 30:[30] -> one tier"},
      {"rule 2 may take the last tier (amplification 200 % < 1000 %)",
       tiered(3, 1000, 1, 2, 0),
       {100, 100, 100},
       "tiers 30:[30] 20:[20] 10:[10] -> one tier (bottom)"},
      {"a smaller next tier always joins",
       kDefaults,
       {1000, 10, 1, 100000},
       "tiers 40:[40] 30:[30] 20:[20] -> one tier"},
  });
}

TEST_CASE("tiered rule 2 merges at least min_merge_width tiers, and 0 or 1 count as 2",
          "[w2d3][tiered]") {
  check_rows({
      {"3 alike tiers, min_merge_width 3: merged",
       tiered(4, 200, 1, 3, 0),
       {100, 100, 100, 100000},
       "tiers 40:[40] 30:[30] 20:[20] -> one tier"},
      {"3 alike tiers, min_merge_width 4: not enough, so rule 3 merges the newest 4 - 4 + 2",
       tiered(4, 200, 1, 4, 0),
       {100, 100, 100, 100000},
       "tiers 40:[40] 30:[30] -> one tier"},
      {"min_merge_width 1: one tier alone is never a merge; rule 3 takes two",
       tiered(4, 200, 1, 1, 0),
       {100, 1000, 10000, 100000},
       "tiers 40:[40] 30:[30] -> one tier"},
      {"min_merge_width 0: the same",
       tiered(4, 200, 1, 0, 0),
       {100, 1000, 10000, 100000},
       "tiers 40:[40] 30:[30] -> one tier"},
  });
}

TEST_CASE(
    "tiered rules 2 and 3 merge at most max_merge_width tiers, 0 means no limit and 1 "
    "counts as 2",
    "[w2d3][tiered]") {
  check_rows({
      {"rule 2, max 3 of 4 alike tiers",
       tiered(3, 200, 1, 2, 3),
       {10, 10, 10, 10, 10000},
       "tiers 50:[50] 40:[40] 30:[30] -> one tier"},
      {"rule 2, max 4 = the 4 alike tiers",
       tiered(3, 200, 1, 2, 4),
       {10, 10, 10, 10, 10000},
       "tiers 50:[50] 40:[40] 30:[30] 20:[20] -> one tier"},
      {"rule 2, max 0: no limit",
       tiered(3, 200, 1, 2, 0),
       {10, 10, 10, 10, 10000},
       "tiers 50:[50] 40:[40] 30:[30] 20:[20] -> one tier"},
      {"rule 2, max 1 counts as 2",
       tiered(3, 200, 1, 2, 1),
       {10, 10, 10, 10, 10000},
       "tiers 50:[50] 40:[40] -> one tier"},
      {"rule 3, 5 - 3 + 2 = 4 tiers capped at max 3",
       tiered(3, 200, 1, 2, 3),
       {100, 1000, 10000, 100000, 1000000},
       "tiers 50:[50] 40:[40] 30:[30] -> one tier"},
      {"rule 3, max 0: all 4",
       tiered(3, 200, 1, 2, 0),
       {100, 1000, 10000, 100000, 1000000},
       "tiers 50:[50] 40:[40] 30:[30] 20:[20] -> one tier"},
      {"rule 3, max 1 counts as 2",
       tiered(3, 200, 1, 2, 1),
       {100, 1000, 10000, 100000, 1000000},
       "tiers 50:[50] 40:[40] -> one tier"},
      {"min_merge_width 3 over max_merge_width 2: rule 2 can never pick enough",
       tiered(3, 200, 1, 3, 2),
       {10, 10, 10, 10000},
       "tiers 40:[40] 30:[30] -> one tier"},
  });
}

TEST_CASE("tiered rule 3: with no alike tiers, the newest count - num_tiers + 2 are merged",
          "[w2d3][tiered]") {
  check_rows({
      {"3 tiers, num_tiers 3: the newest 2",
       kDefaults,
       {100, 1000, 100000},
       "tiers 30:[30] 20:[20] -> one tier"},
      {"6 tiers, num_tiers 3: the newest 5",
       kDefaults,
       {1, 10, 100, 1000, 10000, 1000000},
       "tiers 60:[60] 50:[50] 40:[40] 30:[30] 20:[20] -> one tier"},
      {"6 tiers, num_tiers 5: the newest 3",
       tiered(5, 200, 1, 2, 0),
       {1, 10, 100, 1000, 10000, 1000000},
       "tiers 60:[60] 50:[50] 40:[40] -> one tier"},
      {"2 tiers, num_tiers 2: both, the bottom one included",
       tiered(2, 200, 1, 2, 0),
       {100, 1000},
       "tiers 20:[20] 10:[10] -> one tier (bottom)"},
  });
}

TEST_CASE("tiered: a tier's size is the sum of its SSTs' bytes, not their number",
          "[w2d3][tiered]") {
  // 300 bytes in three SSTs is as big as 300 bytes in one: rule 2 merges them (by SST counts,
  // 1 + 3 SSTs above 1 would be rule 1).
  CHECK(proposal(kDefaults, tree({{30, {300}}, {20, {100, 100, 100}}, {10, {10000}}})) ==
        "tiers 30:[30] 20:[20 21 22] -> one tier");
  // 100 + 100 above 100 bytes in ten SSTs is 200 %: rule 1 (by SST counts, rule 2 would merge
  // the two newest only).
  CHECK(
      proposal(kDefaults,
               tree({{30, {100}}, {20, {100}}, {10, {10, 10, 10, 10, 10, 10, 10, 10, 10, 10}}})) ==
      "tiers 30:[30] 20:[20] 10:[10 11 12 13 14 15 16 17 18 19] -> one tier (bottom)");
}

TEST_CASE("tiered generate_task returns the tiers exactly as they stand, SSTs included",
          "[w2d3][tiered]") {
  const LsmState state = tree({{50, {100}}, {40, {60, 40}}, {20, {1000}}, {10, {50000}}});
  const std::optional<CompactionTask> task =
      TieredCompactionController(kDefaults).generate_task(state);
  REQUIRE(task.has_value());
  REQUIRE(std::holds_alternative<TieredCompactionTask>(*task));
  const auto& tiered_task = std::get<TieredCompactionTask>(*task);
  // 100 then 60 + 40 join (rule 2); 1000 is too big.
  CHECK(tiered_task.tiers == std::vector<Level>{{50, {50}}, {40, {40, 41}}});
  CHECK_FALSE(tiered_task.bottom_tier_included);
  CHECK(mini_lsm::input_runs(*task) == std::vector<std::vector<std::size_t>>{{50}, {40, 41}});
}

TEST_CASE("tiered apply_result puts one tier with id output.front() where the merged tiers were",
          "[w2d3][tiered][apply]") {
  const LsmState state = tree({{9, {100}}, {8, {100}}, {5, {100, 100}}, {2, {100}}});
  const TieredCompactionTask task = task_of(state, {9, 8}, false);
  const AppliedCompaction applied = apply(state, task, {20, 21});
  CHECK(applied.state.levels == std::vector<Level>{{20, {20, 21}}, {5, {5, 6}}, {2, {2}}});
  CHECK(applied.removed_sst_ids == std::vector<std::size_t>{9, 8});
  // The engine erases the removed SSTs and has already added the new ones: apply_result leaves
  // sstables as it found it.
  CHECK(applied.state.sstables.size() == state.sstables.size());

  const TieredCompactionTask middle = task_of(state, {8, 5}, false);
  CHECK(apply(state, middle, {30}).state.levels ==
        std::vector<Level>{{9, {9}}, {30, {30}}, {2, {2}}});
  CHECK(apply(state, middle, {30}).removed_sst_ids == std::vector<std::size_t>{8, 5, 6});
}

TEST_CASE("tiered apply_result keeps the tiers flushed during the compaction in front",
          "[w2d3][tiered][apply]") {
  LsmState state = tree({{9, {100}}, {8, {100}}, {5, {100, 100}}, {2, {100}}});
  const TieredCompactionTask newest = task_of(state, {9, 8}, false);
  const TieredCompactionTask all = task_of(state, {9, 8, 5, 2}, true);
  flush_tier(state, 11, 100);
  flush_tier(state, 12, 100);

  const AppliedCompaction applied = apply(state, newest, {20});
  CHECK(applied.state.levels ==
        std::vector<Level>{{12, {12}}, {11, {11}}, {20, {20}}, {5, {5, 6}}, {2, {2}}});
  CHECK(applied.removed_sst_ids == std::vector<std::size_t>{9, 8});

  const AppliedCompaction bottom = apply(state, all, {20, 21, 22});
  CHECK(bottom.state.levels == std::vector<Level>{{12, {12}}, {11, {11}}, {20, {20, 21, 22}}});
  CHECK(bottom.removed_sst_ids == std::vector<std::size_t>{9, 8, 5, 6, 2});
}

TEST_CASE("tiered apply_result with no output removes the merged tiers and adds none",
          "[w2d3][tiered][apply]") {
  LsmState state = tree({{9, {100}}, {8, {100}}, {5, {100, 100}}, {2, {100}}});
  const TieredCompactionTask all = task_of(state, {9, 8, 5, 2}, true);
  const TieredCompactionTask newest = task_of(state, {9, 8}, false);
  flush_tier(state, 11, 100);
  // Every key was deleted: the bottom merge wrote nothing.
  const AppliedCompaction applied = apply(state, all, {});
  CHECK(applied.state.levels == std::vector<Level>{{11, {11}}});
  CHECK(applied.removed_sst_ids == std::vector<std::size_t>{9, 8, 5, 6, 2});
  CHECK(apply(state, newest, {}).state.levels ==
        std::vector<Level>{{11, {11}}, {5, {5, 6}}, {2, {2}}});
}

TEST_CASE("tiered apply_result changes only the levels", "[w2d3][tiered][apply]") {
  LsmState state = tree({{9, {100}}, {8, {100}}, {5, {100}}});
  state.l0_sstables = {99};
  const TieredCompactionTask task = task_of(state, {9, 8}, false);
  const AppliedCompaction applied = apply(state, task, {20});
  CHECK(applied.state.l0_sstables == std::vector<std::size_t>{99});
  CHECK(applied.state.memtable == state.memtable);
  CHECK(applied.state.imm_memtables == state.imm_memtables);
  CHECK(applied.state.sstables == state.sstables);
}

TEST_CASE("tiered apply_result in recovery uses only ids: no SST is open",
          "[w2d3][tiered][apply]") {
  LsmState state = tree({{9, {100}}, {8, {100}}, {5, {100}}});
  const TieredCompactionTask task = task_of(state, {8, 5}, true);
  state.sstables.clear();
  const AppliedCompaction applied = apply(state, task, {20, 21}, true);
  CHECK(applied.state.levels == std::vector<Level>{{9, {9}}, {20, {20, 21}}});
  CHECK(applied.removed_sst_ids == std::vector<std::size_t>{8, 5});
}

TEST_CASE("tiered apply_result rejects a stale task or one it did not make with InvalidArgument",
          "[w2d3][tiered][apply]") {
  const LsmState state = tree({{9, {100}}, {8, {100}}, {5, {100, 100}}, {2, {100}}});
  const TieredCompactionTask newest = task_of(state, {9, 8}, false);

  SECTION("a task already applied: its tiers are gone") {
    const AppliedCompaction once = apply(state, newest, {20});
    CHECK_THROWS_AS(apply(once.state, newest, {21}), InvalidArgument);
  }
  SECTION("a tier that is no longer there (the first, or a later one)") {
    CHECK_THROWS_AS(apply(tree({{8, {100}}, {5, {100, 100}}}), newest, {20}), InvalidArgument);
    CHECK_THROWS_AS(apply(tree({{9, {100}}, {5, {100, 100}}}), newest, {20}), InvalidArgument);
  }
  SECTION("tiers no longer adjacent, or in another order") {
    CHECK_THROWS_AS(apply(tree({{9, {100}}, {7, {100}}, {8, {100}}}), newest, {20}),
                    InvalidArgument);
    CHECK_THROWS_AS(apply(tree({{8, {100}}, {9, {100}}}), newest, {20}), InvalidArgument);
  }
  SECTION("a tier whose SSTs changed") {
    LsmState grown = state;
    grown.levels[1].sst_ids.push_back(30);
    CHECK_THROWS_AS(apply(grown, newest, {20}), InvalidArgument);
    const TieredCompactionTask two_ssts = task_of(state, {5, 2}, true);
    CHECK_THROWS_AS(apply(tree({{5, {100}}, {2, {100}}}), two_ssts, {20}), InvalidArgument);
  }
  SECTION("more tiers than stand after the first") {
    TieredCompactionTask longer = task_of(state, {5, 2}, true);
    longer.tiers.push_back(Level{1, {1}});
    CHECK_THROWS_AS(apply(state, longer, {20}), InvalidArgument);
  }
  SECTION("a task that claims the bottom tier but has a tier below it") {
    CHECK_THROWS_AS(apply(state, task_of(state, {9, 8}, true), {20}), InvalidArgument);
    CHECK_THROWS_AS(apply(state, task_of(state, {8, 5}, true), {20}), InvalidArgument);
  }
  SECTION("an empty task, and tasks of other controllers") {
    CHECK_THROWS_AS(apply(state, TieredCompactionTask{}, {20}), InvalidArgument);
    CHECK_THROWS_AS(apply(state, FullCompactionTask{{}, state.levels}, {20}), InvalidArgument);
    CHECK_THROWS_AS(apply(state, LevelCompactionTask{std::nullopt, {}, 1, {9}, false}, {20}),
                    InvalidArgument);
  }
}

TEST_CASE("tiered: flushes of equal size compact in an exact, predictable pattern",
          "[w2d3][tiered][simulation]") {
  // Every flush holds 10 new keys (1000 bytes, written S below), never seen before, so a merge's
  // size is exactly the sum of its inputs. After each flush and settle(), with the defaults:
  struct AfterFlush {
    std::size_t tasks;
    std::vector<std::uint64_t> sizes_in_s;
  };
  const std::vector<AfterFlush> expected = {
      {0, {1}},     // 1
      {0, {1, 1}},  // 2
      {1, {3}},     // 3 tiers, 1 + 1 above 1 is 200 %: rule 1 merges all
      {0, {1, 3}},  // 4
      {1, {2, 3}},  // 5: 1 + 1 above 3 is 67 %; 1 <= 1.01 * 1 and 3 > 1.01 * 2: rule 2
      {1, {3, 3}},  // 6: 2 > 1.01 * 1: rule 3 merges the newest 3 - 3 + 2
      {1, {4, 3}},  // 7: rule 3
      {1, {5, 3}},  // 8: rule 3
      {1, {9}},     // 9: 1 + 5 above 3 is 200 %: rule 1
      {0, {1, 9}},  // 10
      {1, {2, 9}},  // 11: rule 2
      {1, {3, 9}},  // 12: rule 3
  };
  const TieredCompactionController controller(kDefaults);
  CompactionSimulation simulation(controller, tiered_compaction(kDefaults), {1000, 10, 100, 1});
  std::uint64_t next_key = 0;
  for (std::size_t flush = 0; flush < expected.size(); ++flush) {
    INFO("after flush " << flush + 1);
    std::set<std::uint64_t> keys;
    for (int index = 0; index < 10; ++index) {
      keys.insert(next_key++);
    }
    simulation.flush(keys);
    CHECK(simulation.settle() == expected[flush].tasks);
    std::vector<std::uint64_t> in_s;
    for (const std::uint64_t bytes : tier_bytes(simulation.state())) {
      CHECK(bytes % 1000 == 0);
      in_s.push_back(bytes / 1000);
    }
    CHECK(in_s == expected[flush].sizes_in_s);
  }
  CHECK(simulation.compactions() == 8);
  CHECK(keys_in_tree(simulation).size() == 120);
}

TEST_CASE(
    "tiered: over thousands of flushes, one task per flush at most, fewer than num_tiers "
    "tiers after it, and no key lost",
    "[w2d3][tiered][simulation]") {
  const std::vector<TieredCompactionOptions> option_sets = {
      kDefaults,
      tiered(2, 200, 1, 2, 0),
      tiered(4, 100, 1, 2, 0),
      tiered(5, 300, 10, 3, 4),
      tiered(6, 50, 0, 2, 2),
      tiered(3, 1000, 20, 2, 0),
  };
  for (const TieredCompactionOptions& options : option_sets) {
    INFO("num_tiers " << options.num_tiers << ", amplification "
                      << options.max_size_amplification_percent << " %, size_ratio "
                      << options.size_ratio << ", merge width " << options.min_merge_width << ".."
                      << options.max_merge_width);
    const TieredCompactionController controller(options);
    CompactionSimulation simulation(controller, tiered_compaction(options), {400, 20, 100, 7});
    std::set<std::uint64_t> flushed;
    for (int flush = 0; flush < 500; ++flush) {
      const std::size_t id = simulation.flush();
      flushed.insert(simulation.keys_of(id).begin(), simulation.keys_of(id).end());
      const LsmState before = simulation.state();
      const std::optional<CompactionTask> task = simulation.step();
      if (task) {
        // One task, from the newest tier on, and it is enough.
        const auto& merged = std::get<TieredCompactionTask>(*task).tiers;
        REQUIRE(merged.size() >= 2);
        CHECK(std::equal(merged.begin(), merged.end(), before.levels.begin()));
        CHECK(std::get<TieredCompactionTask>(*task).bottom_tier_included ==
              (merged.size() == before.levels.size()));
        CHECK(before.levels.size() == std::max<std::size_t>(options.num_tiers, 2));
        CHECK_FALSE(simulation.step().has_value());
      } else {
        CHECK(before.levels.size() < std::max<std::size_t>(options.num_tiers, 2));
      }
      REQUIRE(simulation.state().levels.size() < std::max<std::size_t>(options.num_tiers, 2));
      if (flush % 50 == 49) {
        REQUIRE(keys_in_tree(simulation) == flushed);
      }
    }
    CHECK(simulation.compactions() > 100);
    CHECK(simulation.state().sstables.size() == [&] {
      std::size_t ssts = 0;
      for (const Level& tier : simulation.state().levels) {
        ssts += tier.sst_ids.size();
      }
      return ssts;
    }());
  }
}

TEST_CASE(
    "tiered: after bursts of flushes, settle() ends below num_tiers, each task leaving "
    "fewer tiers",
    "[w2d3][tiered][simulation]") {
  for (const TieredCompactionOptions& options :
       {kDefaults, tiered(3, 200, 1, 2, 2), tiered(4, 400, 5, 3, 3)}) {
    INFO("num_tiers " << options.num_tiers << ", max_merge_width " << options.max_merge_width);
    const TieredCompactionController controller(options);
    CompactionSimulation simulation(controller, tiered_compaction(options), {400, 20, 100, 11});
    std::set<std::uint64_t> flushed;
    std::uint32_t burst = 1;
    for (int round = 0; round < 150; ++round) {
      burst = burst * 7 % 11;  // bursts of 1 to 10 flushes
      for (std::uint32_t flush = 0; flush < burst; ++flush) {
        const std::size_t id = simulation.flush();
        flushed.insert(simulation.keys_of(id).begin(), simulation.keys_of(id).end());
      }
      std::size_t tiers = simulation.state().levels.size();
      std::size_t tasks = 0;
      while (const std::optional<CompactionTask> task = simulation.step()) {
        REQUIRE(simulation.state().levels.size() < tiers);
        tiers = simulation.state().levels.size();
        REQUIRE(++tasks < 20);
      }
      REQUIRE(tiers < options.num_tiers);
    }
    CHECK(keys_in_tree(simulation) == flushed);
  }
}
