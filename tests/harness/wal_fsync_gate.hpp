// What the group-commit and batch tests use to hold writers at exact places without sleeps: the
// kernel's view of a thread (asleep or not, Linux's /proc), and a gate that parks a WAL fsync of
// the FaultInjectionFs until the test lets it go.
#pragma once

#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "harness/fault_injection_fs.hpp"

namespace mini_lsm::testing {

/// The kernel's id of the calling thread.
inline pid_t this_thread_id() {
  return static_cast<pid_t>(::syscall(SYS_gettid));
}

/// The scheduler's state of thread `tid` of this process: 'R' running or runnable, 'S' asleep
/// (blocked), ...; '\0' once it has exited.
inline char thread_state(pid_t tid) {
  std::ifstream stat("/proc/self/task/" + std::to_string(tid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) {
    return '\0';
  }
  const std::size_t end_of_name = line.rfind(')');  // the name may hold spaces and parentheses
  return end_of_name == std::string::npos || end_of_name + 2 >= line.size() ? '\0'
                                                                            : line[end_of_name + 2];
}

/// The sync hook of the tests: it records every sync of a WAL, and parks the next one once armed
/// until the test releases it. Its state is shared with the hook, so that a thread still inside
/// the hook outlives nothing it uses; destroying the gate releases a parked thread.
class WalFsyncGate {
 public:
  explicit WalFsyncGate(std::shared_ptr<FaultInjectionFs> fs)
      : fs_(std::move(fs)), state_(std::make_shared<State>()) {
    fs_->set_sync_hook([state = state_](const SyncEvent& event) { state->on_sync(event); });
  }
  WalFsyncGate(const WalFsyncGate&) = delete;
  WalFsyncGate& operator=(const WalFsyncGate&) = delete;
  ~WalFsyncGate() {
    fs_->set_sync_hook(nullptr);
    release();
  }

  /// The next WAL sync to begin parks (at SyncStage::kBefore) until release().
  void arm() {
    const std::lock_guard lock(state_->mutex);
    state_->armed = true;
    state_->parked = false;
    state_->released = false;
  }

  /// True once a sync is parked; false as soon as `gave_up()` says the thread expected to park
  /// finished without parking (it threw before its fsync: a stub, say), or after 5 s.
  bool wait_until_parked(const std::function<bool()>& gave_up) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    std::unique_lock lock(state_->mutex);
    while (!state_->parked && !gave_up() && std::chrono::steady_clock::now() < deadline) {
      state_->changed.wait_for(lock, std::chrono::milliseconds(1));
    }
    return state_->parked;
  }

  void release() {
    {
      const std::lock_guard lock(state_->mutex);
      state_->released = true;
    }
    state_->changed.notify_all();
  }

  /// Every WAL sync event so far, in order.
  std::vector<SyncEvent> events() const {
    const std::lock_guard lock(state_->mutex);
    return state_->events;
  }

  /// The WAL syncs that completed so far.
  std::size_t completed() const {
    const std::lock_guard lock(state_->mutex);
    std::size_t count = 0;
    for (const SyncEvent& event : state_->events) {
      count += event.stage == SyncStage::kAfter ? 1 : 0;
    }
    return count;
  }

 private:
  struct State {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<SyncEvent> events;
    bool armed = false;
    bool parked = false;
    bool released = false;

    void on_sync(const SyncEvent& event) {
      if (!event.path.ends_with(".wal")) {
        return;
      }
      std::unique_lock lock(mutex);
      events.push_back(event);
      if (event.stage == SyncStage::kBefore && armed) {
        armed = false;
        parked = true;
        changed.notify_all();
        changed.wait(lock, [this] { return released; });
      }
    }
  };

  std::shared_ptr<FaultInjectionFs> fs_;
  std::shared_ptr<State> state_;
};

}  // namespace mini_lsm::testing
