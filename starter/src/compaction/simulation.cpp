#include "mini_lsm/compaction/simulation.hpp"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "mini_lsm/error.hpp"

namespace mini_lsm {

CompactionSimulation::CompactionSimulation(const CompactionController& controller,
                                           const CompactionOptions& options, Workload workload)
    : controller_(controller), workload_(workload), random_(workload.seed) {
  state_.levels = initial_levels(options);
  if (workload_.key_space == 0 || workload_.keys_per_sst == 0) {
    throw InvalidArgument("a simulation needs a key space and keys per SST above 0");
  }
}

std::string CompactionSimulation::key_name(std::uint64_t key) {
  char text[21];
  std::snprintf(text, sizeof text, "%010llu", static_cast<unsigned long long>(key));
  return text;
}

std::size_t CompactionSimulation::flush() {
  const std::size_t count = static_cast<std::size_t>(
      std::min<std::uint64_t>(workload_.keys_per_sst, workload_.key_space));
  std::set<std::uint64_t> keys;
  while (keys.size() < count) {
    // Not std::uniform_int_distribution: its results differ between standard libraries, and a
    // seed must give the same simulation everywhere. The modulo bias is negligible here.
    keys.insert(random_() % workload_.key_space);
  }
  return flush(keys);
}

std::size_t CompactionSimulation::flush(const std::set<std::uint64_t>& keys) {
  if (keys.empty()) {
    throw InvalidArgument("a flushed SST holds at least one key");
  }
  const std::size_t id = add_sst(keys);
  flushed_bytes_ += keys.size() * workload_.bytes_per_key;
  written_bytes_ += keys.size() * workload_.bytes_per_key;
  if (controller_.flush_to_l0()) {
    state_.l0_sstables.insert(state_.l0_sstables.begin(), id);
  } else {
    state_.levels.insert(state_.levels.begin(), Level{id, {id}});
  }
  return id;
}

std::size_t CompactionSimulation::add_sst(const std::set<std::uint64_t>& keys) {
  const std::size_t id = next_id_++;
  keys_.emplace(id, keys);
  state_.sstables.emplace(
      id, SsTable::create_meta_only(id, keys.size() * workload_.bytes_per_key,
                                    key_name(*keys.begin()), key_name(*keys.rbegin())));
  return id;
}

std::vector<std::size_t> CompactionSimulation::run(const CompactionTask& task) {
  std::set<std::uint64_t> merged;
  for (const std::vector<std::size_t>& run : input_runs(task)) {
    for (const std::size_t id : run) {
      const std::set<std::uint64_t>& keys = keys_.at(id);
      merged.insert(keys.begin(), keys.end());
    }
  }
  std::vector<std::size_t> output;
  std::set<std::uint64_t> chunk;
  for (const std::uint64_t key : merged) {
    chunk.insert(key);
    if (chunk.size() == workload_.keys_per_sst) {
      output.push_back(add_sst(chunk));
      chunk.clear();
    }
  }
  if (!chunk.empty()) {
    output.push_back(add_sst(chunk));
  }
  written_bytes_ += merged.size() * workload_.bytes_per_key;
  return output;
}

std::optional<CompactionTask> CompactionSimulation::step() {
  std::optional<CompactionTask> task = controller_.generate_task(state_);
  if (!task) {
    return std::nullopt;
  }
  const std::vector<std::size_t> output = run(*task);
  AppliedCompaction applied = controller_.apply_result(state_, *task, output, false);
  for (const std::size_t id : applied.removed_sst_ids) {
    applied.state.sstables.erase(id);
    keys_.erase(id);
  }
  state_ = std::move(applied.state);
  ++compactions_;
  return task;
}

std::size_t CompactionSimulation::settle(std::size_t limit) {
  std::size_t ran = 0;
  while (step()) {
    if (++ran >= limit) {
      throw InvalidArgument("the controller still proposes tasks after " + std::to_string(limit) +
                            " compactions in a row: does it loop on the same task?");
    }
  }
  return ran;
}

double CompactionSimulation::write_amplification() const {
  return flushed_bytes_ == 0
             ? 0.0
             : static_cast<double>(written_bytes_) / static_cast<double>(flushed_bytes_);
}

double CompactionSimulation::space_amplification() const {
  std::set<std::uint64_t> live;
  std::uint64_t stored = 0;
  for (const auto& [id, keys] : keys_) {
    stored += keys.size();
    live.insert(keys.begin(), keys.end());
  }
  return live.empty() ? 0.0 : static_cast<double>(stored) / static_cast<double>(live.size());
}

std::size_t CompactionSimulation::sorted_runs() const {
  std::size_t runs = state_.l0_sstables.size();
  for (const Level& level : state_.levels) {
    runs += level.sst_ids.empty() ? 0 : 1;
  }
  return runs;
}

}  // namespace mini_lsm
