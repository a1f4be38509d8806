// Week 2 day 4: the leveled compaction controller, on trees of metadata-only SSTs.
//
// Trees are written as tables: every SST has an id, a size in bytes and a key range, and a task
// or a state is compared with its exact text (describe() and shape() below), so that a failure
// shows the whole of it.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "harness/catch.hpp"
#include "harness/trees.hpp"
#include "mini_lsm/compaction/leveled.hpp"
#include "mini_lsm/compaction/simulation.hpp"
#include "mini_lsm/compaction/task.hpp"
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
using mini_lsm::LeveledCompactionController;
using mini_lsm::LeveledCompactionOptions;
using mini_lsm::LsmState;
using mini_lsm::SsTable;
using mini_lsm::TieredCompactionTask;

namespace {

// One metadata-only SST of a test tree.
struct Sst {
  std::size_t id;
  std::uint64_t bytes;
  std::string first_key;
  std::string last_key;
};

// A leveled tree: `l0` newest first, then `levels[i]` is L(i+1) in key order.
LsmState make_state(const std::vector<Sst>& l0, const std::vector<std::vector<Sst>>& levels) {
  LsmState state;
  const auto add = [&](const Sst& sst) {
    state.sstables.emplace(
        sst.id, SsTable::create_meta_only(sst.id, sst.bytes, sst.first_key, sst.last_key));
    return sst.id;
  };
  for (const Sst& sst : l0) {
    state.l0_sstables.push_back(add(sst));
  }
  for (std::size_t index = 0; index < levels.size(); ++index) {
    Level level{index + 1, {}};
    for (const Sst& sst : levels[index]) {
      level.sst_ids.push_back(add(sst));
    }
    state.levels.push_back(level);
  }
  return state;
}

// A tree whose levels each hold one SST of the given size (none when the size is 0), with
// disjoint key ranges; ids are 100 + the level's number.
LsmState levels_of_size(const std::vector<std::uint64_t>& sizes) {
  std::vector<std::vector<Sst>> levels;
  for (std::size_t index = 0; index < sizes.size(); ++index) {
    const std::string key(1, static_cast<char>('a' + index));
    levels.push_back({});
    if (sizes[index] > 0) {
      levels.back().push_back(Sst{101 + index, sizes[index], key, key});
    }
  }
  return make_state({}, levels);
}

LeveledCompactionOptions leveled(std::size_t multiplier, std::size_t trigger,
                                 std::size_t max_levels, std::size_t base_bytes) {
  LeveledCompactionOptions options;
  options.level_size_multiplier = multiplier;
  options.level0_file_num_compaction_trigger = trigger;
  options.max_levels = max_levels;
  options.base_level_size_bytes = base_bytes;
  return options;
}

// The structure of a state as text: "L0 [9] | L1 [1] | L2 [2 10 11 5]".
std::string shape(const LsmState& state) {
  return mini_lsm::testing::tree_shape(state, " | ");
}

// The controller's next task as describe() writes it, or "none".
std::string next_task(const LeveledCompactionController& controller, const LsmState& state) {
  const std::optional<CompactionTask> task = controller.generate_task(state);
  return task ? describe(*task) : "none";
}

// The task the controller proposes; fails the test when there is none.
LevelCompactionTask task_of(const LeveledCompactionController& controller, const LsmState& state) {
  const std::optional<CompactionTask> task = controller.generate_task(state);
  REQUIRE(task.has_value());
  REQUIRE(std::holds_alternative<LevelCompactionTask>(*task));
  return std::get<LevelCompactionTask>(*task);
}

// `state` with output SSTs added to its sstables, as the engine does before apply_result().
LsmState with_output(LsmState state, const std::vector<Sst>& output) {
  for (const Sst& sst : output) {
    state.sstables.emplace(
        sst.id, SsTable::create_meta_only(sst.id, sst.bytes, sst.first_key, sst.last_key));
  }
  return state;
}

}  // namespace

TEST_CASE("target sizes come from the last level's size, divided going up while above the base",
          "[w2d4][leveled][targets]") {
  struct Row {
    const char* what;
    LeveledCompactionOptions options;
    std::vector<std::uint64_t> level_sizes;  // L1..Lmax
    std::vector<std::uint64_t> targets;
  };
  const std::vector<Row> rows = {
      {"empty tree: the last level's target is the base size, the others 0",
       leveled(10, 4, 4, 100),
       {0, 0, 0, 0},
       {0, 0, 0, 100}},
      {"last level exactly at the base size: nothing above it yet",
       leveled(10, 4, 4, 100),
       {0, 0, 0, 100},
       {0, 0, 0, 100}},
      {"last level one byte over the base size: L3 gets a target",
       leveled(10, 4, 4, 100),
       {0, 0, 0, 101},
       {0, 0, 10, 101}},
      {"L3's target equal to the base size: L2 stays at 0",
       leveled(10, 4, 4, 100),
       {0, 0, 0, 1000},
       {0, 0, 100, 1000}},
      {"L3's target one over the base: L2 gets one",
       leveled(10, 4, 4, 100),
       {0, 0, 0, 1010},
       {0, 10, 101, 1010}},
      {"a big last level gives every level a target",
       leveled(10, 4, 4, 100),
       {0, 0, 0, 100001},
       {100, 1000, 10000, 100001}},
      {"division rounds down", leveled(10, 4, 4, 100), {0, 0, 0, 1999}, {0, 19, 199, 1999}},
      {"only the last level's size counts",
       leveled(10, 4, 4, 100),
       {500, 70, 0, 50},
       {0, 0, 0, 100}},
      {"one level: its target is max(size, base)", leveled(10, 4, 1, 100), {250}, {250}},
      {"no levels: no targets", leveled(10, 4, 0, 100), {}, {}},
      {"base 0 on an empty tree: every target 0", leveled(2, 4, 4, 0), {0, 0, 0, 0}, {0, 0, 0, 0}},
      {"base 0: division goes up until it reaches 0",
       leveled(2, 4, 4, 0),
       {0, 0, 0, 5},
       {0, 1, 2, 5}},
      {"multiplier 1: every level gets the last level's target",
       leveled(1, 4, 3, 100),
       {0, 0, 300},
       {300, 300, 300}},
  };
  for (const Row& row : rows) {
    INFO(row.what);
    const LeveledCompactionController controller(row.options);
    CHECK(controller.target_sizes(levels_of_size(row.level_sizes)) == row.targets);
  }

  // A level's size is the sum of the file sizes of all its SSTs.
  const LeveledCompactionController controller(leveled(2, 4, 2, 10));
  const LsmState two_ssts = make_state({}, {{}, {{1, 30, "a", "b"}, {2, 12, "c", "d"}}});
  CHECK(controller.target_sizes(two_ssts) == std::vector<std::uint64_t>{21, 42});
}

TEST_CASE("target sizes reject a multiplier of 0 and a state without the levels L1..Lmax",
          "[w2d4][leveled][targets]") {
  CHECK_THROWS_AS(
      LeveledCompactionController(leveled(0, 4, 4, 100)).target_sizes(levels_of_size({0, 0, 0, 0})),
      InvalidArgument);
  const LeveledCompactionController controller(leveled(10, 4, 4, 100));
  CHECK_THROWS_AS(controller.target_sizes(levels_of_size({0, 0, 0})), InvalidArgument);
  LsmState renumbered = levels_of_size({0, 0, 0, 0});
  renumbered.levels[1].id = 7;
  CHECK_THROWS_AS(controller.target_sizes(renumbered), InvalidArgument);
  CHECK_THROWS_AS(controller.generate_task(renumbered), InvalidArgument);
}

TEST_CASE("the base level moves up, never down, as the last level grows",
          "[w2d4][leveled][targets]") {
  CompactionOptions options;
  options.strategy = CompactionStrategy::kLeveled;
  options.leveled = leveled(2, 2, 4, 1000);
  const LeveledCompactionController controller(options.leveled);
  // 10 keys of 10 bytes: 100 bytes an SST. L1 gets a target once L4 holds over 4000 bytes.
  CompactionSimulation simulation(controller, options, {2000, 10, 10, 7});
  std::vector<std::size_t> bases;  // the base level after each flush, when it changed
  for (int flush = 0; flush < 400; ++flush) {
    simulation.flush();
    simulation.settle();
    const std::vector<std::uint64_t> targets = controller.target_sizes(simulation.state());
    const auto first_nonzero =
        std::find_if(targets.begin(), targets.end(), [](std::uint64_t t) { return t > 0; });
    const std::size_t base = static_cast<std::size_t>(first_nonzero - targets.begin()) + 1;
    if (bases.empty() || bases.back() != base) {
      bases.push_back(base);
    }
  }
  CHECK(bases == std::vector<std::size_t>{4, 3, 2, 1});
}

TEST_CASE("L0 is compacted once it holds the trigger's number of SSTs, all of it, newest first",
          "[w2d4][leveled][l0]") {
  const LeveledCompactionController controller(leveled(10, 3, 3, 1000));
  const Sst l0_1{1, 10, "c", "f"};
  const Sst l0_2{2, 10, "a", "d"};
  const Sst l0_3{3, 10, "m", "p"};
  // Fewer than the trigger: nothing to do.
  CHECK(next_task(controller, make_state({l0_2, l0_1}, {{}, {}, {}})) == "none");
  // At the trigger, on an empty tree, L0 goes to the last level, the base level.
  CHECK(next_task(controller, make_state({l0_3, l0_2, l0_1}, {{}, {}, {}})) ==
        "L0 [3 2 1] + L3 [] -> L3 (bottom)");
  // Above the trigger (a flush came first), still all of L0, in the state's order.
  CHECK(next_task(controller, make_state({{9, 10, "z", "z"}, l0_3, l0_2, l0_1}, {{}, {}, {}})) ==
        "L0 [9 3 2 1] + L3 [] -> L3 (bottom)");
}

TEST_CASE("a trigger of 0 or 1 compacts L0 as soon as it holds one SST, never an empty L0",
          "[w2d4][leveled][l0]") {
  for (const std::size_t trigger : {0, 1}) {
    INFO("trigger " << trigger);
    const LeveledCompactionController controller(leveled(10, trigger, 2, 1000));
    CHECK(next_task(controller, make_state({}, {{}, {}})) == "none");
    CHECK(next_task(controller, make_state({{4, 10, "a", "b"}}, {{}, {}})) ==
          "L0 [4] + L2 [] -> L2 (bottom)");
  }
}

TEST_CASE("L0 goes into the base level, which is the last level only while the tree is small",
          "[w2d4][leveled][l0]") {
  const LeveledCompactionController controller(leveled(10, 1, 4, 100));
  const Sst flushed{50, 10, "a", "z"};
  struct Row {
    std::uint64_t bottom_bytes;
    const char* task;
  };
  const std::vector<Row> rows = {
      {100, "L0 [50] + L4 [4] -> L4 (bottom)"},
      {101, "L0 [50] + L3 [] -> L3"},
      {1010, "L0 [50] + L2 [] -> L2"},
      {10100, "L0 [50] + L1 [] -> L1"},
  };
  for (const Row& row : rows) {
    INFO("last level of " << row.bottom_bytes << " bytes");
    const LsmState state = make_state({flushed}, {{}, {}, {}, {{4, row.bottom_bytes, "m", "m"}}});
    CHECK(next_task(controller, state) == row.task);
  }
}

TEST_CASE("L0 takes the base level's SSTs that overlap the union of its key ranges, edges included",
          "[w2d4][leveled][overlap]") {
  const LeveledCompactionController controller(leveled(10, 2, 1, 1'000'000));
  // L0 covers [c, h] as a whole, with a gap (e, g) that no L0 SST covers.
  const std::vector<Sst> l0 = {{21, 10, "g", "h"}, {20, 10, "c", "e"}};
  const std::vector<Sst> l1 = {
      {1, 10, "a", "bz"},     // ends just before c: "bz" < "c"
      {2, 10, "bza", "c"},    // ends on c: overlaps
      {3, 10, "ca", "d"},     // inside
      {4, 10, "f", "f"},      // in the gap between the L0 SSTs, but inside the union
      {5, 10, "h", "h"},      // starts on h: overlaps
      {6, 10, "h\x01", "k"},  // starts just after h
  };
  CHECK(next_task(controller, make_state(l0, {l1})) == "L0 [21 20] + L1 [2 3 4 5] -> L1 (bottom)");
  // Keys are compared as bytes: 0xff sorts after every letter.
  const std::vector<Sst> high = {{7, 10, "\xff", "\xff\xff"}};
  CHECK(next_task(controller, make_state(l0, {high})) == "L0 [21 20] + L1 [] -> L1 (bottom)");
  CHECK(next_task(controller, make_state({{22, 10, "\xff", "\xff"}, {20, 10, "c", "e"}},
                                         {{{1, 10, "a", "bz"}, {7, 10, "d", "\xfe"}}})) ==
        "L0 [22 20] + L1 [7] -> L1 (bottom)");
}

TEST_CASE("below the L0 trigger, the level furthest above its target is compacted first",
          "[w2d4][leveled][priority]") {
  // multiplier 2, base 100, last level L4 of 800 bytes: targets 100, 200, 400, 800.
  const LeveledCompactionController controller(leveled(2, 4, 4, 100));
  const auto tree = [](std::uint64_t l1, std::uint64_t l2, std::uint64_t l3) {
    return make_state(
        {},
        {{{11, l1, "a", "b"}}, {{21, l2, "a", "b"}}, {{31, l3, "a", "b"}}, {{41, 800, "a", "b"}}});
  };
  struct Row {
    const char* what;
    std::uint64_t l1, l2, l3;
    const char* task;
  };
  const std::vector<Row> rows = {
      {"every level at its target: nothing", 100, 200, 400, "none"},
      {"L3 one byte over", 100, 200, 401, "L3 [31] + L4 [41] -> L4 (bottom)"},
      {"L1 at 3x beats L2 at 2x", 300, 400, 400, "L1 [11] + L2 [21] -> L2"},
      {"L2 at 2x beats L1 at 1.5x", 150, 400, 400, "L2 [21] + L3 [31] -> L3"},
      {"a tie goes to the upper level", 200, 400, 800, "L1 [11] + L2 [21] -> L2"},
      {"a tie between L2 and L3", 100, 600, 1200, "L2 [21] + L3 [31] -> L3"},
      {"the ratio counts, not the bytes over", 100, 300, 560, "L2 [21] + L3 [31] -> L3"},
  };
  for (const Row& row : rows) {
    INFO(row.what);
    CHECK(next_task(controller, tree(row.l1, row.l2, row.l3)) == row.task);
  }
}

TEST_CASE("a level above the base level that holds data is drained before any other level",
          "[w2d4][leveled][priority]") {
  // base 1000, multiplier 10, last level 2000 bytes: targets 0, 0, 200, 2000; base level L3.
  const LeveledCompactionController controller(leveled(10, 4, 4, 1000));
  REQUIRE(controller.target_sizes(levels_of_size({0, 0, 0, 2000})) ==
          std::vector<std::uint64_t>{0, 0, 200, 2000});
  // L3 at 50x its target, yet L2 (target 0) goes first.
  CHECK(next_task(controller, levels_of_size({0, 1, 10'000, 2000})) == "L2 [102] + L3 [] -> L3");
  // Two levels above the base: the upper one first.
  CHECK(next_task(controller, levels_of_size({5, 1, 0, 2000})) == "L1 [101] + L2 [] -> L2");
  // L0 at its trigger still comes before them.
  const LsmState with_l0 =
      make_state({{60, 1, "a", "a"}, {59, 1, "a", "a"}, {58, 1, "a", "a"}, {57, 1, "a", "a"}},
                 {{{101, 5, "a", "a"}}, {{102, 1, "b", "b"}}, {}, {{104, 2000, "d", "d"}}});
  CHECK(next_task(controller, with_l0) == "L0 [60 59 58 57] + L3 [] -> L3");
}

TEST_CASE("L0 at its trigger comes before a level above its target", "[w2d4][leveled][priority]") {
  const LeveledCompactionController controller(leveled(2, 2, 2, 100));
  // targets 100, 200: L1 is at 5x.
  const std::vector<std::vector<Sst>> levels = {{{1, 500, "a", "b"}}, {{2, 200, "a", "b"}}};
  CHECK(next_task(controller, make_state({{9, 1, "x", "y"}}, levels)) ==
        "L1 [1] + L2 [2] -> L2 (bottom)");
  CHECK(next_task(controller, make_state({{9, 1, "x", "y"}, {8, 1, "x", "y"}}, levels)) ==
        "L0 [9 8] + L1 [] -> L1");
}

TEST_CASE(
    "a level compaction takes the level's oldest SST and the next level's SSTs overlapping it",
    "[w2d4][leveled][overlap]") {
  const LeveledCompactionController controller(leveled(10, 4, 2, 100));
  // targets: L1 = 1000 / 10 = 100, L2 = 1000; L1 holds 300.
  const std::vector<Sst> l2 = {{1, 200, "a", "c"},
                               {2, 200, "d", "f"},
                               {3, 200, "g", "i"},
                               {4, 200, "j", "l"},
                               {5, 200, "m", "o"}};
  struct Row {
    const char* what;
    std::vector<Sst> l1;
    const char* task;
  };
  const std::vector<Row> rows = {
      {"the smallest id, not the first key",
       {{12, 100, "a", "b"}, {9, 100, "f", "j"}, {15, 100, "p", "q"}},
       "L1 [9] + L2 [2 3 4] -> L2 (bottom)"},
      {"an SST inside one lower SST", {{7, 300, "h", "h"}}, "L1 [7] + L2 [3] -> L2 (bottom)"},
      {"touching the first key of a lower SST",
       {{7, 300, "c\x01", "d"}},
       "L1 [7] + L2 [2] -> L2 (bottom)"},
      {"touching the last key of a lower SST",
       {{7, 300, "c", "c\x01"}},
       "L1 [7] + L2 [1] -> L2 (bottom)"},
      {"between two lower SSTs, touching neither",
       {{7, 300, "i\x01", "iz"}},
       "L1 [7] + L2 [] -> L2 (bottom)"},
      {"past every lower SST", {{7, 300, "p", "z"}}, "L1 [7] + L2 [] -> L2 (bottom)"},
      {"before every lower SST", {{7, 300, "", "\x01"}}, "L1 [7] + L2 [] -> L2 (bottom)"},
      {"spanning every lower SST",
       {{7, 300, "", "\xff"}},
       "L1 [7] + L2 [1 2 3 4 5] -> L2 (bottom)"},
  };
  for (const Row& row : rows) {
    INFO(row.what);
    CHECK(next_task(controller, make_state({}, {row.l1, l2})) == row.task);
  }
}

TEST_CASE("a level above its target compacts into an empty next level",
          "[w2d4][leveled][overlap]") {
  // targets: 0, 0, 1000 (base 1000): L2 holds data above the base, L3 is empty.
  const LeveledCompactionController controller(leveled(10, 4, 3, 1000));
  CHECK(next_task(controller, make_state({}, {{}, {{8, 5, "a", "b"}, {6, 5, "c", "d"}}, {}})) ==
        "L2 [6] + L3 [] -> L3 (bottom)");
  // An empty tree, or one with every level in shape, has nothing to do.
  CHECK(next_task(controller, make_state({}, {{}, {}, {}})) == "none");
  CHECK(next_task(controller, make_state({}, {{}, {}, {{1, 5000, "a", "z"}}})) == "none");
}

TEST_CASE("with no levels, L0 is never compacted", "[w2d4][leveled][l0]") {
  const LeveledCompactionController controller(leveled(10, 1, 0, 100));
  CHECK(next_task(controller, make_state({{2, 10, "a", "b"}, {1, 10, "a", "b"}}, {})) == "none");
}

TEST_CASE("applying an L0 compaction keeps the SSTs flushed meanwhile and sorts the base level",
          "[w2d4][leveled][apply]") {
  const LeveledCompactionController controller(leveled(10, 2, 2, 1000));
  const std::vector<std::vector<Sst>> levels = {
      {}, {{1, 100, "a", "c"}, {2, 100, "d", "f"}, {3, 100, "k", "m"}, {4, 100, "t", "v"}}};
  const LsmState before = make_state({{6, 10, "e", "g"}, {5, 10, "b", "e"}}, levels);
  const LevelCompactionTask task = task_of(controller, before);
  REQUIRE(describe(CompactionTask{task}) == "L0 [6 5] + L2 [1 2] -> L2 (bottom)");

  // Two flushes happened while the compaction ran.
  LsmState now = make_state(
      {{9, 10, "a", "z"}, {8, 10, "a", "z"}, {6, 10, "e", "g"}, {5, 10, "b", "e"}}, levels);
  // The output comes in key order; it lands between the SSTs the task left in L2.
  now = with_output(now, {{10, 50, "a", "b"}, {11, 50, "c", "e"}, {12, 50, "f", "g"}});
  const AppliedCompaction applied = controller.apply_result(now, task, {10, 11, 12}, false);
  CHECK(shape(applied.state) == "L0 [9 8] | L1 [] | L2 [10 11 12 3 4]");
  CHECK(applied.removed_sst_ids == std::vector<std::size_t>{6, 5, 1, 2});
  // apply_result() leaves the removed SSTs in sstables: the engine drops them.
  CHECK(applied.state.sstables.size() == now.sstables.size());
}

TEST_CASE("applying a level compaction sorts the lower level by first key, output included",
          "[w2d4][leveled][apply]") {
  const LeveledCompactionController controller(leveled(10, 4, 2, 100));
  // L1 holds 300 bytes, its target is 100.
  const LsmState before = make_state(
      {}, {{{4, 150, "d", "f"}, {7, 150, "p", "r"}},
           {{2, 300, "a", "b"}, {3, 300, "d", "e"}, {5, 300, "f", "g"}, {6, 100, "x", "z"}}});
  const LevelCompactionTask task = task_of(controller, before);
  REQUIRE(describe(CompactionTask{task}) == "L1 [4] + L2 [3 5] -> L2 (bottom)");

  const LsmState now =
      with_output(before, {{10, 200, "d", "dz"}, {11, 200, "e", "f"}, {12, 200, "fa", "g"}});
  const AppliedCompaction applied = controller.apply_result(now, task, {10, 11, 12}, false);
  CHECK(shape(applied.state) == "L0 [] | L1 [7] | L2 [2 10 11 12 6]");
  CHECK(applied.removed_sst_ids == std::vector<std::size_t>{4, 3, 5});

  // A lower level that held nothing yet: the output is all of it, still sorted by first key
  // even when the output ids are not in key order.
  const LsmState empty_lower = make_state({}, {{{4, 150, "d", "f"}, {7, 150, "p", "r"}}, {}});
  const LevelCompactionTask into_empty{1, {4}, 2, {}, true};
  const AppliedCompaction filled =
      controller.apply_result(with_output(empty_lower, {{21, 1, "m", "n"}, {20, 1, "a", "b"}}),
                              into_empty, {21, 20}, false);
  CHECK(shape(filled.state) == "L0 [] | L1 [7] | L2 [20 21]");
  CHECK(filled.removed_sst_ids == std::vector<std::size_t>{4});
}

TEST_CASE("a compaction whose output is empty empties the SSTs it took", "[w2d4][leveled][apply]") {
  const LeveledCompactionController controller(leveled(10, 4, 2, 100));
  // Every key was a tombstone, dropped at the bottom: no output.
  const LsmState state = make_state({}, {{{4, 300, "d", "f"}}, {{3, 300, "d", "e"}}});
  const LevelCompactionTask task = task_of(controller, state);
  REQUIRE(describe(CompactionTask{task}) == "L1 [4] + L2 [3] -> L2 (bottom)");
  const AppliedCompaction applied = controller.apply_result(state, task, {}, false);
  CHECK(shape(applied.state) == "L0 [] | L1 [] | L2 []");
  CHECK(applied.removed_sst_ids == std::vector<std::size_t>{4, 3});
  CHECK(next_task(controller, applied.state) == "none");
}

TEST_CASE("in recovery, apply_result uses only ids and appends the output unsorted",
          "[w2d4][leveled][apply]") {
  const LeveledCompactionController controller(leveled(10, 4, 2, 100));
  // Replay knows ids only: no SST is open, sstables is empty.
  LsmState state;
  state.l0_sstables = {9, 6, 5};
  state.levels = {Level{1, {1}}, Level{2, {3, 4, 7}}};
  const LevelCompactionTask from_l0{std::nullopt, {6, 5}, 2, {4}, true};
  const AppliedCompaction applied = controller.apply_result(state, from_l0, {12, 10}, true);
  CHECK(shape(applied.state) == "L0 [9] | L1 [1] | L2 [3 7 12 10]");
  CHECK(applied.removed_sst_ids == std::vector<std::size_t>{6, 5, 4});

  const LevelCompactionTask from_l1{1, {1}, 2, {3}, true};
  const AppliedCompaction second = controller.apply_result(applied.state, from_l1, {13}, true);
  CHECK(shape(second.state) == "L0 [9] | L1 [] | L2 [7 12 10 13]");
  CHECK(second.removed_sst_ids == std::vector<std::size_t>{1, 3});
}

TEST_CASE("apply_result rejects a task that does not match the state", "[w2d4][leveled][apply]") {
  const LeveledCompactionController controller(leveled(10, 4, 3, 100));
  const LsmState state = make_state(
      {{9, 10, "a", "b"}, {8, 10, "a", "b"}},
      {{{1, 10, "a", "b"}}, {{2, 10, "a", "b"}, {3, 10, "c", "d"}}, {{4, 10, "a", "z"}}});
  struct Row {
    const char* what;
    CompactionTask task;
  };
  const std::vector<Row> rows = {
      {"an L0 SST already compacted", LevelCompactionTask{std::nullopt, {9, 7}, 1, {1}, false}},
      {"an upper SST in another level", LevelCompactionTask{1, {2}, 2, {}, false}},
      {"a lower SST in another level", LevelCompactionTask{1, {1}, 2, {4}, false}},
      {"a lower SST that is gone", LevelCompactionTask{2, {3}, 3, {5}, true}},
      {"a lower level that does not exist", LevelCompactionTask{3, {4}, 4, {}, true}},
      {"lower level 0", LevelCompactionTask{std::nullopt, {9}, 0, {}, false}},
      {"a lower level that is not the next one", LevelCompactionTask{1, {1}, 3, {4}, true}},
      {"an upper level below the lower one", LevelCompactionTask{3, {4}, 2, {2}, false}},
      {"no upper SST", LevelCompactionTask{1, {}, 2, {2}, false}},
      {"a full compaction", FullCompactionTask{{9, 8}, state.levels}},
      {"a tiered compaction", TieredCompactionTask{{Level{1, {1}}}, false}},
  };
  for (const Row& row : rows) {
    INFO(row.what);
    CHECK_THROWS_AS(controller.apply_result(state, row.task, {50}, false), InvalidArgument);
    CHECK_THROWS_AS(controller.apply_result(state, row.task, {50}, true), InvalidArgument);
  }
  // The same task, applied twice: the second time its SSTs are gone.
  const LsmState with_l0 =
      make_state({{9, 10, "a", "b"}, {8, 10, "a", "b"}, {7, 10, "a", "b"}, {6, 10, "a", "b"}},
                 {{}, {}, {{4, 10, "a", "z"}}});
  const LevelCompactionTask task = task_of(controller, with_l0);
  REQUIRE(describe(CompactionTask{task}) == "L0 [9 8 7 6] + L3 [4] -> L3 (bottom)");
  const AppliedCompaction once =
      controller.apply_result(with_output(with_l0, {{50, 10, "a", "z"}}), task, {50}, false);
  REQUIRE(shape(once.state) == "L0 [] | L1 [] | L2 [] | L3 [50]");
  CHECK_THROWS_AS(controller.apply_result(once.state, task, {51}, false), InvalidArgument);
}

namespace {

// What a leveled tree must satisfy after every step: every level below L0 is in key order and
// no two of its SSTs share a key. Returns the first violation, or "" when there is none.
std::string unsorted_level(const LsmState& state) {
  for (const Level& level : state.levels) {
    for (std::size_t index = 1; index < level.sst_ids.size(); ++index) {
      const SsTable& before = *state.sstables.at(level.sst_ids[index - 1]);
      const SsTable& after = *state.sstables.at(level.sst_ids[index]);
      if (before.last_key() >= after.first_key()) {
        return "L" + std::to_string(level.id) + ": SST " + std::to_string(before.id()) + " [" +
               before.first_key() + ", " + before.last_key() + "] then SST " +
               std::to_string(after.id()) + " [" + after.first_key() + ", " + after.last_key() +
               "]";
      }
    }
  }
  return "";
}

std::set<std::uint64_t> stored_keys(const CompactionSimulation& simulation) {
  std::set<std::uint64_t> keys;
  for (const auto& [id, table] : simulation.state().sstables) {
    const std::set<std::uint64_t>& held = simulation.keys_of(id);
    keys.insert(held.begin(), held.end());
  }
  return keys;
}

}  // namespace

TEST_CASE("thousands of flushes keep every level sorted, settle, and lose no key",
          "[w2d4][leveled][simulation]") {
  struct Row {
    const char* what;
    LeveledCompactionOptions options;
    CompactionSimulation::Workload workload;
    int flushes;
  };
  const std::vector<Row> rows = {
      {"four levels", leveled(4, 4, 4, 100), {1000, 20, 5, 1}, 1500},
      {"five levels, multiplier 2, trigger 2", leveled(2, 2, 5, 200), {1000, 20, 5, 2}, 1000},
      {"one level", leveled(10, 3, 1, 1000), {300, 20, 5, 3}, 500},
      {"tiny key space: overwrites shrink the levels",
       leveled(3, 2, 3, 200),
       {100, 10, 10, 4},
       1000},
  };
  for (const Row& row : rows) {
    INFO(row.what);
    CompactionOptions options;
    options.strategy = CompactionStrategy::kLeveled;
    options.leveled = row.options;
    const LeveledCompactionController controller(row.options);
    CompactionSimulation simulation(controller, options, row.workload);
    std::set<std::uint64_t> written;
    for (int flush = 0; flush < row.flushes; ++flush) {
      const std::set<std::uint64_t>& keys = simulation.keys_of(simulation.flush());
      written.insert(keys.begin(), keys.end());
      // Step by hand (as settle() does) to check the tree after every compaction.
      for (std::size_t steps = 0; simulation.step(); ++steps) {
        const std::string violation = unsorted_level(simulation.state());
        if (!violation.empty() || steps >= 1000) {
          FAIL("after flush " << flush << " and " << steps + 1 << " compactions: " << violation);
        }
      }
      const LsmState& state = simulation.state();
      REQUIRE(state.l0_sstables.size() <
              std::max<std::size_t>(1, row.options.level0_file_num_compaction_trigger));
      const std::vector<std::uint64_t> targets = controller.target_sizes(state);
      for (std::size_t index = 0; index + 1 < state.levels.size(); ++index) {
        std::uint64_t bytes = 0;
        for (const std::size_t id : state.levels[index].sst_ids) {
          bytes += state.sstables.at(id)->file_size();
        }
        INFO("after flush " << flush << ", L" << index + 1);
        REQUIRE(bytes <= targets[index]);
      }
      if (flush % 200 == 0) {
        REQUIRE(stored_keys(simulation) == written);
      }
    }
    CHECK(simulation.settle() == 0);
    CHECK(stored_keys(simulation) == written);
    CHECK(simulation.compactions() > 0);
  }
}
