// Generated engine trees: rendering reference/ through a checkpoint into a directory.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "lesson.hpp"
#include "repo.hpp"

namespace xtask {

namespace fs = std::filesystem;

/// The file that marks a directory as generated (and therefore safe to overwrite).
inline constexpr const char* kTreeMarker = ".mini-lsm-tree";

struct RenderedFile;

/// The marker's content: a few `#` lines that tell a learner what the tree is (their copy of the
/// engine, generated through a checkpoint) and why the file is there, then one line
/// "<hash> <path>" per generated file, so that a later run can tell which files were edited by
/// hand since.
std::string marker_text(std::optional<Chapter> through, const std::vector<RenderedFile>& files);

/// Files of the generated tree `dir` that a person changed since it was generated: a file whose
/// content no longer has the hash its marker records, or a file under include/, src/ or bin/ that
/// the marker does not list. Empty when `dir` has no marker (nothing to compare with).
std::vector<fs::path> hand_edited_files(const fs::path& dir);

/// Why a checkpoint must not be written into `out`, or nullopt when it may: `out` is the
/// repository root or contains it, lies inside reference/, is a file, or is a non-empty directory
/// without the marker (a `tests/` folder alone does not count: it is never touched).
std::optional<std::string> out_dir_problem(const Repo& repo, const fs::path& out);

struct RenderedFile {
  fs::path path;  ///< relative to the tree
  std::string content;
};

/// Every file of reference/ (except reference/tests/) rendered through `through`, plus the marker.
/// Binary files are copied as they are. Throws LessonError for a malformed region and
/// std::runtime_error when an output still contains "@lesson".
std::vector<RenderedFile> render_reference(const Repo& repo, std::optional<Chapter> through);

/// The chapters that own lesson regions anywhere in reference/, sorted and unique.
std::vector<Chapter> reference_lesson_chapters(const Repo& repo);

struct WriteStats {
  int written = 0;
  int unchanged = 0;
  int removed = 0;
};

/// Writes `files` into `out`, touching only files whose content changed. When `out` already was a
/// generated tree, files under include/, src/ and bin/ that are no longer rendered are removed.
/// Never touches out/tests/.
WriteStats write_tree(const std::vector<RenderedFile>& files, const fs::path& out);

/// The files (relative paths) whose content differs between two trees, or that only one of them
/// has, ignoring top-level entries named in `skip_top`.
std::vector<fs::path> differing_files(const fs::path& a, const fs::path& b,
                                      const std::vector<std::string>& skip_top);

}  // namespace xtask
