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

// @lesson w2d1 solution-only
namespace {

// One concatenating iterator per input run, newest run first, so that a MergeIterator over them
// lets the newest value of each key win.
std::vector<std::unique_ptr<StorageIterator>> run_iterators(
    const LsmState& state, const std::vector<std::vector<std::size_t>>& runs) {
  std::vector<std::unique_ptr<StorageIterator>> iterators;
  for (const std::vector<std::size_t>& run : runs) {
    std::vector<std::shared_ptr<const SsTable>> tables;
    for (const std::size_t id : run) {
      tables.push_back(state.sstables.at(id));
    }
    iterators.push_back(
        std::make_unique<SstConcatIterator>(SstConcatIterator::create_and_seek_to_first(tables)));
  }
  return iterators;
}

// Removes from `ids` every id in `taken`, keeping the order of the rest.
void erase_taken(std::vector<std::size_t>& ids, const std::set<std::size_t>& taken) {
  std::erase_if(ids, [&](std::size_t id) { return taken.contains(id); });
}

}  // namespace
// @lesson end

std::vector<std::shared_ptr<SsTable>> LsmStorage::compact(const CompactionTask& task) {
  // @lesson w2d1 LsmStorage::compact: merge one SstConcatIterator per input run (input_runs(),
  //   newest first) with a MergeIterator; add each entry to an SsTableBuilder, skipping tombstones
  //   when reaches_bottom(task); once the builder's estimated_size() reaches target_sst_size,
  //   build it as a new SST (allocate_id(), sst_path(), *fs_) and start another; build the last
  //   one unless it is empty; fsync the directory once at the end
  const std::shared_ptr<const LsmState> snapshot = state();
  MergeIterator merged(run_iterators(*snapshot, input_runs(task)));
  const bool drop_tombstones = reaches_bottom(task);
  std::vector<std::shared_ptr<SsTable>> output;
  std::optional<SsTableBuilder> builder;
  const auto build = [&] {
    const std::size_t id = allocate_id();
    output.push_back(builder->build(id, block_cache_, sst_path(id), *fs_));
    builder.reset();
  };
  try {
    for (; merged.is_valid(); merged.next()) {
      if (drop_tombstones && merged.value().empty()) {
        continue;  // nothing older lies below the bottom, so the delete has nothing left to hide
      }
      if (!builder) {
        builder.emplace(options_.block_size, options_.bloom_bits_per_key);
      }
      builder->add(merged.key(), merged.value());
      if (builder->estimated_size() >= options_.target_sst_size) {
        build();
      }
    }
    if (builder) {
      build();
    }
    if (!output.empty()) {
      fs_->sync_directory(path_);
    }
  } catch (...) {
    // No state names these files: left behind, a reopen would take them for the newest SSTs.
    remove_unpublished(output);
    throw;
  }
  return output;
  // @lesson end
}

FullCompactionTask LsmStorage::full_compaction_task(const LsmState& state) {
  // @lesson w2d1 LsmStorage::full_compaction_task: every L0 SST and every level of `state`
  return FullCompactionTask{state.l0_sstables, state.levels};
  // @lesson end
}

AppliedCompaction LsmStorage::apply_full_compaction(const LsmState& state,
                                                    const FullCompactionTask& task,
                                                    const std::vector<std::size_t>& output) const {
  // @lesson w2d1 LsmStorage::apply_full_compaction: remove every SST the task took from L0 (SSTs
  //   flushed since stay) and from the levels; `output` becomes the last level (in a tiered tree,
  //   where flushes add tiers, drop the emptied tiers and add `output` as a new last tier); the
  //   removed ids are the task's SSTs
  AppliedCompaction applied{state, {}};
  applied.removed_sst_ids = task.l0_sstables;
  for (const Level& level : task.levels) {
    applied.removed_sst_ids.insert(applied.removed_sst_ids.end(), level.sst_ids.begin(),
                                   level.sst_ids.end());
  }
  const std::set<std::size_t> taken(applied.removed_sst_ids.begin(), applied.removed_sst_ids.end());
  LsmState& next = applied.state;
  erase_taken(next.l0_sstables, taken);
  for (Level& level : next.levels) {
    erase_taken(level.sst_ids, taken);
  }
  if (flushes_make_tiers()) {
    std::erase_if(next.levels, [](const Level& tier) { return tier.sst_ids.empty(); });
    if (!output.empty()) {
      next.levels.push_back(Level{output.front(), output});
    }
  } else if (!next.levels.empty()) {
    next.levels.back().sst_ids = output;
  }
  return applied;
  // @lesson end
}

void LsmStorage::force_full_compaction() {
  // @lesson w2d1 LsmStorage::force_full_compaction: one compaction at a time
  //   (compaction_serial_mutex_); throw InvalidArgument when the tree has no level to compact into
  //   (no levels and flushes do not make tiers); make the full_compaction_task() of the current
  //   state, compact() it without any other lock, then install_compaction()
  const std::lock_guard one_compaction_at_a_time(compaction_serial_mutex_);
  if (state()->levels.empty() && !flushes_make_tiers()) {
    throw InvalidArgument("this tree has no level below L0 to compact into (max_levels is 0)");
  }
  const CompactionTask task = full_compaction_task(*state());
  install_compaction(task, compact(task));
  // @lesson end
}

bool LsmStorage::compact_once() {
  // @lesson w2d2 LsmStorage::compact_once: with no controller, false; else, one compaction at a
  //   time, ask the controller for a task on the current state; if there is one, compact() it
  //   and install_compaction() the result
  if (!compaction_controller_) {
    return false;
  }
  const std::lock_guard one_compaction_at_a_time(compaction_serial_mutex_);
  const std::optional<CompactionTask> task = compaction_controller_->generate_task(*state());
  if (!task) {
    return false;
  }
  install_compaction(*task, compact(*task));
  return true;
  // @lesson end
}

void LsmStorage::install_compaction(const CompactionTask& task,
                                    const std::vector<std::shared_ptr<SsTable>>& output) {
  sync_point::reach(sync_point::kBeforeCompactionInstall,
                    std::holds_alternative<FullCompactionTask>(task) ? "full" : "background");
  // @lesson w2d1 LsmStorage::install_compaction: under state_change_mutex_, copy the current state,
  //   add the output SSTs to its sstables, apply the result (apply_full_compaction() for a full
  //   compaction, else the controller's apply_result()), erase the removed SSTs from sstables and
  //   publish(); then, outside the lock, remove_sstable_files() of the removed ones
  //| std::vector<std::size_t> output_ids;
  //| for (const auto& table : output) {
  //|   output_ids.push_back(table->id());
  //| }
  //| AppliedCompaction applied;
  //| {
  //|   const std::lock_guard state_change(state_change_mutex_);
  //|   LsmState with_output = *state();
  //|   for (const auto& table : output) {
  //|     with_output.sstables.emplace(table->id(), table);
  //|   }
  //|   const auto* full = std::get_if<FullCompactionTask>(&task);
  //|   applied = full ? apply_full_compaction(with_output, *full, output_ids)
  //|                  : compaction_controller_->apply_result(with_output, task, output_ids, false);
  //|   for (const std::size_t id : applied.removed_sst_ids) {
  //|     applied.state.sstables.erase(id);
  //|   }
  //|   publish(std::make_shared<LsmState>(std::move(applied.state)));
  //| }
  //| // Readers that still hold the old state keep their SSTs open; an open file outlives its name.
  //| remove_sstable_files(applied.removed_sst_ids);
  // @lesson w2d5 replaces: record a CompactionRecord (the task and the output ids) in the manifest
  //   (record()) under state_change_mutex_, after applying the result and before publish(), so
  //   that the inputs are removed only once the record retiring them is durable
  std::vector<std::size_t> output_ids;
  for (const auto& table : output) {
    output_ids.push_back(table->id());
  }
  AppliedCompaction applied;
  {
    const std::lock_guard state_change(state_change_mutex_);
    LsmState with_output = *state();
    for (const auto& table : output) {
      with_output.sstables.emplace(table->id(), table);
    }
    const auto* full = std::get_if<FullCompactionTask>(&task);
    applied = full ? apply_full_compaction(with_output, *full, output_ids)
                   : compaction_controller_->apply_result(with_output, task, output_ids, false);
    for (const std::size_t id : applied.removed_sst_ids) {
      applied.state.sstables.erase(id);
    }
    // The outputs were fsynced with their directory in compact(); the record makes them part of
    // the tree on disk, and only once it is durable may the inputs go.
    record(CompactionRecord{task, output_ids});
    publish(std::make_shared<LsmState>(std::move(applied.state)));
  }
  // Readers that still hold the old state keep their SSTs open; an open file outlives its name.
  remove_sstable_files(applied.removed_sst_ids);
  // @lesson end
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
  // @lesson w2d2 LsmStorage::compaction_loop: as flush_loop(): sleep on compaction_wanted_ until
  //   compaction_wakeups_ changes, then compact_once() while no stop is requested and it finds
  //   work; an error goes to set_background_error() and ends the loop
  std::uint64_t seen = 0;
  while (true) {
    {
      std::unique_lock lock(compaction_wake_mutex_);
      if (!compaction_wanted_.wait(lock, stop, [&] { return compaction_wakeups_ != seen; })) {
        return;  // a stop was requested
      }
      seen = compaction_wakeups_;
    }
    try {
      while (!stop.stop_requested() && compact_once()) {
      }
    } catch (...) {
      set_background_error(std::current_exception());
      return;
    }
  }
  // @lesson end
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
