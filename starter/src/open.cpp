// Opening a database directory: its lock, its leftover files, its manifest and its SSTs.
#include <algorithm>
#include <chrono>
#include <set>
#include <utility>

#include "mini_lsm/error.hpp"
#include "mini_lsm/file.hpp"
#include "mini_lsm/file_names.hpp"
#include "mini_lsm/lsm_storage.hpp"

namespace mini_lsm {

std::unique_ptr<LsmStorage> LsmStorage::open(const std::filesystem::path& path,
                                             LsmOptions options) {
  return std::make_unique<LsmStorage>(path, std::move(options));
}

LsmStorage::LsmStorage(const std::filesystem::path& path, LsmOptions options)
    : path_(path),
      options_(std::move(options)),
      fs_(options_.file_system ? options_.file_system : posix_file_system()),
      compaction_controller_(make_compaction_controller(options_.compaction)) {
  fs_->create_directories(path_);
  // Before anything else reads or writes: two engines on one directory would hand out the same
  // ids and overwrite each other's files.
  directory_lock_ = fs_->lock(path_ / kLockFileName);
  if (options_.block_cache_bytes > 0) {
    block_cache_ = std::make_shared<BlockCache>(options_.block_cache_bytes);
  }
  auto empty = std::make_shared<LsmState>();
  empty->levels = initial_levels(options_.compaction);
  state_ = std::move(empty);
  const std::vector<std::string> names = fs_->list(path_);
  // A name the engine never writes stops the open here, before anything in the directory changes.
  const std::vector<std::size_t> sst_ids = sstable_ids_newest_first(names);
  remove_temporary_files(names);
  // Week 2 day 5: the manifest says what the tree is; call recover_from_manifest(sst_ids) here.
  if (!manifest_ && !sst_ids.empty()) {
    load_sstables(sst_ids);  // week 1: every SST of the directory is an L0 SST
  }
  place_level0_in_tiers();
  auto initial = std::make_shared<LsmState>(*state_);
  initial->memtable = create_memtable();
  state_ = std::move(initial);
}

void LsmStorage::remove_temporary_files(const std::vector<std::string>& names) {
  bool removed = false;
  for (const std::string& name : names) {
    if (parse_file_name(name).kind == FileKind::kTemporary) {
      fs_->remove(path_ / name);
      removed = true;
    }
  }
  if (removed) {
    fs_->sync_directory(path_);
  }
}

std::vector<std::size_t> LsmStorage::sstable_ids_newest_first(
    const std::vector<std::string>& names) const {
  std::vector<std::size_t> ids;
  for (const std::string& name : names) {
    const ParsedFileName parsed = parse_file_name(name);
    if (parsed.kind == FileKind::kBadSst) {
      throw Corruption((path_ / name).string(), 0,
                       "not the name of an SST this engine writes (<id>.sst, the id in decimal "
                       "without leading zeros, at most " +
                           std::to_string(kMaxFileId) +
                           "); rename or move the file, then open again");
    }
    if (parsed.kind == FileKind::kSst) {
      ids.push_back(static_cast<std::size_t>(parsed.id));
    }
  }
  std::sort(ids.rbegin(), ids.rend());
  return ids;
}

void LsmStorage::recover_from_manifest(const std::vector<std::size_t>& sst_ids) {
  // TODO(w2d5): with a MANIFEST: read_manifest(), replay_manifest(), open_named_sstables() (missing
  //   → Corruption), make that the state, and move next_id_ past every id (the replay's and the
  //   SSTs on disk); without one, adopt: load_sstables() and place_level0_in_tiers(); then write a
  //   new manifest (Manifest::create() with a SnapshotRecord of the tree and next_id_) into
  //   manifest_, and only then remove_unnamed_sstables(); fill recovery_report_ on the way
  throw ::mini_lsm::NotImplemented("w2d5", "LsmStorage::recover_from_manifest");
}

void LsmStorage::place_level0_in_tiers() {
  if (!flushes_make_tiers() || state_->l0_sstables.empty()) {
    return;
  }
  auto next = std::make_shared<LsmState>(*state_);
  for (const std::size_t id : next->l0_sstables) {
    next->levels.push_back(Level{id, {id}});
  }
  next->l0_sstables.clear();
  state_ = std::move(next);
}

ManifestReplay LsmStorage::replay_manifest(const ManifestContents& contents,
                                           std::string_view file) const {
  // TODO(w2d5): start from an empty tree (initial_levels() of the options) and apply_record() every
  //   entry in order; a manifest without a record, or whose first record is not a snapshot, is
  //   Corruption
  throw ::mini_lsm::NotImplemented("w2d5", "LsmStorage::replay_manifest");
}

void LsmStorage::check_options_match(const SnapshotRecord& snapshot) const {
  const auto name = compaction_strategy_name;
  if (snapshot.strategy != options_.compaction.strategy) {
    throw InvalidArgument("the database in " + path_.string() + " was built by " +
                          name(snapshot.strategy) + " compaction; open it with that strategy (" +
                          name(options_.compaction.strategy) + " would misread its levels)");
  }
  std::vector<std::size_t> expected;
  std::vector<std::size_t> found;
  if (options_.compaction.strategy != CompactionStrategy::kTiered) {
    for (const Level& level : initial_levels(options_.compaction)) {
      expected.push_back(level.id);
    }
    for (const Level& level : snapshot.levels) {
      found.push_back(level.id);
    }
  }
  if (expected != found) {
    throw InvalidArgument(
        "the database in " + path_.string() + " has " + std::to_string(found.size()) +
        " levels below L0, but the options ask for " + std::to_string(expected.size()) +
        "; open it with the options it was built with");
  }
}

void LsmStorage::apply_record(ManifestReplay& replay, const ManifestEntry& entry,
                              std::string_view file) const {
  // TODO(w2d5): a snapshot (only as the first record, and after check_options_match()) sets the
  //   tree, first_new_id and next_id; NewMemtable adds a live memtable; Flush of a live memtable
  //   places its SST with add_flushed_sstable(); a compaction whose inputs are all in the tree goes
  //   through apply_full_compaction() or the controller's apply_result(..., true); a new id must be
  //   >= first_new_id and never seen before; next_id goes past every id; any broken rule is
  //   Corruption(file, entry.offset, what)
  throw ::mini_lsm::NotImplemented("w2d5", "LsmStorage::apply_record");
}

void LsmStorage::open_named_sstables(LsmState& state,
                                     const std::vector<std::size_t>& sst_ids_on_disk) const {
  // TODO(w2d5): open every SST of L0 and the levels into state.sstables; one not in
  //   `sst_ids_on_disk` is Corruption naming its path (a durable record promised it); then sort
  //   every level's SSTs by first key
  throw ::mini_lsm::NotImplemented("w2d5", "LsmStorage::open_named_sstables");
}

void LsmStorage::remove_unnamed_sstables(const LsmState& state,
                                         const std::vector<std::size_t>& sst_ids_on_disk) {
  // TODO(w2d5): remove every SST file of `sst_ids_on_disk` that `state` does not hold, list its id
  //   in recovery_report_.removed_unnamed_sstables, and fsync the directory if anything was removed
  throw ::mini_lsm::NotImplemented("w2d5", "LsmStorage::remove_unnamed_sstables");
}

std::vector<std::size_t> LsmStorage::wal_ids_on_disk() const {
  std::vector<std::size_t> ids;
  for (const std::string& name : fs_->list(path_)) {
    const ParsedFileName parsed = parse_file_name(name);
    if (parsed.kind == FileKind::kWal) {
      ids.push_back(static_cast<std::size_t>(parsed.id));
    }
  }
  std::sort(ids.rbegin(), ids.rend());
  return ids;
}

void LsmStorage::recover_wals(const std::vector<NewMemtableRecord>& live_memtables,
                              const std::vector<std::size_t>& wal_ids_on_disk) {
  // TODO(w2d6): first, before anything is written, a live memtable recorded with a WAL whose id is
  //   not in `wal_ids_on_disk` is Corruption naming wal_path(id) (the record promised it); then for
  //   every live memtable recorded with a WAL, oldest first: Wal::recover() it (with
  //   options_.wal_recovery) into a MemTable of its id and report it in
  //   recovery_report_.replayed_wals; only once all are read, write_sstable() each that holds data
  //   and place it with add_flushed_sstable() (and into sstables) in a copy of state_; install the
  //   copy as state_ and note the time spent in wal_replay_seconds; a live memtable without a WAL
  //   is skipped (its writes were never logged)
  throw ::mini_lsm::NotImplemented("w2d6", "LsmStorage::recover_wals");
}

void LsmStorage::remove_replayed_and_stale_wals(const std::vector<std::size_t>& wal_ids_on_disk) {
  // TODO(w2d6): remove every WAL of `wal_ids_on_disk`, list those that were not replayed in
  //   recovery_report_.removed_stale_wals, and fsync the directory if anything was removed
  throw ::mini_lsm::NotImplemented("w2d6", "LsmStorage::remove_replayed_and_stale_wals");
}

void LsmStorage::load_sstables(const std::vector<std::size_t>& ids) {
  // TODO(w1d5): open each SST (SsTable::open with block_cache_ on FileObject::open(sst_path(id),
  //   *fs_)) into sstables, list the ids in the same order (newest first) in l0_sstables, and move
  //   next_id_ past the highest id
  throw ::mini_lsm::NotImplemented("w1d5", "LsmStorage::load_sstables");
}

}  // namespace mini_lsm
