// A compaction controller at work on a tree without files (provided: the simulator and the tests
// of week 2 use it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "mini_lsm/compaction/task.hpp"

namespace mini_lsm {

/// A tree whose SSTs exist as metadata only, driven by a real controller: flush() adds an SST
/// the way the engine's flush does (to L0, or as a new tier), and step() asks the controller for
/// a task, "runs" it and installs the result with the controller's apply_result(), as the
/// engine's compaction does. No file is read or written, so thousands of flushes take
/// milliseconds.
///
/// Each simulated SST remembers which keys (integers, written as 10-digit decimal strings so
/// that string order is number order) it holds. A compaction merges the key sets of its inputs
/// (a key written twice is stored once: an overwrite) and cuts them into SSTs of at most
/// keys_per_sst keys; every key takes bytes_per_key bytes. There are no deletes.
class CompactionSimulation {
 public:
  struct Workload {
    /// Keys are drawn uniformly from [0, key_space).
    std::uint64_t key_space = 100'000;
    /// Distinct keys in each flushed SST, and the most keys a compaction puts into one SST.
    std::size_t keys_per_sst = 1'000;
    std::size_t bytes_per_key = 100;
    std::uint32_t seed = 1;
  };

  CompactionSimulation(const CompactionController& controller, const CompactionOptions& options,
                       Workload workload);

  /// Flushes an SST of keys_per_sst random keys (fewer if key_space is smaller); returns its id.
  std::size_t flush();
  /// Flushes an SST holding exactly `keys` (not empty); returns its id.
  std::size_t flush(const std::set<std::uint64_t>& keys);
  /// Runs the controller's next task, if it has one, and returns it.
  std::optional<CompactionTask> step();
  /// Runs tasks until the controller has none; returns how many ran. Throws InvalidArgument
  /// after `limit` tasks, since a controller that never stops is a bug.
  std::size_t settle(std::size_t limit = 10'000);

  const LsmState& state() const { return state_; }
  /// The keys SST `id` holds.
  const std::set<std::uint64_t>& keys_of(std::size_t id) const { return keys_.at(id); }
  /// The key as the simulated SSTs store it: 10 decimal digits.
  static std::string key_name(std::uint64_t key);

  /// Bytes written by flushes and compactions, divided by the bytes flushed.
  double write_amplification() const;
  /// Bytes stored in every SST, divided by the bytes of the distinct keys (the live data).
  double space_amplification() const;
  /// Sorted runs a read may have to look into: one per L0 SST, plus every non-empty level.
  std::size_t sorted_runs() const;
  std::uint64_t flushed_bytes() const { return flushed_bytes_; }
  std::uint64_t written_bytes() const { return written_bytes_; }
  std::size_t compactions() const { return compactions_; }

 private:
  // Registers a new SST holding `keys` and returns its id.
  std::size_t add_sst(const std::set<std::uint64_t>& keys);
  // The output SSTs of `task`: its inputs' keys merged and cut into SSTs.
  std::vector<std::size_t> run(const CompactionTask& task);

  const CompactionController& controller_;
  Workload workload_;
  std::mt19937_64 random_;
  LsmState state_;
  std::map<std::size_t, std::set<std::uint64_t>> keys_;
  std::size_t next_id_ = 1;
  std::uint64_t flushed_bytes_ = 0;
  std::uint64_t written_bytes_ = 0;
  std::size_t compactions_ = 0;
};

}  // namespace mini_lsm
