// The formatting check: clang-format --dry-run --Werror with the repository's .clang-format.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace xtask {

namespace fs = std::filesystem;

enum class FormatResult { clean, unformatted, skipped };

/// The *.hpp and *.cpp files below each of `dirs` (missing dirs are fine), skipping top-level
/// entries of each dir named in `skip_top`. Absolute paths, sorted.
std::vector<fs::path> source_files(const std::vector<fs::path>& dirs,
                                   const std::vector<std::string>& skip_top = {});

/// Checks `files` against `style_file`. Prints clang-format's complaints and a fix command when a
/// file is not formatted; prints a note and returns `skipped` when clang-format is not installed.
FormatResult check_format(const std::vector<fs::path>& files, const fs::path& style_file);

}  // namespace xtask
