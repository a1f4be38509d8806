// Parks the thread that reaches a sync point with a given detail (a key) until the test lets it
// go, so that a test can act while another thread is stopped at an exact place in the engine.
#pragma once

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <string>
#include <string_view>

#include "mini_lsm/sync_point.hpp"

namespace mini_lsm::testing {

class ParkedThread {
 public:
  /// From now on, a thread that reaches `point` with `detail` waits there until release().
  ParkedThread(std::string_view point, std::string detail)
      : detail_(std::move(detail)),
        callback_(std::string(point), [this](std::string_view reached) { park(reached); }) {}
  ParkedThread(const ParkedThread&) = delete;
  ParkedThread& operator=(const ParkedThread&) = delete;
  /// Never leaves a thread parked: a test that fails early still lets it finish.
  ~ParkedThread() { release(); }

  /// True once a thread is parked; false as soon as `worker`, the thread expected to park, has
  /// finished without parking (it threw before the point: a stub, say), or after `limit`.
  bool wait_until_parked(const std::future<void>& worker, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    std::unique_lock lock(mutex_);
    while (!parked_ && std::chrono::steady_clock::now() < deadline) {
      // The worker's end is not signalled on changed_, so look at it every millisecond.
      if (worker.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
        break;
      }
      changed_.wait_for(lock, std::chrono::milliseconds(1), [this] { return parked_; });
    }
    return parked_;
  }

  /// Lets the parked thread, and any later one, go on.
  void release() {
    {
      const std::lock_guard lock(mutex_);
      released_ = true;
    }
    changed_.notify_all();
  }

 private:
  void park(std::string_view reached) {
    if (reached != detail_) {
      return;
    }
    std::unique_lock lock(mutex_);
    parked_ = true;
    changed_.notify_all();
    changed_.wait(lock, [this] { return released_; });
  }

  std::string detail_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool parked_ = false;
  bool released_ = false;
  // Last: the callback is installed once everything it uses exists, and removed first.
  sync_point::Scoped callback_;
};

}  // namespace mini_lsm::testing
