// Small file-system helpers: whole-file reads, writes that keep mtimes, temp dirs, tree listings.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace xtask {

namespace fs = std::filesystem;

/// The whole content of a file. Throws std::runtime_error naming the file when it cannot be read.
std::string read_file(const fs::path& path);

/// Writes `content` to `path` (creating parent directories) unless the file already holds exactly
/// that, so unchanged files keep their mtime and incremental builds stay fast. True if written.
bool write_if_changed(const fs::path& path, std::string_view content);

/// Every regular file below `dir`, as sorted paths relative to `dir`. Top-level entries named in
/// `skip_top` (e.g. "tests") are left out. An absent `dir` has no files.
std::vector<fs::path> list_files(const fs::path& dir,
                                 const std::vector<std::string>& skip_top = {});

/// Makes `to` hold exactly the files of `from` (skipping top-level `skip_top` entries on both
/// sides): copies what changed, removes what `from` does not have. Returns the files written.
int mirror_tree(const fs::path& from, const fs::path& to, const std::vector<std::string>& skip_top);

/// Removes the empty directories below `dir` (not `dir` itself).
void remove_empty_dirs(const fs::path& dir);

/// True when `path` is `dir` or lies below it (after resolving symlinks and `..`).
bool is_within(const fs::path& path, const fs::path& dir);

/// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  explicit TempDir(std::string_view prefix);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

}  // namespace xtask
