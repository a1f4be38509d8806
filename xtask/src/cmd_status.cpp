// status: where the learner stands, read from the tree and the last ./x scheck's record.
#include <algorithm>
#include <iostream>

#include "commands.hpp"
#include "error.hpp"
#include "fsutil.hpp"
#include "status.hpp"

namespace xtask {
namespace {

/// The course's chapters with the titles of README.md's chapter table ("" where it has none).
std::vector<std::pair<Chapter, std::string>> titled_chapters(const Repo& repo) {
  auto listed = repo.listed_chapters();
  std::vector<std::pair<Chapter, std::string>> chapters;
  for (const auto& chapter : repo.chapters()) {
    auto row = std::find_if(listed.begin(), listed.end(),
                            [&](const ListedChapter& entry) { return entry.chapter == chapter; });
    chapters.emplace_back(chapter, row == listed.end() ? "" : row->title);
  }
  return chapters;
}

}  // namespace

int status(const Repo& repo, const std::string& tree_spec, bool run) {
  fs::path tree = repo.resolve_tree(tree_spec);
  if (is_within(tree, repo.reference())) {
    throw UsageError(
        "reference/ is the finished engine: ./x status is for your tree (starter, or a "
        "checkpoint); ./x test runs the official tests against the reference");
  }
  if (run) {
    scheck(repo, tree_spec);  // it prints what failed; the status below sums it up
    std::cout << "\n";
  }
  StatusInput input{.tree = tree,
                    .tree_display = repo.display(tree),
                    .tree_flag = repo.tree_flag(tree),
                    .chapters = titled_chapters(repo),
                    .copied = discover_chapters(tree / "tests"),
                    .todos = todos_in_tree(tree),
                    .record = read_record(record_file(scheck_build_dir(repo, tree))),
                    .newest = newest_file(tree),
                    .now = fs::file_time_type::clock::now()};
  std::cout << render_status(input);
  return kExitOk;
}

}  // namespace xtask
