#include "mini_lsm/compaction/tiered.hpp"

#include "mini_lsm/error.hpp"

namespace mini_lsm {

std::optional<CompactionTask> TieredCompactionController::generate_task(
    const LsmState& /*state*/) const {
  // @lesson w2d3 TieredCompactionController::generate_task: (to be written)
  throw NotImplemented("w2d3",
                       "TieredCompactionController::generate_task (reference not written yet)");
  // @lesson end
}

AppliedCompaction TieredCompactionController::apply_result(
    const LsmState& /*state*/, const CompactionTask& /*task*/,
    const std::vector<std::size_t>& /*output*/, bool /*in_recovery*/) const {
  // @lesson w2d3 TieredCompactionController::apply_result: (to be written)
  throw NotImplemented("w2d3",
                       "TieredCompactionController::apply_result (reference not written yet)");
  // @lesson end
}

}  // namespace mini_lsm
