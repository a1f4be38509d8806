// One write of a batch (week 2 day 7): a put, or a delete (a put of the empty value).
#pragma once

#include <string_view>

namespace mini_lsm {

/// A put of `key` = `value`, or a delete of `key` when `value` is empty. The views must stay valid
/// until the write that takes them returns.
struct WriteOp {
  std::string_view key;
  std::string_view value;

  static WriteOp put(std::string_view key, std::string_view value) { return {key, value}; }
  static WriteOp del(std::string_view key) { return {key, {}}; }
  bool is_delete() const { return value.empty(); }
};

}  // namespace mini_lsm
