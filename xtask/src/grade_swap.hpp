// ./x grade: when a student's engine file does not compile, the function around the compiler's
// error is replaced by the starter's version of the same function (a stub that throws
// NotImplemented), so that only that function's chapter loses points. These are the pure parts:
// reading compiler errors, finding the function around a line, swapping it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xtask {

namespace fs = std::filesystem;

/// One "file:line:column: error: message" of a compiler (gcc and clang write the same shape).
struct CompileError {
  fs::path file;     ///< absolute, with `..` resolved
  int line = 0;      ///< 1-based
  std::string text;  ///< the whole line as the compiler wrote it
};

/// The errors (and fatal errors) in a build's output, each once. Relative file names (ccache's
/// CCACHE_BASEDIR makes them relative) are taken relative to `build_dir`.
std::vector<CompileError> parse_compile_errors(std::string_view output, const fs::path& build_dir);

/// The lines [first, last] (0-based, inclusive) of a function definition: from its signature's
/// first line to its closing brace.
struct LineRange {
  std::size_t first = 0;
  std::size_t last = 0;
};

/// The definition that contains line `line` (1-based) of a clang-formatted source: definitions
/// start at column 0 (after comments, blank lines and preprocessor lines) and close with a `}` at
/// column 0 (a namespace's closing `}` is not one). nullopt when the line lies outside every
/// definition, for example on a declaration or a namespace line.
std::optional<LineRange> function_around(std::string_view source, int line);

/// What names a definition across two versions of a file: its signature up to the parameter
/// list's `)` and the qualifiers after it (const, noexcept, ...), without the body or a
/// constructor's initializer list, whitespace collapsed. "Result<std::string> MemTable::get(
/// std::string_view key) const".
std::string function_signature(std::string_view source, LineRange range);

/// The result of swap_function: the new source and the signature of what was replaced.
struct Swapped {
  std::string source;
  std::string signature;
};

/// `student` with the definition around `line` replaced by the definition with the same
/// signature in `starter`. nullopt when there is no definition around the line or the starter
/// has none with that signature (the caller then falls back to the starter's whole file).
std::optional<Swapped> swap_function(std::string_view student, int line, std::string_view starter);

}  // namespace xtask
