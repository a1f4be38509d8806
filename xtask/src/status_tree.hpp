// What ./x status reads from a learner's tree, without building it: the stubs still left
// (`TODO(wNdM)` markers) and the file changed last.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include "lesson.hpp"

namespace xtask {

namespace fs = std::filesystem;

/// How many `TODO(<chapter>)` markers each chapter has in `text`. A region the learner has not
/// written yet still holds one such comment (and its NotImplemented throw); other TODOs, and
/// markers that name no chapter ("TODO(w1)", "TODO(me)"), do not count.
std::map<Chapter, int> count_todo_markers(std::string_view text);

/// The markers of one chapter in one file.
struct TodoFile {
  fs::path file;  ///< relative to the tree: src/memtable.cpp
  int count = 0;
};

/// Per chapter, the files under the tree's include/, src/ and bin/ that still hold its markers,
/// in path order.
using TodoMap = std::map<Chapter, std::vector<TodoFile>>;
TodoMap todos_in_tree(const fs::path& tree);

/// A file of the tree and when it last changed.
struct ChangedFile {
  fs::path file;  ///< relative to the tree
  fs::file_time_type when;
};

/// The file changed last under the tree's include/, src/, bin/ and tests/ (what scheck builds
/// and runs); nullopt when there are none.
std::optional<ChangedFile> newest_file(const fs::path& tree);

}  // namespace xtask
