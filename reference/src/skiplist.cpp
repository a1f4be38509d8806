#include "mini_lsm/skiplist.hpp"

#include <algorithm>

#include "mini_lsm/sync_point.hpp"

namespace mini_lsm {

// Publication protocol: a writer fully builds a node (key, value, next pointers) and only then
// links it in with a release store; readers follow links with acquire loads, so they see every
// byte of a node they reach. Nodes and values are never freed while the map lives.

SkipList::Node::Node(std::string_view key, std::string_view value, int height)
    : value(&first_value),
      first_value(value),
      height(height),
      long_key(key.size() > kInlineKeySize ? key : "") {
  if (key.size() > kInlineKeySize) {
    this->key = long_key;
  } else {
    std::copy(key.begin(), key.end(), inline_key.begin());
    this->key = std::string_view(inline_key.data(), key.size());
  }
}

std::string_view SkipList::Iterator::key() const {
  return node_->key;
}

std::string_view SkipList::Iterator::value() const {
  return *node_->value.load(std::memory_order_acquire);
}

void SkipList::Iterator::next() {
  node_ = node_->next[0].load(std::memory_order_acquire);
}

SkipList::SkipList() : head_({}, {}, kMaxHeight) {}

SkipList::Node* SkipList::find_at_or_after(std::string_view key, Node** before) const {
  // head_ is a sentinel smaller than every key, including the empty key.
  Node* node = const_cast<Node*>(&head_);
  for (int level = height_.load(std::memory_order_acquire) - 1;; --level) {
    Node* next = node->next[level].load(std::memory_order_acquire);
    while (next != nullptr && next->key < key) {
      node = next;
      next = node->next[level].load(std::memory_order_acquire);
    }
    if (before != nullptr) {
      before[level] = node;
    }
    if (level == 0) {
      return next;
    }
  }
}

int SkipList::random_height() {
  // Each level holds about a quarter of the nodes of the level below.
  int height = 1;
  while (height < kMaxHeight && random_() % 4 == 0) {
    ++height;
  }
  return height;
}

bool SkipList::insert(std::string_view key, std::string_view value) {
  sync_point::reach(sync_point::kSkipListInsert, key);
  std::lock_guard lock(write_mutex_);
  std::array<Node*, kMaxHeight> before{};
  Node* found = find_at_or_after(key, before.data());
  if (found != nullptr && found->key == key) {
    found->value.store(&values_.emplace_back(value), std::memory_order_release);
    return false;
  }

  const int height = random_height();
  const int old_height = height_.load(std::memory_order_relaxed);
  for (int level = old_height; level < height; ++level) {
    before[level] = &head_;
  }
  Node& node = nodes_.emplace_back(key, value, height);
  for (int level = 0; level < height; ++level) {
    node.next[level].store(before[level]->next[level].load(std::memory_order_relaxed),
                           std::memory_order_relaxed);
    before[level]->next[level].store(&node, std::memory_order_release);
  }
  if (height > old_height) {
    height_.store(height, std::memory_order_release);
  }
  size_.fetch_add(1, std::memory_order_release);
  return true;
}

std::optional<std::string_view> SkipList::find(std::string_view key) const {
  const Node* node = find_at_or_after(key, nullptr);
  if (node == nullptr || node->key != key) {
    return std::nullopt;
  }
  return std::string_view(*node->value.load(std::memory_order_acquire));
}

SkipList::Iterator SkipList::seek(std::string_view key) const {
  return Iterator(find_at_or_after(key, nullptr));
}

SkipList::Iterator SkipList::begin() const {
  return Iterator(head_.next[0].load(std::memory_order_acquire));
}

}  // namespace mini_lsm
