// Opening a database directory: its lock, its leftover files and its SSTs.
#include <algorithm>
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
  // SST files left by an earlier session (close() writes them from week 1 day 6 on). A name the
  // engine never writes stops the open here, before anything in the directory is changed.
  const std::vector<std::size_t> ids = sstable_ids_newest_first(names);
  remove_temporary_files(names);
  if (!ids.empty()) {
    load_sstables(ids);
  }
  auto initial = std::make_shared<LsmState>(*state_);
  // Until the manifest (week 2 day 5) records the levels, reopened SSTs land in L0; a tiered
  // tree has no L0, so there each becomes a tier of its own, newest first.
  if (flushes_make_tiers()) {
    for (const std::size_t id : initial->l0_sstables) {
      initial->levels.push_back(Level{id, {id}});
    }
    initial->l0_sstables.clear();
  }
  initial->memtable = std::make_shared<MemTable>(allocate_id());
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

void LsmStorage::load_sstables(const std::vector<std::size_t>& ids) {
  // TODO(w1d5): open each SST (SsTable::open with block_cache_ on FileObject::open(sst_path(id),
  //   *fs_)) into sstables, list the ids in the same order (newest first) in l0_sstables, and move
  //   next_id_ past the highest id
  throw ::mini_lsm::NotImplemented("w1d5", "LsmStorage::load_sstables");
}

}  // namespace mini_lsm
