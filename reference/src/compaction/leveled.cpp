#include "mini_lsm/compaction/leveled.hpp"

#include "mini_lsm/error.hpp"

namespace mini_lsm {

std::optional<CompactionTask> LeveledCompactionController::generate_task(
    const LsmState& /*state*/) const {
  // @lesson w2d4 LeveledCompactionController::generate_task: (to be written)
  throw NotImplemented("w2d4",
                       "LeveledCompactionController::generate_task (reference not written yet)");
  // @lesson end
}

std::vector<std::uint64_t> LeveledCompactionController::target_sizes(
    const LsmState& /*state*/) const {
  // @lesson w2d4 LeveledCompactionController::target_sizes: (to be written)
  throw NotImplemented("w2d4",
                       "LeveledCompactionController::target_sizes (reference not written yet)");
  // @lesson end
}

AppliedCompaction LeveledCompactionController::apply_result(
    const LsmState& /*state*/, const CompactionTask& /*task*/,
    const std::vector<std::size_t>& /*output*/, bool /*in_recovery*/) const {
  // @lesson w2d4 LeveledCompactionController::apply_result: (to be written)
  throw NotImplemented("w2d4",
                       "LeveledCompactionController::apply_result (reference not written yet)");
  // @lesson end
}

}  // namespace mini_lsm
