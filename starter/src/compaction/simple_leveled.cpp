#include "mini_lsm/compaction/simple_leveled.hpp"

#include "mini_lsm/error.hpp"

namespace mini_lsm {

std::optional<CompactionTask> SimpleLeveledCompactionController::generate_task(
    const LsmState& /*state*/) const {
  // TODO(w2d2): (to be written)
  throw ::mini_lsm::NotImplemented("w2d2", "SimpleLeveledCompactionController::generate_task");
}

AppliedCompaction SimpleLeveledCompactionController::apply_result(
    const LsmState& /*state*/, const CompactionTask& /*task*/,
    const std::vector<std::size_t>& /*output*/, bool /*in_recovery*/) const {
  // TODO(w2d2): (to be written)
  throw ::mini_lsm::NotImplemented("w2d2", "SimpleLeveledCompactionController::apply_result");
}

}  // namespace mini_lsm
