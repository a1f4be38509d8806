#include "status_tree.hpp"

#include <system_error>

#include "fsutil.hpp"

namespace xtask {
namespace {

// The folders of a tree that scheck compiles; the stubs live there.
constexpr const char* kSourceDirs[] = {"include", "src", "bin"};

}  // namespace

std::map<Chapter, int> count_todo_markers(std::string_view text) {
  constexpr std::string_view kOpen = "TODO(";
  std::map<Chapter, int> counts;
  for (auto at = text.find(kOpen); at != std::string_view::npos; at = text.find(kOpen, at + 1)) {
    std::string_view rest = text.substr(at + kOpen.size());
    auto close = rest.find(')');
    if (close == std::string_view::npos) {
      break;
    }
    if (auto chapter = parse_chapter(rest.substr(0, close))) {
      ++counts[*chapter];
    }
  }
  return counts;
}

TodoMap todos_in_tree(const fs::path& tree) {
  TodoMap todos;
  for (const char* dir : kSourceDirs) {
    for (const auto& file : list_files(tree / dir)) {
      fs::path relative = fs::path(dir) / file;
      for (const auto& [chapter, count] : count_todo_markers(read_file(tree / relative))) {
        todos[chapter].push_back({relative, count});
      }
    }
  }
  return todos;
}

std::optional<ChangedFile> newest_file(const fs::path& tree) {
  std::optional<ChangedFile> newest;
  for (const char* dir : {"include", "src", "bin", "tests"}) {
    for (const auto& file : list_files(tree / dir)) {
      std::error_code ec;
      auto when = fs::last_write_time(tree / dir / file, ec);
      if (!ec && (!newest || when > newest->when)) {
        newest = ChangedFile{fs::path(dir) / file, when};
      }
    }
  }
  return newest;
}

}  // namespace xtask
