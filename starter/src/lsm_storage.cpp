#include "mini_lsm/lsm_storage.hpp"

#include <system_error>
#include <utility>

#include "mini_lsm/error.hpp"

namespace mini_lsm {

std::unique_ptr<LsmStorage> LsmStorage::open(const std::filesystem::path& path,
                                             LsmOptions options) {
  return std::make_unique<LsmStorage>(path, options);
}

LsmStorage::LsmStorage(const std::filesystem::path& path, LsmOptions options)
    : path_(path), options_(options) {
  std::error_code error;
  std::filesystem::create_directories(path_, error);
  if (error) {
    throw IoError(path_.string(), error.value(), "cannot create database directory");
  }
  auto initial = std::make_shared<LsmState>();
  initial->memtable = std::make_shared<MemTable>(allocate_id());
  state_ = std::move(initial);
}

std::shared_ptr<const LsmState> LsmStorage::state() const {
  std::lock_guard lock(state_mutex_);
  return state_;
}

void LsmStorage::put(std::string_view key, std::string_view value) {
  // TODO(w1d1): reject a bad key or value with InvalidArgument before touching anything, then
  //   write()
  throw ::mini_lsm::NotImplemented("w1d1", "LsmStorage::put");
}

void LsmStorage::del(std::string_view key) {
  // TODO(w1d1): reject a key over kMaxKeySize, then write() a tombstone (an empty value)
  throw ::mini_lsm::NotImplemented("w1d1", "LsmStorage::del");
}

std::optional<std::string> LsmStorage::get(std::string_view key) const {
  // TODO(w1d1): search the current memtable, then the frozen ones newest first; the first hit wins
  //   and a tombstone means not found
  throw ::mini_lsm::NotImplemented("w1d1", "LsmStorage::get");
}

void LsmStorage::write(std::string_view key, std::string_view value) {
  // TODO(w1d1): put into the current memtable; once its approximate size reaches
  //   options_.target_sst_size, freeze_if_still_current()
  throw ::mini_lsm::NotImplemented("w1d1", "LsmStorage::write");
}

void LsmStorage::force_freeze_memtable() {
  // TODO(w1d1): take state_change_mutex_ and freeze_current_memtable()
  throw ::mini_lsm::NotImplemented("w1d1", "LsmStorage::force_freeze_memtable");
}

void LsmStorage::freeze_if_still_current(const std::shared_ptr<MemTable>& memtable) {
  // TODO(w1d1): under state_change_mutex_, freeze only if `memtable` is still the current one
  //   (another writer may have frozen it already)
  throw ::mini_lsm::NotImplemented("w1d1", "LsmStorage::freeze_if_still_current");
}

void LsmStorage::freeze_current_memtable(const std::lock_guard<std::mutex>& /*state_change*/) {
  // TODO(w1d1): build a new LsmState with a fresh memtable (allocate_id()) and the old one in front
  //   of imm_memtables, then swap state_ under state_mutex_
  throw ::mini_lsm::NotImplemented("w1d1", "LsmStorage::freeze_current_memtable");
}

}  // namespace mini_lsm
