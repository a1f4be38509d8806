#include "mini_lsm/sync_point.hpp"

#include <atomic>
#include <map>
#include <mutex>
#include <utility>

namespace mini_lsm::sync_point {

namespace {

struct Registry {
  std::mutex mutex;
  std::map<std::string, Callback, std::less<>> callbacks;
  // How many callbacks are set: lets reach() return at once in the common case of none.
  std::atomic<std::size_t> count{0};
};

Registry& registry() {
  static Registry instance;
  return instance;
}

}  // namespace

void set(std::string name, Callback callback) {
  Registry& points = registry();
  const std::lock_guard lock(points.mutex);
  points.callbacks.insert_or_assign(std::move(name), std::move(callback));
  points.count = points.callbacks.size();
}

void clear(const std::string& name) {
  Registry& points = registry();
  const std::lock_guard lock(points.mutex);
  points.callbacks.erase(name);
  points.count = points.callbacks.size();
}

void reach(std::string_view name, std::string_view detail) {
  Registry& points = registry();
  if (points.count.load(std::memory_order_acquire) == 0) {
    return;
  }
  Callback callback;
  {
    const std::lock_guard lock(points.mutex);
    const auto found = points.callbacks.find(name);
    if (found == points.callbacks.end()) {
      return;
    }
    callback = found->second;  // a copy, so the callback may clear itself or block
  }
  callback(detail);
}

Scoped::Scoped(std::string name, Callback callback) : name_(name) {
  set(std::move(name), std::move(callback));
}

Scoped::~Scoped() {
  clear(name_);
}

}  // namespace mini_lsm::sync_point
