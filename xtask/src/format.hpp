// The formatting check: clang-format --dry-run --Werror with the repository's .clang-format.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace xtask {

namespace fs = std::filesystem;

enum class FormatResult { clean, unformatted, skipped };

/// The *.hpp and *.cpp files below each of `dirs` (missing dirs are fine), skipping top-level
/// entries of each dir named in `skip_top`. Absolute paths, sorted.
std::vector<fs::path> source_files(const std::vector<fs::path>& dirs,
                                   const std::vector<std::string>& skip_top = {});

struct FormatReport {
  FormatResult result = FormatResult::clean;
  std::vector<fs::path> unformatted = {};  ///< the files clang-format complained about
  std::string fix = {};                    ///< the command that formats them
  bool operator==(FormatResult other) const { return result == other; }
};

/// Checks `files` against `style_file`. Prints clang-format's complaints and a fix command when a
/// file is not formatted; prints a note and returns `skipped` when clang-format is not installed.
FormatReport check_format(const std::vector<fs::path>& files, const fs::path& style_file);

/// The files of clang-format's --dry-run output ("<file>:<line>:<col>: error: ...") among `files`.
std::vector<fs::path> files_with_complaints(std::string_view output,
                                            const std::vector<fs::path>& files);

/// `clang-format -i <files>` with paths relative to `cwd` where that is shorter, and the style
/// file named explicitly unless every file lies below the style file's directory (where
/// clang-format finds it by itself).
std::string format_fix_command(const std::vector<fs::path>& files, const fs::path& style_file,
                               const fs::path& cwd);

/// The closing lines of a check whose formatting failed: the files and the fix command.
std::string format_failure_summary(const FormatReport& report, const fs::path& cwd);

}  // namespace xtask
