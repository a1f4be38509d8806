// Helpers for the tests of week 2: the structure of a tree as text, and an engine's contents
// compared with a model.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/catch.hpp"
#include "harness/collect.hpp"
#include "mini_lsm/bound.hpp"
#include "mini_lsm/concat_iterator.hpp"
#include "mini_lsm/lsm_state.hpp"
#include "mini_lsm/lsm_storage.hpp"

namespace mini_lsm::testing {

/// "[4 3 1]": ids in their order.
inline std::string ids_text(const std::vector<std::size_t>& ids) {
  std::string text = "[";
  for (const std::size_t id : ids) {
    text += (text.size() > 1 ? " " : "") + std::to_string(id);
  }
  return text + "]";
}

/// The structure of a tree in one comparable, printable line, the levels joined by `separator`:
/// "L0 [9] | L1 [] | L2 [4 7]" with " | ".
inline std::string tree_shape(const LsmState& state, std::string_view separator) {
  std::string text = "L0 " + ids_text(state.l0_sstables);
  for (const Level& level : state.levels) {
    text += std::string(separator) + "L" + std::to_string(level.id) + " " + ids_text(level.sst_ids);
  }
  return text;
}

/// Freezes the current memtable and flushes every frozen one (puts freeze full memtables too).
inline void flush_all(LsmStorage& engine) {
  engine.force_freeze_memtable();
  while (!engine.state()->imm_memtables.empty()) {
    engine.force_flush();
  }
}

/// Every entry stored in `level`, tombstones included, read straight from its SSTs.
inline Entries level_entries(const LsmState& state, const Level& level) {
  std::vector<std::shared_ptr<const SsTable>> tables;
  for (const std::size_t id : level.sst_ids) {
    tables.push_back(state.sstables.at(id));
  }
  auto iterator = SstConcatIterator::create_and_seek_to_first(tables);
  return collect(iterator);
}

/// get() of every key of `model`, and an unbounded scan(), both show exactly `model`.
inline void check_engine_matches(const LsmStorage& engine,
                                 const std::map<std::string, std::string>& model) {
  for (const auto& [key, value] : model) {
    INFO("key " << key);
    CHECK(engine.get(key) == std::optional<std::string>(value));
  }
  Entries scanned;
  for (auto scan = engine.scan(Bound::unbounded(), Bound::unbounded()); scan.is_valid();
       scan.next()) {
    scanned.emplace_back(std::string(scan.key()), std::string(scan.value()));
  }
  CHECK(scanned == Entries(model.begin(), model.end()));
}

}  // namespace mini_lsm::testing
