// Tests of crash_test.hpp: what ./x crash-test accepts as the state a killed writer left.
#include "../src/crash_test.hpp"

#include <map>
#include <string>

#include "../../tests/harness/catch.hpp"

using xtask::batch_command;
using xtask::batch_slot_key;
using xtask::check_recovered;
using xtask::check_recovered_batches;
using xtask::crash_key;
using xtask::crash_value;
using xtask::missing_chapter;
using xtask::parse_scan_output;

namespace {

// Writes 0..count-1 of a round's history, as a scan would find them.
std::map<std::string, std::string> history_prefix(std::uint64_t count) {
  std::map<std::string, std::string> entries;
  for (std::uint64_t i = 0; i < count; ++i) {
    entries[crash_key(i)] = crash_value(i);
  }
  return entries;
}

// Batches 0..count-1 of a --batch round, as a scan would find them: each batch's own key, and
// the slots with the newest batch's marker.
std::map<std::string, std::string> batch_prefix(std::uint64_t count) {
  std::map<std::string, std::string> entries = history_prefix(count);
  for (int slot = 0; count > 0 && slot < xtask::kBatchSlots; ++slot) {
    entries[batch_slot_key(slot)] = crash_value(count - 1);
  }
  return entries;
}

}  // namespace

TEST_CASE("crash-test keys and values are zero-padded so that a scan lists them in write order",
          "[xtask][crash-test]") {
  CHECK(crash_key(42) == "key_000042");
  CHECK(crash_value(7) == "value_000007");
  CHECK(crash_key(9) < crash_key(10));
}

TEST_CASE("crash-test reads a scan's entries, skips recovered: lines and checks the count",
          "[xtask][crash-test]") {
  const auto entries = parse_scan_output(
      "recovered: replayed 0.wal: 2 records, 60 bytes\n"
      "key_000000=value_000000\n"
      "key_000001=value_000001\n"
      "2 keys\n");
  REQUIRE(entries.has_value());
  CHECK(*entries == history_prefix(2));
  CHECK(parse_scan_output("0 keys\n") == std::map<std::string, std::string>{});
  CHECK_FALSE(parse_scan_output("key_000000=value_000000\n3 keys\n").has_value());
  CHECK_FALSE(parse_scan_output("error: corruption in /d/0.wal at byte 16: ...\n").has_value());
  CHECK_FALSE(parse_scan_output("key_000000=value_000000\n").has_value());  // no count: cut off
}

TEST_CASE("crash-test accepts any prefix of the history at least as long as the promise",
          "[xtask][crash-test]") {
  for (std::uint64_t found = 5; found <= 8; ++found) {
    const auto verdict = check_recovered(history_prefix(found), 8, 5);
    INFO(found);
    CHECK(verdict.ok());
    CHECK(verdict.present == found);
    CHECK(verdict.lost == 0);
  }
}

TEST_CASE("crash-test counts a promised write that is missing as lost", "[xtask][crash-test]") {
  const auto verdict = check_recovered(history_prefix(3), 10, 6);
  CHECK_FALSE(verdict.ok());
  CHECK(verdict.present == 3);
  CHECK(verdict.lost == 3);
  REQUIRE(verdict.problems.size() == 1);
  CHECK(verdict.problems[0] ==
        "lost: key_000003 is missing, and 6 writes were promised durable (3 found in order)");
}

TEST_CASE("crash-test rejects a hole, a wrong value and a key the history never wrote",
          "[xtask][crash-test]") {
  auto hole = history_prefix(6);
  hole.erase(crash_key(2));
  const auto with_hole = check_recovered(hole, 6, 2);
  CHECK_FALSE(with_hole.ok());
  CHECK(with_hole.lost == 0);  // the promise (2 writes) is kept, but 3..5 after a hole are not
  CHECK(with_hole.problems.size() == 3);
  CHECK(with_hole.problems[0] ==
        "unexpected: key_000003=value_000003 is there although key_000002 is not (not a prefix "
        "of the history)");

  auto wrong = history_prefix(4);
  wrong[crash_key(1)] = "value_999999";
  const auto with_wrong = check_recovered(wrong, 4, 4);
  CHECK(with_wrong.lost == 3);
  CHECK(with_wrong.problems[0] ==
        "lost: key_000001 has the value value_999999, and 4 writes were promised durable (1 "
        "found in order)");

  auto extra = history_prefix(2);
  extra["stranger"] = "x";
  const auto with_extra = check_recovered(extra, 2, 2);
  CHECK_FALSE(with_extra.ok());
  CHECK(with_extra.problems ==
        std::vector<std::string>{
            "unexpected: stranger=x is there although the history has no such write"});
}

TEST_CASE("crash-test names the chapter of a NotImplemented message", "[xtask][crash-test]") {
  CHECK(missing_chapter("error: week 2 day 6: LsmStorage::create_memtable_with_wal is not "
                        "implemented yet (look for TODO(w2d6) in your tree)") == "w2d6");
  CHECK_FALSE(missing_chapter("error: cannot open /x: Permission denied").has_value());
}

TEST_CASE("crash-test --batch sends one line per batch: its own key and every slot, one marker",
          "[xtask][crash-test]") {
  CHECK(batch_command(7) ==
        "batch put key_000007 value_000007 put slot_0 value_000007 put slot_1 value_000007 put "
        "slot_2 value_000007 put slot_3 value_000007");
}

TEST_CASE("crash-test --batch accepts whole batches, a prefix at least as long as the promise",
          "[xtask][crash-test]") {
  for (std::uint64_t found = 3; found <= 6; ++found) {
    INFO(found);
    const auto verdict = check_recovered_batches(batch_prefix(found), 6, 3);
    CHECK(verdict.ok());
    CHECK(verdict.present == found);
  }
  // Nothing promised, nothing found: no slot either.
  CHECK(check_recovered_batches({}, 6, 0).ok());
}

TEST_CASE("crash-test --batch calls a slot of another generation, or a missing slot, torn",
          "[xtask][crash-test]") {
  auto mixed = batch_prefix(4);
  mixed[batch_slot_key(2)] = crash_value(2);  // batch 3 kept in part: slot_2 still has batch 2's
  const auto torn = check_recovered_batches(mixed, 6, 3);
  CHECK_FALSE(torn.ok());
  REQUIRE(torn.problems.size() == 1);
  CHECK(torn.problems[0] ==
        "torn batch: slot_2 has value_000002, but batch 3 is the newest found, so it should have "
        "value_000003");

  auto missing = batch_prefix(2);
  missing.erase(batch_slot_key(0));
  const auto gone = check_recovered_batches(missing, 6, 0);
  REQUIRE(gone.problems.size() == 1);
  CHECK(gone.problems[0] ==
        "torn batch: slot_0 is missing, but batch 1 is the newest found, so it should have "
        "value_000001");

  // Slots without any batch key: a batch's own key was lost while its slots were kept.
  std::map<std::string, std::string> orphan_slots{{batch_slot_key(1), crash_value(0)}};
  const auto orphan = check_recovered_batches(orphan_slots, 6, 0);
  REQUIRE(orphan.problems.size() == 1);
  CHECK(orphan.problems[0] ==
        "torn batch: slot_1 has value_000000, but no batch was found, so it should be missing");

  // A lost promise is reported as in the plain mode, and the slots are checked against what is
  // there.
  const auto lost = check_recovered_batches(batch_prefix(2), 6, 4);
  CHECK(lost.lost == 2);
  CHECK(lost.problems.size() == 1);
}
