#include "mini_lsm/compaction/simple_leveled.hpp"

#include "mini_lsm/error.hpp"

namespace mini_lsm {

std::optional<CompactionTask> SimpleLeveledCompactionController::generate_task(
    const LsmState& /*state*/) const {
  // @lesson w2d2 SimpleLeveledCompactionController::generate_task: (to be written)
  throw NotImplemented(
      "w2d2", "SimpleLeveledCompactionController::generate_task (reference not written yet)");
  // @lesson end
}

AppliedCompaction SimpleLeveledCompactionController::apply_result(
    const LsmState& /*state*/, const CompactionTask& /*task*/,
    const std::vector<std::size_t>& /*output*/, bool /*in_recovery*/) const {
  // @lesson w2d2 SimpleLeveledCompactionController::apply_result: (to be written)
  throw NotImplemented(
      "w2d2", "SimpleLeveledCompactionController::apply_result (reference not written yet)");
  // @lesson end
}

}  // namespace mini_lsm
