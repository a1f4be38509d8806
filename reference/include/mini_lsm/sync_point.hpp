// Sync points (provided): named places in the engine where a test can run code of its own, to
// park a thread there or to force one interleaving of threads every time, instead of hoping a
// race shows up (the idea of RocksDB's TEST_SYNC_POINT).
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace mini_lsm::sync_point {

/// Called when the engine reaches the point, with a detail (such as the key being written).
using Callback = std::function<void(std::string_view detail)>;

/// Runs `callback` whenever any thread reaches the point `name`, until cleared. A test installs
/// callbacks through Scoped rather than calling this directly.
void set(std::string name, Callback callback);
/// Removes the callback of `name`, if any.
void clear(const std::string& name);

/// Called by the engine at the point `name`. Costs one atomic load while no callback is set.
/// The callback runs on the calling thread, without any lock of the sync points held.
void reach(std::string_view name, std::string_view detail = {});

/// Installs a callback for the lifetime of the object.
class Scoped {
 public:
  Scoped(std::string name, Callback callback);
  Scoped(const Scoped&) = delete;
  Scoped& operator=(const Scoped&) = delete;
  ~Scoped();

 private:
  std::string name_;
};

/// The points the engine reaches, and where.
/// In SkipList::insert, before the entry goes in; the detail is the key.
inline constexpr std::string_view kSkipListInsert = "SkipList::insert";
/// In LsmStorage::put/del, after the write is in the memtable and before the engine decides
/// whether to freeze it; the detail is the key.
inline constexpr std::string_view kAfterMemtableWrite = "LsmStorage::write:after_memtable_write";

/// In a compaction (full or background), after its new SSTs are written and before it takes the
/// state-change mutex to install them; the detail is "full" or "background".
inline constexpr std::string_view kBeforeCompactionInstall =
    "LsmStorage::compaction:before_install";

/// In the periodic WAL syncer (WalSyncMode::kPeriodic, week 2 day 6), after each pass; the detail
/// is "synced" when the pass fsynced (an interval had passed), "idle" otherwise.
inline constexpr std::string_view kAfterPeriodicWalSync = "LsmStorage::wal_sync_loop:after_pass";

}  // namespace mini_lsm::sync_point
