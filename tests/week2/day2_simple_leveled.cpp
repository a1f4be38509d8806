// Week 2 day 2: the simple leveled compaction controller on its own. The trees are made of
// metadata-only SSTs (SsTable::create_meta_only), so no file is written: which task the
// controller proposes for a tree, what state apply_result() makes of a task's output, which tasks
// it refuses, and, with CompactionSimulation, what holds over thousands of flushes.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "harness/catch.hpp"
#include "harness/trees.hpp"
#include "mini_lsm/compaction/simple_leveled.hpp"
#include "mini_lsm/compaction/simulation.hpp"
#include "mini_lsm/error.hpp"
#include "mini_lsm/lsm_state.hpp"
#include "mini_lsm/memtable.hpp"
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
using mini_lsm::MemTable;
using mini_lsm::SimpleLeveledCompactionController;
using mini_lsm::SimpleLeveledCompactionOptions;
using mini_lsm::SsTable;
using mini_lsm::TieredCompactionTask;

namespace {

using Ids = std::vector<std::size_t>;

constexpr std::uint64_t kSstBytes = 4096;

SimpleLeveledCompactionOptions simple(std::size_t size_ratio_percent, std::size_t l0_trigger,
                                      std::size_t max_levels) {
  return SimpleLeveledCompactionOptions{size_ratio_percent, l0_trigger, max_levels};
}

// SST `id` as metadata: `bytes` long, keys "<id>000".."<id>999" (zero-padded), so that SSTs
// listed in ascending id order never overlap.
void add_sst(LsmState& state, std::size_t id, std::uint64_t bytes = kSstBytes) {
  const std::string prefix = CompactionSimulation::key_name(id);
  state.sstables.emplace(id, SsTable::create_meta_only(id, bytes, prefix + "000", prefix + "999"));
}

// A tree with L0 `l0` (newest first) and the levels L1, L2, ... holding `levels`, every SST
// kSstBytes long. The memtables are there only to show that apply_result() keeps them.
LsmState make_state(const Ids& l0, const std::vector<Ids>& levels) {
  LsmState state;
  state.memtable = std::make_shared<MemTable>(100);
  state.imm_memtables.push_back(std::make_shared<MemTable>(99));
  state.l0_sstables = l0;
  for (const std::size_t id : l0) {
    add_sst(state, id);
  }
  for (std::size_t index = 0; index < levels.size(); ++index) {
    state.levels.push_back(Level{index + 1, levels[index]});
    for (const std::size_t id : levels[index]) {
      add_sst(state, id);
    }
  }
  return state;
}

// "L0 [4 3] L1 [1 2] L2 []": the structure of a tree in one comparable, printable line.
std::string shape(const LsmState& state) {
  return mini_lsm::testing::tree_shape(state, " ");
}

// describe() of the task, or "none". describe() prints an upper level of 0 as "L0" too, but such
// a task would merge L0's SSTs as one sorted run although their key ranges overlap: say so.
std::string text(const std::optional<CompactionTask>& task) {
  if (!task) {
    return "none";
  }
  std::string text = mini_lsm::describe(*task);
  const auto* level = std::get_if<LevelCompactionTask>(&*task);
  if (level != nullptr && level->upper_level == std::size_t{0}) {
    text += " [upper_level is 0 instead of std::nullopt for L0]";
  }
  return text;
}

// One row of a table of trees: the rule it shows, the options, the tree and the task expected.
struct GenerateCase {
  const char* rule;
  SimpleLeveledCompactionOptions options;
  Ids l0;
  std::vector<Ids> levels;
  const char* expected;
};

void check_tasks(const std::vector<GenerateCase>& cases) {
  for (const GenerateCase& row : cases) {
    const LsmState state = make_state(row.l0, row.levels);
    INFO(row.rule);
    INFO("options: size_ratio_percent "
         << row.options.size_ratio_percent << ", level0_file_num_compaction_trigger "
         << row.options.level0_file_num_compaction_trigger << ", max_levels "
         << row.options.max_levels);
    INFO("tree: " << shape(state));
    const SimpleLeveledCompactionController controller(row.options);
    CHECK(text(controller.generate_task(state)) == row.expected);
  }
}

LevelCompactionTask level_task(std::optional<std::size_t> upper_level, Ids upper_ids,
                               std::size_t lower_level, Ids lower_ids, bool bottom) {
  return LevelCompactionTask{upper_level, std::move(upper_ids), lower_level, std::move(lower_ids),
                             bottom};
}

// apply_result() must change nothing but L0 and the levels: the memtables stay, and the SSTs map
// still holds the removed SSTs (the engine drops them).
void check_rest_unchanged(const LsmState& before, const LsmState& after) {
  CHECK(after.memtable == before.memtable);
  CHECK(after.imm_memtables == before.imm_memtables);
  Ids before_ids;
  Ids after_ids;
  for (const auto& [id, table] : before.sstables) {
    before_ids.push_back(id);
  }
  for (const auto& [id, table] : after.sstables) {
    after_ids.push_back(id);
  }
  CHECK(after_ids == before_ids);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// generate_task: which levels trigger
// ---------------------------------------------------------------------------------------------

TEST_CASE("simple leveled: L0 goes into L1 once it holds level0_file_num_compaction_trigger SSTs",
          "[w2d2][simple-leveled]") {
  check_tasks({
      {"an empty tree needs no compaction", simple(200, 2, 3), {}, {{}, {}, {}}, "none"},
      {"one SST is below the trigger of 2", simple(200, 2, 3), {1}, {{}, {}, {}}, "none"},
      {"exactly at the trigger: compact",
       simple(200, 2, 3),
       {2, 1},
       {{}, {}, {}},
       "L0 [2 1] + L1 [] -> L1"},
      {"above the trigger, L1 out of ratio: every L0 SST, newest first, and all of L1",
       simple(200, 2, 3),
       {3, 2, 1},
       {{4}, {}, {}},
       "L0 [3 2 1] + L1 [4] -> L1"},
      {"L0 keeps its newest-first order in the task, even when the ids are not sorted",
       simple(200, 2, 3),
       {5, 9, 1},
       {{}, {}, {}},
       "L0 [5 9 1] + L1 [] -> L1"},
      {"trigger 4: three SSTs wait", simple(200, 4, 3), {3, 2, 1}, {{}, {}, {}}, "none"},
      {"trigger 4: the fourth SST triggers",
       simple(200, 4, 3),
       {4, 3, 2, 1},
       {{}, {}, {}},
       "L0 [4 3 2 1] + L1 [] -> L1"},
      {"trigger 1: a single SST triggers",
       simple(200, 1, 3),
       {7},
       {{}, {}, {}},
       "L0 [7] + L1 [] -> L1"},
      {"trigger 0: an empty L0 still never triggers", simple(200, 0, 3), {}, {{}, {}, {}}, "none"},
  });
}

TEST_CASE("simple leveled: L0 goes into L1 only while L1 holds fewer than ratio times its SSTs",
          "[w2d2][simple-leveled]") {
  check_tasks({
      {"2 in L0, 3 in L1: 300 < 2 * 200",
       simple(200, 2, 3),
       {6, 5},
       {{1, 2, 3}, {}, {}},
       "L0 [6 5] + L1 [1 2 3] -> L1"},
      {"2 in L0, 4 in L1: exactly at the ratio, so L0 waits although it reached the trigger",
       simple(200, 2, 2),
       {6, 5},
       {{1, 2, 3, 4}, {10, 11, 12, 13, 14, 15, 16, 17}},
       "none"},
      {"3 in L0, 4 in L1: 400 < 3 * 200",
       simple(200, 2, 2),
       {7, 6, 5},
       {{1, 2, 3, 4}, {10, 11, 12, 13, 14, 15, 16, 17}},
       "L0 [7 6 5] + L1 [1 2 3 4] -> L1"},
      {"ratio 100: as many in L1 as in L0 is enough",
       simple(100, 2, 2),
       {6, 5},
       {{1, 2}, {3, 4}},
       "none"},
      {"ratio 100: one fewer in L1 than in L0 triggers",
       simple(100, 2, 2),
       {6, 5},
       {{1}, {3}},
       "L0 [6 5] + L1 [1] -> L1"},
      {"ratio 0: nothing is ever out of ratio", simple(0, 2, 2), {6, 5}, {{}, {}}, "none"},
  });
}

TEST_CASE("simple leveled: Li goes into L(i+1) while L(i+1) holds fewer than ratio times its SSTs",
          "[w2d2][simple-leveled]") {
  check_tasks({
      {"2 in L1, 3 in L2: 300 < 2 * 200",
       simple(200, 2, 3),
       {},
       {{1, 2}, {3, 4, 5}, {}},
       "L1 [1 2] + L2 [3 4 5] -> L2"},
      {"2 in L1, 4 in L2: exactly at the ratio",
       simple(200, 2, 2),
       {},
       {{1, 2}, {3, 4, 5, 6}},
       "none"},
      {"2 in L1, 4 in L2, 8 in L3: every level exactly at the ratio",
       simple(200, 2, 3),
       {},
       {{1, 2}, {3, 4, 5, 6}, {7, 8, 9, 10, 11, 12, 13, 14}},
       "none"},
      {"1 in L1, empty L2", simple(200, 2, 3), {}, {{1}, {}, {4}}, "L1 [1] + L2 [] -> L2"},
      {"ratio 150: 2 in L1, 3 in L2 is exactly at the ratio",
       simple(150, 2, 2),
       {},
       {{1, 2}, {3, 4, 5}},
       "none"},
      {"ratio 150: 3 in L1, 4 in L2: 400 < 3 * 150",
       simple(150, 2, 2),
       {},
       {{1, 2, 3}, {4, 5, 6, 7}},
       "L1 [1 2 3] + L2 [4 5 6 7] -> L2 (bottom)"},
      {"ratio 250: 2 in L1, 4 in L2: 400 < 2 * 250",
       simple(250, 2, 2),
       {},
       {{1, 2}, {3, 4, 5, 6}},
       "L1 [1 2] + L2 [3 4 5 6] -> L2 (bottom)"},
      {"ratio 250: 2 in L1, 5 in L2 is exactly at the ratio",
       simple(250, 2, 2),
       {},
       {{1, 2}, {3, 4, 5, 6, 7}},
       "none"},
      {"ratio 100: 3 in L1, 2 in L2",
       simple(100, 2, 2),
       {},
       {{1, 2, 3}, {4, 5}},
       "L1 [1 2 3] + L2 [4 5] -> L2 (bottom)"},
      {"ratio 100: 3 in L1, 3 in L2", simple(100, 2, 2), {}, {{1, 2, 3}, {4, 5, 6}}, "none"},
  });
}

TEST_CASE("simple leveled: an empty level never goes down, and the levels below it still do",
          "[w2d2][simple-leveled]") {
  check_tasks({
      {"only the bottom level holds SSTs", simple(200, 2, 3), {}, {{}, {}, {5}}, "none"},
      {"empty L1, one SST in L2 and nothing below",
       simple(200, 2, 3),
       {},
       {{}, {5}, {}},
       "L2 [5] + L3 [] -> L3 (bottom)"},
      {"empty L1, L2 out of ratio with L3",
       simple(200, 2, 3),
       {},
       {{}, {5, 6}, {7, 8, 9}},
       "L2 [5 6] + L3 [7 8 9] -> L3 (bottom)"},
      {"empty L1 and L2 in ratio with L3",
       simple(200, 2, 3),
       {},
       {{}, {5, 6}, {7, 8, 9, 10}},
       "none"},
      {"one L0 SST below the trigger, the levels in ratio",
       simple(200, 2, 3),
       {9},
       {{1}, {2, 3}, {4, 5, 6, 7}},
       "none"},
  });
}

TEST_CASE("simple leveled: the first level that triggers, from the top down, wins",
          "[w2d2][simple-leveled]") {
  check_tasks({
      {"L0 triggers while L1 into L2 would too",
       simple(200, 2, 3),
       {9, 8},
       {{1}, {}, {}},
       "L0 [9 8] + L1 [1] -> L1"},
      {"L0 below the trigger: L1 into L2 before L2 into L3",
       simple(200, 2, 3),
       {9},
       {{1, 2}, {3}, {}},
       "L1 [1 2] + L2 [3] -> L2"},
      {"L0 at the trigger but in ratio with L1: L1 into L2",
       simple(200, 2, 3),
       {9, 8},
       {{1, 2, 3, 4}, {5}, {6, 7, 10, 11, 12, 13, 14, 15, 16, 17, 18}},
       "L1 [1 2 3 4] + L2 [5] -> L2"},
      {"L1 and L2 in ratio, L2 and L3 too: L3 into L4",
       simple(200, 2, 4),
       {},
       {{1}, {2, 3}, {4, 5, 6, 7}, {8}},
       "L3 [4 5 6 7] + L4 [8] -> L4 (bottom)"},
  });
}

TEST_CASE("simple leveled: a task reaches the bottom exactly when its lower level is the last",
          "[w2d2][simple-leveled]") {
  check_tasks({
      {"max_levels 1: L0 into L1 is the bottom",
       simple(200, 2, 1),
       {2, 1},
       {{}},
       "L0 [2 1] + L1 [] -> L1 (bottom)"},
      {"max_levels 1: a full L1 stays, there is no L2",
       simple(200, 2, 1),
       {3},
       {{1, 2, 4, 5, 6, 7, 8}},
       "none"},
      {"max_levels 2: L0 into L1 is not the bottom",
       simple(200, 2, 2),
       {2, 1},
       {{}, {}},
       "L0 [2 1] + L1 [] -> L1"},
      {"max_levels 2: L1 into L2 is",
       simple(200, 2, 2),
       {},
       {{1}, {}},
       "L1 [1] + L2 [] -> L2 (bottom)"},
      {"max_levels 4: L2 into L3 is not",
       simple(200, 2, 4),
       {},
       {{}, {1}, {}, {2, 3}},
       "L2 [1] + L3 [] -> L3"},
      {"max_levels 4: L3 into L4 is",
       simple(200, 2, 4),
       {},
       {{}, {}, {1}, {}},
       "L3 [1] + L4 [] -> L4 (bottom)"},
  });
}

TEST_CASE("simple leveled: with max_levels 0 nothing is ever compacted, however big L0 grows",
          "[w2d2][simple-leveled]") {
  check_tasks({
      {"an empty tree", simple(200, 2, 0), {}, {}, "none"},
      {"ten SSTs in L0, trigger 2", simple(200, 2, 0), {10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, {}, "none"},
      {"trigger 1", simple(200, 1, 0), {1}, {}, "none"},
  });
}

TEST_CASE("simple leveled: level sizes are counted in SSTs, not in bytes",
          "[w2d2][simple-leveled]") {
  const SimpleLeveledCompactionController controller(simple(200, 2, 2));
  const std::uint64_t kSmall = 1024;
  const std::uint64_t kHuge = std::uint64_t{1} << 30;

  LsmState by_count = make_state({}, {{}, {}});
  by_count.levels = {Level{1, {1, 2}}, Level{2, {3, 4, 5}}};
  for (const std::size_t id : {1, 2}) {
    add_sst(by_count, id, kSmall);
  }
  for (const std::size_t id : {3, 4, 5}) {
    add_sst(by_count, id, kHuge);
  }
  // 3 SSTs are fewer than twice 2, although L2 holds a million times L1's bytes.
  CHECK(text(controller.generate_task(by_count)) == "L1 [1 2] + L2 [3 4 5] -> L2 (bottom)");

  LsmState by_bytes = make_state({}, {{}, {}});
  by_bytes.levels = {Level{1, {1}}, Level{2, {2, 3}}};
  add_sst(by_bytes, 1, kHuge);
  add_sst(by_bytes, 2, kSmall);
  add_sst(by_bytes, 3, kSmall);
  // 2 SSTs are exactly twice 1, although L2 holds a tiny fraction of L1's bytes.
  CHECK(text(controller.generate_task(by_bytes)) == "none");
}

TEST_CASE("simple leveled: the task of L0 names it std::nullopt and takes exact copies of the ids",
          "[w2d2][simple-leveled]") {
  const SimpleLeveledCompactionController controller(simple(200, 2, 3));
  const LsmState state = make_state({8, 7, 6}, {{1, 2}, {3}, {4}});
  const std::optional<CompactionTask> task = controller.generate_task(state);
  REQUIRE(task.has_value());
  REQUIRE(std::holds_alternative<LevelCompactionTask>(*task));
  CHECK(std::get<LevelCompactionTask>(*task) ==
        level_task(std::nullopt, {8, 7, 6}, 1, {1, 2}, false));
}

TEST_CASE("simple leveled: a state whose levels are not L1..L<max_levels> is refused",
          "[w2d2][simple-leveled][errors]") {
  const SimpleLeveledCompactionController controller(simple(200, 2, 3));
  const LsmState too_many = make_state({2, 1}, {{}, {}, {}, {}});
  CHECK_THROWS_AS(controller.generate_task(too_many), InvalidArgument);
  CHECK_THROWS_AS(
      controller.apply_result(too_many, level_task(std::nullopt, {2, 1}, 1, {}, false), {3}, false),
      InvalidArgument);

  LsmState out_of_order = make_state({2, 1}, {{}, {}, {}});
  out_of_order.levels[1].id = 3;
  out_of_order.levels[2].id = 2;
  CHECK_THROWS_AS(controller.generate_task(out_of_order), InvalidArgument);

  const LsmState too_few = make_state({2, 1}, {{}, {}});
  CHECK_THROWS_AS(controller.generate_task(too_few), InvalidArgument);

  const SimpleLeveledCompactionController no_levels(simple(200, 2, 0));
  CHECK_THROWS_AS(no_levels.generate_task(make_state({2, 1}, {{}})), InvalidArgument);
}

// ---------------------------------------------------------------------------------------------
// apply_result: the state after a compaction
// ---------------------------------------------------------------------------------------------

TEST_CASE("simple leveled apply: L0 into L1 empties L0 and makes the output the new L1",
          "[w2d2][simple-leveled][apply]") {
  const SimpleLeveledCompactionController controller(simple(200, 2, 3));
  LsmState state = make_state({4, 3}, {{1, 2}, {5}, {}});
  for (const std::size_t id : {10, 11, 12}) {
    add_sst(state, id);  // the engine adds the output SSTs before it applies
  }
  const AppliedCompaction applied = controller.apply_result(
      state, level_task(std::nullopt, {4, 3}, 1, {1, 2}, false), {10, 11, 12}, false);

  CHECK(shape(applied.state) == "L0 [] L1 [10 11 12] L2 [5] L3 []");
  CHECK(applied.removed_sst_ids == Ids{4, 3, 1, 2});
  check_rest_unchanged(state, applied.state);
}

TEST_CASE("simple leveled apply: SSTs flushed into L0 while the task ran stay in L0, in order",
          "[w2d2][simple-leveled][apply]") {
  const SimpleLeveledCompactionController controller(simple(200, 2, 3));
  const LsmState before = make_state({4, 3}, {{1, 2}, {}, {}});
  const std::optional<CompactionTask> task = controller.generate_task(before);
  REQUIRE(text(task) == "L0 [4 3] + L1 [1 2] -> L1");

  // Meanwhile three flushes put SSTs 7, 8 and 9 in front of L0.
  LsmState now = make_state({9, 8, 7, 4, 3}, {{1, 2}, {}, {}});
  add_sst(now, 20);
  const AppliedCompaction applied = controller.apply_result(now, *task, {20}, false);

  CHECK(shape(applied.state) == "L0 [9 8 7] L1 [20] L2 [] L3 []");
  CHECK(applied.removed_sst_ids == Ids{4, 3, 1, 2});
}

TEST_CASE("simple leveled apply: Li into L(i+1) empties Li, replaces L(i+1) and leaves the rest",
          "[w2d2][simple-leveled][apply]") {
  const SimpleLeveledCompactionController controller(simple(200, 2, 4));
  LsmState state = make_state({20, 19}, {{7}, {1, 2}, {3, 4, 5}, {6}});
  add_sst(state, 21);
  add_sst(state, 22);
  const AppliedCompaction applied =
      controller.apply_result(state, level_task(2, {1, 2}, 3, {3, 4, 5}, false), {21, 22}, false);

  CHECK(shape(applied.state) == "L0 [20 19] L1 [7] L2 [] L3 [21 22] L4 [6]");
  CHECK(applied.removed_sst_ids == Ids{1, 2, 3, 4, 5});
  check_rest_unchanged(state, applied.state);
}

TEST_CASE("simple leveled apply: an empty output leaves the lower level empty as well",
          "[w2d2][simple-leveled][apply]") {
  // At the bottom every entry may be a tombstone that the merge drops: nothing is left.
  const SimpleLeveledCompactionController controller(simple(200, 2, 2));
  const LsmState state = make_state({6}, {{1, 2}, {3}});
  const AppliedCompaction applied =
      controller.apply_result(state, level_task(1, {1, 2}, 2, {3}, true), {}, false);

  CHECK(shape(applied.state) == "L0 [6] L1 [] L2 []");
  CHECK(applied.removed_sst_ids == Ids{1, 2, 3});
}

TEST_CASE("simple leveled apply: every task it makes applies, and the tree ends in shape",
          "[w2d2][simple-leveled][apply]") {
  // Generate, "merge" (the output: a new SST per input SST), apply, until no task is left.
  const SimpleLeveledCompactionController controller(simple(200, 2, 3));
  LsmState state = make_state({12, 11, 10}, {{1}, {2, 3}, {}});
  std::size_t next_id = 100;
  std::vector<std::string> tasks;
  while (std::optional<CompactionTask> task = controller.generate_task(state)) {
    REQUIRE(tasks.size() < 10);
    tasks.push_back(text(task));
    const auto& level = std::get<LevelCompactionTask>(*task);
    Ids output;
    for (std::size_t count = 0;
         count < level.upper_level_sst_ids.size() + level.lower_level_sst_ids.size(); ++count) {
      output.push_back(next_id);
      add_sst(state, next_id++);
    }
    AppliedCompaction applied = controller.apply_result(state, *task, output, false);
    for (const std::size_t id : applied.removed_sst_ids) {
      applied.state.sstables.erase(id);
    }
    state = std::move(applied.state);
  }

  CHECK(tasks == std::vector<std::string>{
                     "L0 [12 11 10] + L1 [1] -> L1",
                     "L1 [100 101 102 103] + L2 [2 3] -> L2",
                     "L2 [104 105 106 107 108 109] + L3 [] -> L3 (bottom)",
                 });
  CHECK(shape(state) == "L0 [] L1 [] L2 [] L3 [110 111 112 113 114 115]");
  CHECK(state.sstables.size() == 6);
}

TEST_CASE("simple leveled apply: a task that is not its own or no longer matches is refused",
          "[w2d2][simple-leveled][apply][errors]") {
  const SimpleLeveledCompactionController controller(simple(200, 2, 3));
  const LsmState state = make_state({6, 5}, {{1, 2}, {3}, {4}});
  struct Refused {
    const char* why;
    CompactionTask task;
  };
  const std::vector<Refused> cases = {
      {"a full compaction is the engine's, not the controller's",
       FullCompactionTask{{6, 5}, state.levels}},
      {"a tiered task", TieredCompactionTask{{Level{1, {1, 2}}}, false}},
      {"an L0 SST that is no longer in L0", level_task(std::nullopt, {6, 5, 9}, 1, {1, 2}, false)},
      {"only part of L1 as the upper level", level_task(1, {1}, 2, {3}, false)},
      {"an upper level that changed since", level_task(1, {1, 2, 7}, 2, {3}, false)},
      {"a lower level that changed since", level_task(1, {1, 2}, 2, {3, 8}, false)},
      {"a lower level emptied since", level_task(1, {1, 2}, 2, {}, false)},
      {"L0 into L1, with L1 as it was before another compaction",
       level_task(std::nullopt, {6, 5}, 1, {1}, false)},
      {"L0 into L2, skipping L1", level_task(std::nullopt, {6, 5}, 2, {3}, false)},
      {"L1 into L3, skipping L2", level_task(1, {1, 2}, 3, {4}, true)},
      {"L3 into L4, below the last level", level_task(3, {4}, 4, {}, true)},
      {"an upper level 0, which is no level", level_task(0, {6, 5}, 1, {1, 2}, false)},
  };
  for (const Refused& row : cases) {
    INFO(row.why << ": " << mini_lsm::describe(row.task));
    CHECK_THROWS_AS(controller.apply_result(state, row.task, {30}, false), InvalidArgument);
  }
}

TEST_CASE("simple leveled apply: the same task applied twice is refused the second time",
          "[w2d2][simple-leveled][apply][errors]") {
  const SimpleLeveledCompactionController controller(simple(200, 2, 2));
  for (const LsmState& state :
       {make_state({6, 5}, {{1, 2}, {3, 4, 7, 8, 9}}), make_state({6}, {{1, 2}, {3}})}) {
    const std::optional<CompactionTask> task = controller.generate_task(state);
    REQUIRE(task.has_value());
    INFO(text(task));
    LsmState once = controller.apply_result(state, *task, {40, 41}, false).state;
    add_sst(once, 40);
    add_sst(once, 41);
    CHECK_THROWS_AS(controller.apply_result(once, *task, {42}, false), InvalidArgument);
  }
}

// ---------------------------------------------------------------------------------------------
// Over many flushes, with CompactionSimulation
// ---------------------------------------------------------------------------------------------

namespace {

CompactionOptions simple_strategy(const SimpleLeveledCompactionOptions& simple_options) {
  CompactionOptions options;
  options.strategy = CompactionStrategy::kSimple;
  options.simple = simple_options;
  return options;
}

// Level sizes in SSTs, top down: "L0 1, L1 2, L2 4".
std::string sizes(const LsmState& state) {
  std::string text = "L0 " + std::to_string(state.l0_sstables.size());
  for (const Level& level : state.levels) {
    text += ", L" + std::to_string(level.id) + " " + std::to_string(level.sst_ids.size());
  }
  return text;
}

// Which level a settled tree leaves out of shape, or "" when none: L0 must be below the trigger or
// in ratio with L1, and every level in ratio with the next.
std::string shape_problem(const LsmState& state, const SimpleLeveledCompactionOptions& options) {
  const std::size_t ratio = options.size_ratio_percent;
  if (!state.levels.empty() &&
      state.l0_sstables.size() >= options.level0_file_num_compaction_trigger &&
      state.levels[0].sst_ids.size() * 100 < state.l0_sstables.size() * ratio) {
    return "L0 is left out of ratio with L1";
  }
  for (std::size_t index = 0; index + 1 < state.levels.size(); ++index) {
    if (state.levels[index + 1].sst_ids.size() * 100 < state.levels[index].sst_ids.size() * ratio) {
      return "L" + std::to_string(index + 1) + " is left out of ratio with the next level";
    }
  }
  return "";
}

// What is wrong with the structure of a tree, or "" when nothing is: SSTs listed twice, leaked or
// lost, or overlapping within a level. One string instead of an assertion per SST keeps thousands
// of flushes fast, and names the first problem found.
std::string structure_problem(const LsmState& state) {
  // Every SST of the tree is listed once, and the open SSTs are exactly those (none leaked).
  Ids in_tree = state.l0_sstables;
  for (const Level& level : state.levels) {
    in_tree.insert(in_tree.end(), level.sst_ids.begin(), level.sst_ids.end());
  }
  std::ranges::sort(in_tree);
  if (const auto twice = std::ranges::adjacent_find(in_tree); twice != in_tree.end()) {
    return "SST " + std::to_string(*twice) + " is listed twice";
  }
  Ids open;
  for (const auto& [id, table] : state.sstables) {
    open.push_back(id);
  }
  if (open != in_tree) {
    const auto [tree_end, open_end] = std::ranges::mismatch(in_tree, open);
    return tree_end == in_tree.end() || (open_end != open.end() && *open_end < *tree_end)
               ? "SST " + std::to_string(*open_end) + " left the tree but was never removed"
               : "SST " + std::to_string(*tree_end) + " is in the tree but was removed";
  }
  // Below L0, each level is one sorted run: SSTs in key order, no two overlap.
  for (const Level& level : state.levels) {
    for (std::size_t index = 1; index < level.sst_ids.size(); ++index) {
      const SsTable& left = *state.sstables.at(level.sst_ids[index - 1]);
      const SsTable& right = *state.sstables.at(level.sst_ids[index]);
      if (!(left.last_key() < right.first_key())) {
        return "in L" + std::to_string(level.id) + ", SST " + std::to_string(left.id()) +
               " ends at " + left.last_key() + ", not before SST " + std::to_string(right.id()) +
               " begins at " + right.first_key();
      }
    }
  }
  return "";
}

// The first key flushed that no SST of the tree holds any more, or "" when every key is there.
std::string lost_key(const CompactionSimulation& simulation,
                     const std::set<std::uint64_t>& flushed) {
  std::set<std::uint64_t> stored;
  for (const auto& [id, table] : simulation.state().sstables) {
    const std::set<std::uint64_t>& keys = simulation.keys_of(id);
    stored.insert(keys.begin(), keys.end());
  }
  for (const std::uint64_t key : flushed) {
    if (!stored.contains(key)) {
      return CompactionSimulation::key_name(key);
    }
  }
  return "";
}

}  // namespace

TEST_CASE("simple leveled walkthrough: the level sizes after each of the first flushes",
          "[w2d2][simple-leveled][simulation]") {
  // One distinct key per flush and one key per SST: a level's size is its number of keys, and
  // every flush that compacts runs down as far as the ratio lets it.
  const SimpleLeveledCompactionOptions options = simple(200, 2, 3);
  const SimpleLeveledCompactionController controller(options);
  CompactionSimulation simulation(controller, simple_strategy(options),
                                  CompactionSimulation::Workload{1'000, 1, 100, 1});
  const std::vector<std::string> expected = {
      "L0 1, L1 0, L2 0, L3 0",  // 1: below the trigger
      "L0 0, L1 0, L2 0, L3 2",  // 2: L0 -> L1, L1 -> L2, L2 -> L3, each time into an empty level
      "L0 1, L1 0, L2 0, L3 2",  // 3
      "L0 0, L1 0, L2 0, L3 4",  // 4: L0 -> L1 -> L2; L2 (2) into L3 (2): 2 < 4
      "L0 1, L1 0, L2 0, L3 4",  // 5
      "L0 0, L1 0, L2 2, L3 4",  // 6: L0 -> L1 -> L2; L2 (2) and L3 (4) are in ratio: stop
      "L0 1, L1 0, L2 2, L3 4",  // 7
      "L0 0, L1 0, L2 0, L3 8",  // 8: L0 -> L1 (2) into L2 (2): 2 < 4, then L2 (4) into L3 (4)
      "L0 1, L1 0, L2 0, L3 8",  // 9
      "L0 0, L1 0, L2 2, L3 8",  // 10
      "L0 1, L1 0, L2 2, L3 8",  // 11
      "L0 0, L1 0, L2 4, L3 8",  // 12: L1 (2) into L2 (2), then L2 (4) and L3 (8) are in ratio
  };
  const std::vector<std::size_t> expected_tasks = {0, 3, 0, 3, 0, 2, 0, 3, 0, 2, 0, 2};
  for (std::uint64_t flush = 0; flush < expected.size(); ++flush) {
    simulation.flush(std::set<std::uint64_t>{flush});
    INFO("after flush " << flush + 1);
    CHECK(simulation.settle(options.max_levels + 1) == expected_tasks[flush]);
    CHECK(sizes(simulation.state()) == expected[flush]);
  }
}

TEST_CASE("simple leveled over thousands of flushes: settles every time, loses nothing, no overlap",
          "[w2d2][simple-leveled][simulation]") {
  struct Run {
    const char* name;
    SimpleLeveledCompactionOptions options;
    CompactionSimulation::Workload workload;
    std::size_t flushes;
  };
  const std::vector<Run> runs = {
      {"the defaults", simple(200, 2, 4), {4'000, 10, 100, 7}, 2'000},
      {"trigger 1, ratio 100", simple(100, 1, 3), {4'000, 10, 100, 11}, 2'000},
      {"trigger 4, ratio 300, six levels", simple(300, 4, 6), {4'000, 8, 100, 13}, 2'000},
      {"one level", simple(200, 2, 1), {2'000, 10, 100, 17}, 1'000},
      {"no level: L0 only", simple(200, 2, 0), {1'000, 5, 100, 19}, 1'000},
      {"a small key space: most writes overwrite", simple(200, 2, 4), {200, 10, 100, 23}, 2'000},
  };
  for (const Run& run : runs) {
    INFO(run.name);
    const SimpleLeveledCompactionController controller(run.options);
    CompactionSimulation simulation(controller, simple_strategy(run.options), run.workload);
    std::set<std::uint64_t> flushed;
    std::size_t deepest = 0;
    for (std::size_t flush = 1; flush <= run.flushes; ++flush) {
      const std::size_t id = simulation.flush();
      const std::set<std::uint64_t>& keys = simulation.keys_of(id);
      flushed.insert(keys.begin(), keys.end());
      INFO("flush " << flush);
      // Each task empties its upper level, so one flush sets off at most one task per level; a
      // controller that proposes more loops, and settle() throws.
      std::size_t ran = 0;
      REQUIRE_NOTHROW(ran = simulation.settle(run.options.max_levels + 1));
      INFO("level sizes: " << sizes(simulation.state()));
      REQUIRE(shape_problem(simulation.state(), run.options) == "");
      if (ran > 0) {  // only compactions change the levels; a flush alone only adds to L0
        REQUIRE(structure_problem(simulation.state()) == "");
      }
      for (const Level& level : simulation.state().levels) {
        deepest = level.sst_ids.empty() ? deepest : std::max(deepest, level.id);
      }
      if (flush % 250 == 0) {
        REQUIRE(lost_key(simulation, flushed) == "");
      }
    }
    CHECK(structure_problem(simulation.state()) == "");
    CHECK(lost_key(simulation, flushed) == "");
    // Data went all the way down (with no level, it all stays in L0).
    CHECK(deepest == run.options.max_levels);
    if (run.options.max_levels == 0) {
      CHECK(simulation.state().l0_sstables.size() == run.flushes);
    }
  }
}

TEST_CASE("simple leveled over many flushes: every task takes two whole adjacent levels",
          "[w2d2][simple-leveled][simulation]") {
  const SimpleLeveledCompactionOptions options = simple(200, 2, 4);
  const SimpleLeveledCompactionController controller(options);
  CompactionSimulation simulation(controller, simple_strategy(options),
                                  CompactionSimulation::Workload{4'000, 10, 100, 29});
  std::size_t bottom_tasks = 0;
  for (std::size_t flush = 1; flush <= 1'000; ++flush) {
    simulation.flush();
    for (std::size_t ran = 0;; ++ran) {
      const LsmState before = simulation.state();
      const std::optional<CompactionTask> task = simulation.step();
      if (!task) {
        break;
      }
      REQUIRE(ran < options.max_levels);
      INFO("flush " << flush << ", tree " << shape(before) << ", task " << text(task));
      REQUIRE(std::holds_alternative<LevelCompactionTask>(*task));
      const auto& level = std::get<LevelCompactionTask>(*task);
      const std::size_t upper = level.upper_level.value_or(0);
      CHECK(level.lower_level == upper + 1);
      CHECK(level.upper_level_sst_ids ==
            (upper == 0 ? before.l0_sstables : before.levels.at(upper - 1).sst_ids));
      CHECK(level.lower_level_sst_ids == before.levels.at(level.lower_level - 1).sst_ids);
      CHECK(level.is_lower_level_bottom_level == (level.lower_level == options.max_levels));
      bottom_tasks += level.is_lower_level_bottom_level ? 1 : 0;
    }
  }
  CHECK(bottom_tasks > 0);
}
