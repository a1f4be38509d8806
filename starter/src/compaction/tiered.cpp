#include "mini_lsm/compaction/tiered.hpp"

#include "mini_lsm/error.hpp"

namespace mini_lsm {

std::optional<CompactionTask> TieredCompactionController::generate_task(
    const LsmState& /*state*/) const {
  // TODO(w2d3): (to be written)
  throw ::mini_lsm::NotImplemented("w2d3", "TieredCompactionController::generate_task");
}

AppliedCompaction TieredCompactionController::apply_result(
    const LsmState& /*state*/, const CompactionTask& /*task*/,
    const std::vector<std::size_t>& /*output*/, bool /*in_recovery*/) const {
  // TODO(w2d3): (to be written)
  throw ::mini_lsm::NotImplemented("w2d3", "TieredCompactionController::apply_result");
}

}  // namespace mini_lsm
