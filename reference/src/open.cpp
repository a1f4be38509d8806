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
  // @lesson w2d5 solution-only
  recover_from_manifest(sst_ids);
  // @lesson end
  if (!manifest_ && !sst_ids.empty()) {
    load_sstables(sst_ids);  // week 1: every SST of the directory is an L0 SST
  }
  place_level0_in_tiers();
  auto initial = std::make_shared<LsmState>(*state_);
  initial->memtable = create_memtable();
  state_ = std::move(initial);
  // @lesson w1d6 solution-only
  flush_thread_ = std::jthread([this](std::stop_token stop) { flush_loop(std::move(stop)); });
  // @lesson end
  // @lesson w2d2 solution-only
  if (compaction_controller_ && options_.background_compaction) {
    compaction_thread_ =
        std::jthread([this](std::stop_token stop) { compaction_loop(std::move(stop)); });
  }
  // @lesson end
  // @lesson w2d6 solution-only
  if (options_.enable_wal && options_.wal_sync == WalSyncMode::kPeriodic) {
    wal_sync_thread_ =
        std::jthread([this](std::stop_token stop) { wal_sync_loop(std::move(stop)); });
  }
  // @lesson end
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
  // @lesson w2d5 LsmStorage::recover_from_manifest: with a MANIFEST: read_manifest(),
  //   replay_manifest(), open_named_sstables() (missing → Corruption), make that the state, and
  //   move next_id_ past every id (the replay's and the SSTs on disk); without one, adopt:
  //   load_sstables() and place_level0_in_tiers(); then write a new manifest (Manifest::create()
  //   with a SnapshotRecord of the tree and next_id_) into manifest_, and only then
  //   remove_unnamed_sstables(); fill recovery_report_ on the way
  //| const std::filesystem::path manifest_path = path_ / kManifestFileName;
  //| if (fs_->exists(manifest_path)) {
  //|   const ManifestContents contents = read_manifest(manifest_path, *fs_);
  //|   ManifestReplay replay = replay_manifest(contents, manifest_path.string());
  //|   open_named_sstables(replay.state, sst_ids);
  //|   state_ = std::make_shared<LsmState>(std::move(replay.state));
  //|   next_id_ = replay.next_id;
  //|   recovery_report_.manifest_records = contents.entries.size();
  //|   recovery_report_.manifest_torn_tail_offset = contents.torn_tail_offset;
  //| } else if (!sst_ids.empty()) {
  //|   load_sstables(sst_ids);
  //|   place_level0_in_tiers();
  //|   recovery_report_.adopted_without_manifest = true;
  //| }
  //| if (!sst_ids.empty()) {
  //|   // An SST no record names still holds its id: the next one must not collide with it.
  //|   next_id_ = std::max(next_id_.load(), sst_ids.front() + 1);
  //| }
  //| const std::shared_ptr<const LsmState> recovered = state_;
  //| manifest_.emplace(Manifest::create(manifest_path,
  //|                                    SnapshotRecord{next_id_.load(), options_.compaction.strategy,
  //|                                                   recovered->l0_sstables, recovered->levels},
  //|                                    *fs_));
  //| // Only now: the new manifest is durable, so no record that could still name them survives.
  //| remove_unnamed_sstables(*recovered, sst_ids);
  // @lesson w2d6 replaces: also replay the live WALs: before the manifest is rewritten,
  //   recover_wals() with the replay's live memtables and wal_ids_on_disk(); WAL files without a
  //   MANIFEST are Corruption; move next_id_ past every WAL id on disk too; after the rewrite,
  //   remove_replayed_and_stale_wals()
  const std::filesystem::path manifest_path = path_ / kManifestFileName;
  const std::vector<std::size_t> wal_ids = wal_ids_on_disk();
  if (fs_->exists(manifest_path)) {
    const ManifestContents contents = read_manifest(manifest_path, *fs_);
    ManifestReplay replay = replay_manifest(contents, manifest_path.string());
    open_named_sstables(replay.state, sst_ids);
    state_ = std::make_shared<LsmState>(std::move(replay.state));
    next_id_ = replay.next_id;
    recovery_report_.manifest_records = contents.entries.size();
    recovery_report_.manifest_torn_tail_offset = contents.torn_tail_offset;
    // Their memtables become level-0 SSTs now, so the new manifest's snapshot holds everything.
    recover_wals(replay.live_memtables, wal_ids);
  } else if (!wal_ids.empty()) {
    // Without the manifest nobody can tell a live WAL from a stale one, and guessing loses or
    // resurrects writes.
    throw Corruption(
        wal_path(wal_ids.front()).string(), 0,
        "a WAL but no MANIFEST in the directory: the engine cannot tell which WALs "
        "are live; restore the MANIFEST, or move the WALs away to give up their writes");
  } else if (!sst_ids.empty()) {
    load_sstables(sst_ids);
    place_level0_in_tiers();
    recovery_report_.adopted_without_manifest = true;
  }
  if (!sst_ids.empty()) {
    // An SST no record names still holds its id: the next one must not collide with it.
    next_id_ = std::max(next_id_.load(), sst_ids.front() + 1);
  }
  if (!wal_ids.empty()) {
    // So does a WAL created just before a crash, before the record naming it.
    next_id_ = std::max(next_id_.load(), wal_ids.front() + 1);
  }
  const std::shared_ptr<const LsmState> recovered = state_;
  manifest_.emplace(Manifest::create(manifest_path,
                                     SnapshotRecord{next_id_.load(), options_.compaction.strategy,
                                                    recovered->l0_sstables, recovered->levels},
                                     *fs_));
  // Only now: the new manifest is durable, so no record that could still name them survives.
  remove_unnamed_sstables(*recovered, sst_ids);
  remove_replayed_and_stale_wals(wal_ids);
  // @lesson end
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
  // @lesson w2d5 LsmStorage::replay_manifest: start from an empty tree (initial_levels() of the
  //   options) and apply_record() every entry in order; a manifest without a record, or whose
  //   first record is not a snapshot, is Corruption
  ManifestReplay replay;
  replay.state.levels = initial_levels(options_.compaction);
  if (contents.entries.empty() ||
      !std::holds_alternative<SnapshotRecord>(contents.entries.front().record)) {
    throw Corruption(std::string(file), kManifestHeaderSize,
                     "a manifest starts with a snapshot record, and this one does not");
  }
  for (const ManifestEntry& entry : contents.entries) {
    apply_record(replay, entry, file);
  }
  return replay;
  // @lesson end
}

// @lesson w2d5 solution-only
namespace {

// Every SST id of L0 and of the levels of `state`.
std::set<std::size_t> live_sstable_ids(const LsmState& state) {
  std::set<std::size_t> ids(state.l0_sstables.begin(), state.l0_sstables.end());
  for (const Level& level : state.levels) {
    ids.insert(level.sst_ids.begin(), level.sst_ids.end());
  }
  return ids;
}

}  // namespace
// @lesson end

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
  // @lesson w2d5 LsmStorage::apply_record: a snapshot (only as the first record, and after
  //   check_options_match()) sets the tree,
  //   first_new_id and next_id; NewMemtable adds a live memtable; Flush of a live memtable places
  //   its SST with add_flushed_sstable(); a compaction whose inputs are all in the tree goes
  //   through apply_full_compaction() or the controller's apply_result(..., true); a new id must
  //   be >= first_new_id and never seen before; next_id goes past every id; any broken rule is
  //   Corruption(file, entry.offset, what)
  const auto fail = [&](const std::string& what) {
    throw Corruption(std::string(file), entry.offset, what);
  };
  const auto claim_new_id = [&](std::size_t id) {
    if (id < replay.first_new_id || !replay.ids_seen.insert(id).second) {
      fail("id " + std::to_string(id) + " was handed out before");
    }
    replay.next_id = std::max(replay.next_id, id + 1);
  };
  if (const auto* snapshot = std::get_if<SnapshotRecord>(&entry.record)) {
    if (entry.offset != kManifestHeaderSize) {
      fail("a snapshot record after the first record");
    }
    check_options_match(*snapshot);
    replay.state.l0_sstables = snapshot->l0_sstables;
    replay.state.levels = snapshot->levels;
    const std::set<std::size_t> ids = live_sstable_ids(replay.state);
    std::size_t count = replay.state.l0_sstables.size();
    for (const Level& level : replay.state.levels) {
      count += level.sst_ids.size();
    }
    if (ids.size() != count || (!ids.empty() && *ids.rbegin() >= snapshot->next_id)) {
      fail("the snapshot names an SST twice, or one at or past its next id");
    }
    replay.first_new_id = replay.next_id = snapshot->next_id;
  } else if (const auto* created = std::get_if<NewMemtableRecord>(&entry.record)) {
    claim_new_id(created->id);
    replay.live_memtables.push_back(*created);
  } else if (const auto* flush = std::get_if<FlushRecord>(&entry.record)) {
    const auto live =
        std::find_if(replay.live_memtables.begin(), replay.live_memtables.end(),
                     [&](const NewMemtableRecord& created) { return created.id == flush->id; });
    if (live == replay.live_memtables.end()) {
      fail("flush of memtable " + std::to_string(flush->id) + ", which is not a live memtable");
    }
    replay.live_memtables.erase(live);
    add_flushed_sstable(replay.state, flush->id);
  } else {
    const auto& compaction = std::get<CompactionRecord>(entry.record);
    const std::set<std::size_t> live = live_sstable_ids(replay.state);
    for (const std::vector<std::size_t>& run : input_runs(compaction.task)) {
      for (const std::size_t id : run) {
        if (!live.contains(id)) {
          fail("compaction of SST " + std::to_string(id) + ", which is not in the tree");
        }
      }
    }
    for (const std::size_t id : compaction.output) {
      claim_new_id(id);
    }
    try {
      const auto* full = std::get_if<FullCompactionTask>(&compaction.task);
      if (full == nullptr && !compaction_controller_) {
        fail("a compaction of a controller, but this engine has none (CompactionStrategy::kNone)");
      }
      replay.state = full ? apply_full_compaction(replay.state, *full, compaction.output).state
                          : compaction_controller_
                                ->apply_result(replay.state, compaction.task, compaction.output,
                                               /*in_recovery=*/true)
                                .state;
    } catch (const InvalidArgument& refused) {
      fail(std::string(refused.what()) +
           " (or the database was written with other compaction options)");
    }
  }
  // @lesson end
}

void LsmStorage::open_named_sstables(LsmState& state,
                                     const std::vector<std::size_t>& sst_ids_on_disk) const {
  // @lesson w2d5 LsmStorage::open_named_sstables: open every SST of L0 and the levels into
  //   state.sstables; one not in `sst_ids_on_disk` is Corruption naming its path (a durable record
  //   promised it); then sort every level's SSTs by first key
  const std::set<std::size_t> on_disk(sst_ids_on_disk.begin(), sst_ids_on_disk.end());
  for (const std::size_t id : live_sstable_ids(state)) {
    if (!on_disk.contains(id)) {
      throw Corruption(sst_path(id).string(), 0,
                       "the manifest names this SST, but it is not in the directory");
    }
    state.sstables.emplace(id,
                           SsTable::open(id, block_cache_, FileObject::open(sst_path(id), *fs_)));
  }
  // A leveled replay appends outputs unsorted (in_recovery); a level is a sorted run in every
  // strategy, so sorting by first key is right for all of them.
  for (Level& level : state.levels) {
    std::sort(level.sst_ids.begin(), level.sst_ids.end(), [&](std::size_t left, std::size_t right) {
      return state.sstables.at(left)->first_key() < state.sstables.at(right)->first_key();
    });
  }
  // @lesson end
}

void LsmStorage::remove_unnamed_sstables(const LsmState& state,
                                         const std::vector<std::size_t>& sst_ids_on_disk) {
  // @lesson w2d5 LsmStorage::remove_unnamed_sstables: remove every SST file of `sst_ids_on_disk`
  //   that `state` does not hold, list its id in recovery_report_.removed_unnamed_sstables, and
  //   fsync the directory if anything was removed
  for (const std::size_t id : sst_ids_on_disk) {
    if (!state.sstables.contains(id)) {
      fs_->remove(sst_path(id));
      recovery_report_.removed_unnamed_sstables.push_back(id);
    }
  }
  if (!recovery_report_.removed_unnamed_sstables.empty()) {
    fs_->sync_directory(path_);
  }
  // @lesson end
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
  // @lesson w2d6 LsmStorage::recover_wals: first, before anything is written, a live memtable
  //   recorded with a WAL whose id is not in `wal_ids_on_disk` is Corruption naming wal_path(id)
  //   (the record promised it); then for every live memtable recorded with a WAL, oldest first:
  //   Wal::recover() it (with options_.wal_recovery) into a MemTable of its id and report it in
  //   recovery_report_.replayed_wals; only once all are read, write_sstable() each that holds
  //   data and place it with add_flushed_sstable() (and into sstables) in a copy of state_;
  //   install the copy as state_ and note the time spent in wal_replay_seconds; a live memtable
  //   without a WAL is skipped (its writes were never logged)
  const auto started = std::chrono::steady_clock::now();
  const std::set<std::size_t> on_disk(wal_ids_on_disk.begin(), wal_ids_on_disk.end());
  // All of them before any replay: an open that refuses the directory must leave it as it was,
  // not with the SSTs of the WALs replayed before the missing one.
  for (const NewMemtableRecord& live : live_memtables) {
    if (live.wal && !on_disk.contains(live.id)) {
      throw Corruption(wal_path(live.id).string(), 0,
                       "the manifest records this WAL, but it is not in the directory");
    }
  }
  // Every WAL is read before any SST is written: a damaged one refuses the open without leaving
  // behind SSTs that no record names (a later open could not write them again).
  std::vector<std::unique_ptr<MemTable>> replayed;
  for (const NewMemtableRecord& live : live_memtables) {
    if (!live.wal) {
      continue;
    }
    auto memtable = std::make_unique<MemTable>(live.id);
    const WalReadResult read = Wal::recover(
        wal_path(live.id), live.id, *fs_,
        [&](std::string_view key, std::string_view value) { memtable->put(key, value); },
        options_.wal_recovery);
    recovery_report_.replayed_wals.push_back(
        ReplayedWal{live.id, read.records, read.valid_size, read.torn_tail_offset});
    replayed.push_back(std::move(memtable));
  }
  auto next = std::make_shared<LsmState>(*state_);
  for (const std::unique_ptr<MemTable>& memtable : replayed) {
    if (!memtable->is_empty()) {
      // Oldest first, each in front of the one before: L0 ends up newest first.
      std::shared_ptr<SsTable> table = write_sstable(*memtable);
      add_flushed_sstable(*next, memtable->id());
      next->sstables.emplace(memtable->id(), std::move(table));
    }
  }
  state_ = std::move(next);
  recovery_report_.wal_replay_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  // @lesson end
}

void LsmStorage::remove_replayed_and_stale_wals(const std::vector<std::size_t>& wal_ids_on_disk) {
  // @lesson w2d6 LsmStorage::remove_replayed_and_stale_wals: remove every WAL of
  //   `wal_ids_on_disk`, list those that were not replayed in
  //   recovery_report_.removed_stale_wals, and fsync the directory if anything was removed
  std::set<std::size_t> replayed;
  for (const ReplayedWal& wal : recovery_report_.replayed_wals) {
    replayed.insert(wal.id);
  }
  for (const std::size_t id : wal_ids_on_disk) {
    fs_->remove(wal_path(id));
    if (!replayed.contains(id)) {
      recovery_report_.removed_stale_wals.push_back(id);
    }
  }
  if (!wal_ids_on_disk.empty()) {
    fs_->sync_directory(path_);
  }
  // @lesson end
}

void LsmStorage::load_sstables(const std::vector<std::size_t>& ids) {
  // @lesson w1d5 LsmStorage::load_sstables: open each SST (SsTable::open with block_cache_ on
  //   FileObject::open(sst_path(id), *fs_)) into sstables, list the ids in the same order (newest
  //   first) in l0_sstables, and move next_id_ past the highest id
  auto next = std::make_shared<LsmState>(*state_);
  for (const std::size_t id : ids) {
    next->sstables.emplace(id,
                           SsTable::open(id, block_cache_, FileObject::open(sst_path(id), *fs_)));
    next->l0_sstables.push_back(id);
  }
  next_id_ = *std::max_element(ids.begin(), ids.end()) + 1;
  state_ = std::move(next);
  // @lesson end
}

}  // namespace mini_lsm
