#include "mini_lsm/lsm_iterator.hpp"

#include <utility>

#include "mini_lsm/error.hpp"

namespace mini_lsm {

LsmIterator::LsmIterator(std::unique_ptr<StorageIterator> inner, Bound upper)
    : inner_(std::move(inner)), upper_(std::move(upper)) {
  // @lesson w1d2 LsmIterator::LsmIterator: the first entry may be a tombstone: skip_deleted()
  skip_deleted();
  // @lesson end
}

void LsmIterator::skip_deleted() {
  // @lesson w1d2 LsmIterator::skip_deleted: advance inner_ while it stands on an empty value (a
  //   tombstone) inside the upper bound; past the bound there is nothing left to skip to
  while (inner_->is_valid() && satisfies_upper(inner_->key(), upper_) && inner_->value().empty()) {
    inner_->next();
  }
  // @lesson end
}

std::string_view LsmIterator::key() const {
  // @lesson w1d2 LsmIterator::key: the key of inner_
  return inner_->key();
  // @lesson end
}

std::string_view LsmIterator::value() const {
  // @lesson w1d2 LsmIterator::value: the value of inner_
  return inner_->value();
  // @lesson end
}

bool LsmIterator::is_valid() const {
  // @lesson w1d2 LsmIterator::is_valid: valid while inner_ is valid and its key satisfies the upper
  //   bound
  return inner_->is_valid() && satisfies_upper(inner_->key(), upper_);
  // @lesson end
}

void LsmIterator::next() {
  // @lesson w1d2 LsmIterator::next: advance inner_, then skip_deleted()
  inner_->next();
  skip_deleted();
  // @lesson end
}

std::size_t LsmIterator::num_active_iterators() const {
  return inner_->num_active_iterators();
}

FusedIterator::FusedIterator(std::unique_ptr<StorageIterator> inner) : inner_(std::move(inner)) {}

std::string_view FusedIterator::key() const {
  // @lesson w1d2 FusedIterator::key: throw InvalidArgument unless is_valid(), else the key of
  //   inner_
  if (!is_valid()) {
    throw InvalidArgument("key() of an iterator that is not valid");
  }
  return inner_->key();
  // @lesson end
}

std::string_view FusedIterator::value() const {
  // @lesson w1d2 FusedIterator::value: throw InvalidArgument unless is_valid(), else the value of
  //   inner_
  if (!is_valid()) {
    throw InvalidArgument("value() of an iterator that is not valid");
  }
  return inner_->value();
  // @lesson end
}

bool FusedIterator::is_valid() const {
  // @lesson w1d2 FusedIterator::is_valid: false after an error, otherwise whatever inner_ says
  return !error_ && inner_->is_valid();
  // @lesson end
}

void FusedIterator::next() {
  // @lesson w1d2 FusedIterator::next: rethrow a kept error; do nothing once invalid; otherwise
  //   advance inner_, keeping (std::current_exception) and rethrowing anything it throws
  if (error_) {
    std::rethrow_exception(error_);
  }
  if (!inner_->is_valid()) {
    return;
  }
  try {
    inner_->next();
  } catch (...) {
    error_ = std::current_exception();
    throw;
  }
  // @lesson end
}

std::size_t FusedIterator::num_active_iterators() const {
  return error_ ? 0 : inner_->num_active_iterators();
}

}  // namespace mini_lsm
