// Text helpers: splitting lines, joining words, plain-text tables for summaries.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace xtask {

/// The lines of `text` without their '\n'; a final newline does not start another line.
std::vector<std::string_view> split_lines(std::string_view text);

/// `words` separated by `separator`.
std::string join(const std::vector<std::string>& words, std::string_view separator = " ");

/// Each row on its own line, prefixed by `indent`, columns padded to their widest cell and
/// separated by two spaces. Rows may have different lengths. Trailing spaces are trimmed.
std::string format_table(const std::vector<std::vector<std::string>>& rows,
                         const std::string& indent = "  ");

/// "12.3": a duration in seconds, to one decimal, for progress lines and summary tables.
std::string format_seconds(std::chrono::steady_clock::duration elapsed);

}  // namespace xtask
