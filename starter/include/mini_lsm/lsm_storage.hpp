// The storage engine: the object a user opens, writes to and reads from.
#pragma once

#include <atomic>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mini_lsm/memtable.hpp"
#include "mini_lsm/options.hpp"

namespace mini_lsm {

/// The structure of the LSM tree at one instant. The engine never changes a published state: it
/// builds a new one and swaps the pointer, so a reader's snapshot stays consistent for as long as
/// the reader holds it.
struct LsmState {
  /// The memtable that receives writes.
  std::shared_ptr<MemTable> memtable;
  /// Frozen memtables, newest first: they are only read from now on.
  std::vector<std::shared_ptr<MemTable>> imm_memtables;
};

/// A key-value store organised as a log-structured merge tree.
///
/// Thread safety: every public member may be called from several threads at once.
class LsmStorage {
 public:
  /// Opens (creating when needed) the database in directory `path`.
  static std::unique_ptr<LsmStorage> open(const std::filesystem::path& path, LsmOptions options);

  LsmStorage(const std::filesystem::path& path, LsmOptions options);
  LsmStorage(const LsmStorage&) = delete;
  LsmStorage& operator=(const LsmStorage&) = delete;

  /// Writes `key` = `value`. Throws InvalidArgument for an empty value (use del()), a key over
  /// kMaxKeySize or a value over kMaxValueSize; a rejected write changes nothing.
  void put(std::string_view key, std::string_view value);
  /// Deletes `key` by writing a tombstone. Throws InvalidArgument for a key over kMaxKeySize.
  void del(std::string_view key);
  /// The value of `key`, or std::nullopt when it was never written or was deleted.
  std::optional<std::string> get(std::string_view key) const;

  /// Freezes the current memtable (even a small one) and starts a new, empty one.
  void force_freeze_memtable();

  /// A consistent snapshot of the tree's structure, for inspection and tests.
  std::shared_ptr<const LsmState> state() const;
  const LsmOptions& options() const { return options_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  // Writes a value or a tombstone into the current memtable; freezes it once it is full.
  void write(std::string_view key, std::string_view value);
  // Freezes `memtable` if it is still the current one; called once it passed the target size.
  void freeze_if_still_current(const std::shared_ptr<MemTable>& memtable);
  // Moves the current memtable to the front of the frozen ones. Needs state_change_mutex_ held.
  void freeze_current_memtable(const std::lock_guard<std::mutex>& state_change);
  std::size_t allocate_id() { return next_id_.fetch_add(1); }

  std::filesystem::path path_;
  LsmOptions options_;
  std::atomic<std::size_t> next_id_{0};

  // Held only to copy or replace the state pointer, never while doing work.
  mutable std::mutex state_mutex_;
  std::shared_ptr<const LsmState> state_;
  // Serialises every change of structure (freeze, and later flush and compaction).
  std::mutex state_change_mutex_;
};

}  // namespace mini_lsm
