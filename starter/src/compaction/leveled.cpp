#include "mini_lsm/compaction/leveled.hpp"

#include "mini_lsm/error.hpp"

namespace mini_lsm {

std::optional<CompactionTask> LeveledCompactionController::generate_task(
    const LsmState& /*state*/) const {
  // TODO(w2d4): (to be written)
  throw ::mini_lsm::NotImplemented("w2d4", "LeveledCompactionController::generate_task");
}

std::vector<std::uint64_t> LeveledCompactionController::target_sizes(
    const LsmState& /*state*/) const {
  // TODO(w2d4): (to be written)
  throw ::mini_lsm::NotImplemented("w2d4", "LeveledCompactionController::target_sizes");
}

AppliedCompaction LeveledCompactionController::apply_result(
    const LsmState& /*state*/, const CompactionTask& /*task*/,
    const std::vector<std::size_t>& /*output*/, bool /*in_recovery*/) const {
  // TODO(w2d4): (to be written)
  throw ::mini_lsm::NotImplemented("w2d4", "LeveledCompactionController::apply_result");
}

}  // namespace mini_lsm
