#include "mini_lsm/lsm_storage.hpp"

#include <system_error>
#include <utility>

#include "mini_lsm/error.hpp"

namespace mini_lsm {

// @lesson w1d1 solution-only
namespace {

void check_key_size(std::string_view key) {
  if (key.size() > kMaxKeySize) {
    throw InvalidArgument("key of " + std::to_string(key.size()) + " bytes is over the limit of " +
                          std::to_string(kMaxKeySize) + " bytes");
  }
}

void check_value_size(std::string_view value) {
  if (value.empty()) {
    throw InvalidArgument("an empty value is how a delete is stored: call del() instead");
  }
  if (value.size() > kMaxValueSize) {
    throw InvalidArgument("value of " + std::to_string(value.size()) +
                          " bytes is over the limit of " + std::to_string(kMaxValueSize) +
                          " bytes");
  }
}

}  // namespace
// @lesson end

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
  // @lesson w1d1 LsmStorage::put: reject a bad key or value with InvalidArgument before touching anything, then write()
  check_key_size(key);
  check_value_size(value);
  write(key, value);
  // @lesson end
}

void LsmStorage::del(std::string_view key) {
  // @lesson w1d1 LsmStorage::del: reject a key over kMaxKeySize, then write() a tombstone (an empty value)
  check_key_size(key);
  write(key, {});
  // @lesson end
}

std::optional<std::string> LsmStorage::get(std::string_view key) const {
  // @lesson w1d1 LsmStorage::get: search the current memtable, then the frozen ones newest first; the first hit wins and a tombstone means not found
  const std::shared_ptr<const LsmState> snapshot = state();
  std::optional<std::string> value = snapshot->memtable->get(key);
  for (auto frozen = snapshot->imm_memtables.begin();
       !value && frozen != snapshot->imm_memtables.end(); ++frozen) {
    value = (*frozen)->get(key);
  }
  if (value && value->empty()) {
    return std::nullopt;  // the newest write was a delete
  }
  return value;
  // @lesson end
}

void LsmStorage::write(std::string_view key, std::string_view value) {
  // @lesson w1d1 LsmStorage::write: put into the current memtable; once its approximate size reaches options_.target_sst_size, freeze_if_still_current()
  const std::shared_ptr<MemTable> memtable = state()->memtable;
  memtable->put(key, value);
  if (memtable->approximate_size() >= options_.target_sst_size) {
    freeze_if_still_current(memtable);
  }
  // @lesson end
}

void LsmStorage::force_freeze_memtable() {
  // @lesson w1d1 LsmStorage::force_freeze_memtable: take state_change_mutex_ and freeze_current_memtable()
  const std::lock_guard state_change(state_change_mutex_);
  freeze_current_memtable(state_change);
  // @lesson end
}

void LsmStorage::freeze_if_still_current(const std::shared_ptr<MemTable>& memtable) {
  // @lesson w1d1 LsmStorage::freeze_if_still_current: under state_change_mutex_, freeze only if `memtable` is still the current one (another writer may have frozen it already)
  const std::lock_guard state_change(state_change_mutex_);
  if (state()->memtable == memtable) {
    freeze_current_memtable(state_change);
  }
  // @lesson end
}

void LsmStorage::freeze_current_memtable(const std::lock_guard<std::mutex>& /*state_change*/) {
  // @lesson w1d1 LsmStorage::freeze_current_memtable: build a new LsmState with a fresh memtable (allocate_id()) and the old one in front of imm_memtables, then swap state_ under state_mutex_
  auto next = std::make_shared<LsmState>(*state());
  next->imm_memtables.insert(next->imm_memtables.begin(), next->memtable);
  next->memtable = std::make_shared<MemTable>(allocate_id());
  std::lock_guard lock(state_mutex_);
  state_ = std::move(next);
  // @lesson end
}

}  // namespace mini_lsm
