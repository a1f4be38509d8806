// What the last `./x scheck` of a tree found, kept in its build folder for `./x status`: a small
// line-based text file, so that status can answer without building anything.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "build.hpp"
#include "format.hpp"
#include "repo.hpp"

namespace xtask {

namespace fs = std::filesystem;

/// The results of one label ("w1d1", "provided") in one scheck run.
struct RecordedLabel {
  std::string label;
  /// nullopt: CTest printed no summary (no tests found, CTest itself failed).
  std::optional<TestCounts> counts = std::nullopt;
  std::vector<std::string> failing = {};  ///< names of the tests that did not pass
};

/// One scheck run. Times are those of the file clock, so that they compare with file mtimes.
struct ScheckRecord {
  fs::path tree = {};  ///< absolute: two trees with the same folder name share a build folder
  fs::file_time_type started = {};
  bool build_ok = false;
  FormatResult format = FormatResult::skipped;
  std::string format_fix = {};             ///< the clang-format command, when unformatted
  std::vector<Chapter> copied = {};        ///< the chapters whose tests were in the tree
  std::vector<RecordedLabel> labels = {};  ///< empty when the build failed

  /// The results of `label`, or nullptr when it did not run.
  const RecordedLabel* find(std::string_view label) const;
};

/// The build folder of `./x scheck` for `tree`: build/scheck-<its folder name>.
fs::path scheck_build_dir(const Repo& repo, const fs::path& tree);

/// Where scheck keeps its record in `build_dir`.
fs::path record_file(const fs::path& build_dir);

/// The file's text: a comment, a version line, one `key value` line per fact, an end line.
std::string serialize_record(const ScheckRecord& record);

/// The record in `text`; nullopt when it is damaged, cut short or of another version, which a
/// reader treats as "no results yet".
std::optional<ScheckRecord> parse_record(std::string_view text);

/// parse_record() of `file`; nullopt also when the file is missing or unreadable.
std::optional<ScheckRecord> read_record(const fs::path& file);

/// Writes `record` to `file` through a temporary file and a rename, so that a reader (or an
/// interrupted scheck) never sees half of it.
void write_record(const fs::path& file, const ScheckRecord& record);

/// The names of the tests that CTest reports as anything but passed ("***Failed", "***Timeout",
/// "***Exception: SegFault", "***Not Run"), from its per-test lines.
std::vector<std::string> failed_test_names(std::string_view ctest_output);

/// What to keep of one label's run.
RecordedLabel record_label(const LabelRun& run);

}  // namespace xtask
