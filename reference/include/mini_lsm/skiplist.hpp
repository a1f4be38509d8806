// The ordered map under every memtable. PROVIDED: you use it, you do not write it.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>

namespace mini_lsm {

/// A sorted map from byte strings to byte strings, ordered byte by byte (unsigned), so "\xff"
/// sorts after "a" and "" before everything.
///
/// Concurrency: insert() may be called from any thread; writers take an internal mutex and run one
/// at a time. Readers (find() and iterators) never block and may run while a writer inserts.
/// Lifetime: nothing is freed before the map dies, so an iterator, and every string_view it or
/// find() returned, stays valid for as long as the map lives. Replacing a value keeps the old
/// bytes until then too; a memtable is bounded in size, so that is cheap.
class SkipList {
 private:
  static constexpr int kMaxHeight = 12;
  struct Node;

 public:
  /// Position in the map. Reads the newest value of its key at the time value() is called.
  class Iterator {
   public:
    bool valid() const { return node_ != nullptr; }
    std::string_view key() const;
    std::string_view value() const;
    void next();

   private:
    friend class SkipList;
    explicit Iterator(const Node* node) : node_(node) {}
    const Node* node_;
  };

  SkipList();
  SkipList(const SkipList&) = delete;
  SkipList& operator=(const SkipList&) = delete;

  /// Inserts `key`, or replaces its value. Returns true when the key was new.
  bool insert(std::string_view key, std::string_view value);
  /// The value stored for `key`, if any.
  std::optional<std::string_view> find(std::string_view key) const;
  /// The first entry whose key is >= `key`.
  Iterator seek(std::string_view key) const;
  /// The first entry of the map.
  Iterator begin() const;
  /// Number of distinct keys.
  std::size_t size() const { return size_.load(std::memory_order_acquire); }

 private:
  // Keys up to this size are stored inside their node (most keys are short).
  static constexpr std::size_t kInlineKeySize = 24;

  struct Node {
    Node(std::string_view key, std::string_view value, int height);
    // The key's bytes are in inline_key when they fit, else in long_key. A search compares its
    // key with one node after another: with the bytes inside the node, each comparison reads one
    // cache line instead of two (the node, then a separate allocation). Nodes never move, so the
    // view into inline_key stays valid.
    std::string_view key;
    std::array<char, kInlineKeySize> inline_key{};
    // The newest value: first_value, until an insert of the same key replaces it with a string of
    // values_.
    std::atomic<const std::string*> value;
    // The value the node was inserted with, kept next to `value`: a scan, which reads the value of
    // every node it passes, then finds it in the node's own cache lines instead of taking one
    // more cache miss in values_ (most keys are never replaced).
    const std::string first_value;
    const int height;
    std::array<std::atomic<Node*>, kMaxHeight> next{};
    const std::string long_key;
  };

  // First node with key >= `key`; fills `before[level]` with its predecessor on each level.
  Node* find_at_or_after(std::string_view key, Node** before) const;
  int random_height();

  Node head_;
  std::atomic<int> height_{1};
  std::atomic<std::size_t> size_{0};

  std::mutex write_mutex_;          // one writer at a time; guards everything below
  std::deque<Node> nodes_;          // deque: growing never moves a node that readers may be on
  std::deque<std::string> values_;  // the values that replaced a node's first_value
  std::minstd_rand random_{0x5eed};
};

}  // namespace mini_lsm
