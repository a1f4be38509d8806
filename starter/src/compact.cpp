// Compaction: merging sorted runs into new SSTs, installing the result, and the compaction thread.
#include <algorithm>
#include <exception>
#include <set>
#include <utility>

#include "mini_lsm/concat_iterator.hpp"
#include "mini_lsm/error.hpp"
#include "mini_lsm/lsm_storage.hpp"
#include "mini_lsm/merge_iterator.hpp"
#include "mini_lsm/sync_point.hpp"

namespace mini_lsm {

std::vector<std::shared_ptr<SsTable>> LsmStorage::compact(const CompactionTask& task) {
  // TODO(w2d1): merge one SstConcatIterator per input run (input_runs(), newest first) with a
  //   MergeIterator; add each entry to an SsTableBuilder, skipping tombstones when
  //   reaches_bottom(task); once the builder's estimated_size() reaches target_sst_size, build it
  //   as a new SST (allocate_id(), sst_path(), *fs_) and start another; build the last one unless
  //   it is empty; fsync the directory once at the end
  throw ::mini_lsm::NotImplemented("w2d1", "LsmStorage::compact");
}

FullCompactionTask LsmStorage::full_compaction_task(const LsmState& state) {
  // TODO(w2d1): every L0 SST and every level of `state`
  throw ::mini_lsm::NotImplemented("w2d1", "LsmStorage::full_compaction_task");
}

AppliedCompaction LsmStorage::apply_full_compaction(const LsmState& state,
                                                    const FullCompactionTask& task,
                                                    const std::vector<std::size_t>& output) const {
  // TODO(w2d1): remove every SST the task took from L0 (SSTs flushed since stay) and from the
  //   levels; `output` becomes the last level (in a tiered tree, where flushes add tiers, drop the
  //   emptied tiers and add `output` as a new last tier); the removed ids are the task's SSTs
  throw ::mini_lsm::NotImplemented("w2d1", "LsmStorage::apply_full_compaction");
}

void LsmStorage::force_full_compaction() {
  // TODO(w2d1): one compaction at a time (compaction_serial_mutex_); throw InvalidArgument when the
  //   tree has no level to compact into (no levels and flushes do not make tiers); make the
  //   full_compaction_task() of the current state, compact() it without any other lock, then
  //   install_compaction()
  throw ::mini_lsm::NotImplemented("w2d1", "LsmStorage::force_full_compaction");
}

bool LsmStorage::compact_once() {
  // TODO(w2d2): with no controller, false; else, one compaction at a time, ask the controller for a
  //   task on the current state; if there is one, compact() it and install_compaction() the result
  throw ::mini_lsm::NotImplemented("w2d2", "LsmStorage::compact_once");
}

void LsmStorage::install_compaction(const CompactionTask& task,
                                    const std::vector<std::shared_ptr<SsTable>>& output) {
  sync_point::reach(sync_point::kBeforeCompactionInstall,
                    std::holds_alternative<FullCompactionTask>(task) ? "full" : "background");
  // TODO(w2d1): under state_change_mutex_, copy the current state, add the output SSTs to its
  //   sstables, apply the result (apply_full_compaction() for a full compaction, else the
  //   controller's apply_result()), erase the removed SSTs from sstables and publish(); then,
  //   outside the lock, remove_sstable_files() of the removed ones
  throw ::mini_lsm::NotImplemented("w2d1", "LsmStorage::install_compaction");
}

void LsmStorage::remove_unpublished(
    const std::vector<std::shared_ptr<SsTable>>& tables) const noexcept {
  for (const auto& table : tables) {
    try {
      fs_->remove(table->path());
    } catch (const std::exception&) {
      // The first error is the one the caller reports; this file stays behind.
    }
  }
}

void LsmStorage::remove_sstable_files(const std::vector<std::size_t>& ids) {
  // `ids` lists newer data first. Removing the oldest first means that a crash part-way leaves
  // only newer inputs behind: a leftover tombstone can hide a value, but a leftover value never
  // reappears because the tombstone above it was removed first.
  for (auto id = ids.rbegin(); id != ids.rend(); ++id) {
    fs_->remove(sst_path(*id));
  }
  if (!ids.empty()) {
    fs_->sync_directory(path_);
  }
}

void LsmStorage::compaction_loop(std::stop_token stop) {
  // TODO(w2d2): as flush_loop(): sleep on compaction_wanted_ until compaction_wakeups_ changes,
  //   then compact_once() while no stop is requested and it finds work; an error goes to
  //   set_background_error() and ends the loop
  throw ::mini_lsm::NotImplemented("w2d2", "LsmStorage::compaction_loop");
}

void LsmStorage::wake_compaction_thread() {
  {
    const std::lock_guard lock(compaction_wake_mutex_);
    ++compaction_wakeups_;
  }
  compaction_wanted_.notify_one();
}

void LsmStorage::stop_compaction_thread() {
  if (compaction_thread_.joinable()) {
    compaction_thread_.request_stop();
    compaction_thread_.join();
  }
}

}  // namespace mini_lsm
