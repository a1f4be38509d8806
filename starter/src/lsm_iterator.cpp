#include "mini_lsm/lsm_iterator.hpp"

#include <utility>

#include "mini_lsm/error.hpp"

namespace mini_lsm {

LsmIterator::LsmIterator(std::unique_ptr<StorageIterator> inner, Bound upper)
    : inner_(std::move(inner)), upper_(std::move(upper)) {
  // TODO(w1d2): the first entry may be a tombstone: skip_deleted()
  throw ::mini_lsm::NotImplemented("w1d2", "LsmIterator::LsmIterator");
}

void LsmIterator::skip_deleted() {
  // TODO(w1d2): advance inner_ while it stands on an empty value (a tombstone) inside the upper
  //   bound; past the bound there is nothing left to skip to
  throw ::mini_lsm::NotImplemented("w1d2", "LsmIterator::skip_deleted");
}

std::string_view LsmIterator::key() const {
  // TODO(w1d2): the key of inner_
  throw ::mini_lsm::NotImplemented("w1d2", "LsmIterator::key");
}

std::string_view LsmIterator::value() const {
  // TODO(w1d2): the value of inner_
  throw ::mini_lsm::NotImplemented("w1d2", "LsmIterator::value");
}

bool LsmIterator::is_valid() const {
  // TODO(w1d2): valid while inner_ is valid and its key satisfies the upper bound
  throw ::mini_lsm::NotImplemented("w1d2", "LsmIterator::is_valid");
}

void LsmIterator::next() {
  // TODO(w1d2): advance inner_, then skip_deleted()
  throw ::mini_lsm::NotImplemented("w1d2", "LsmIterator::next");
}

std::size_t LsmIterator::num_active_iterators() const {
  return inner_->num_active_iterators();
}

FusedIterator::FusedIterator(std::unique_ptr<StorageIterator> inner) : inner_(std::move(inner)) {}

std::string_view FusedIterator::key() const {
  // TODO(w1d2): throw InvalidArgument unless is_valid(), else the key of inner_
  throw ::mini_lsm::NotImplemented("w1d2", "FusedIterator::key");
}

std::string_view FusedIterator::value() const {
  // TODO(w1d2): throw InvalidArgument unless is_valid(), else the value of inner_
  throw ::mini_lsm::NotImplemented("w1d2", "FusedIterator::value");
}

bool FusedIterator::is_valid() const {
  // TODO(w1d2): false after an error, otherwise whatever inner_ says
  throw ::mini_lsm::NotImplemented("w1d2", "FusedIterator::is_valid");
}

void FusedIterator::next() {
  // TODO(w1d2): rethrow a kept error; do nothing once invalid; otherwise advance inner_, keeping
  //   (std::current_exception) and rethrowing anything it throws
  throw ::mini_lsm::NotImplemented("w1d2", "FusedIterator::next");
}

std::size_t FusedIterator::num_active_iterators() const {
  return error_ ? 0 : inner_->num_active_iterators();
}

}  // namespace mini_lsm
